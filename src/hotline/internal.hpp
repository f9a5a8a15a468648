// Shared by the hotline module's sources; not part of its interface.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/policy.hpp"
#include "hotline/hotline.hpp"
#include "hotline/stats.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::hotline::detail {

inline std::int64_t micros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp from_micros(std::int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

// A statement under construction whose first parameters are those of an access filter (built by
// auth::sql_filter with placeholders from $1); param() numbers the statement's own after them.
class Sql {
 public:
  Sql() = default;
  // invalid_argument when the filter names a placeholder it has no parameter for.
  static Result<Sql> with_access(const auth::SqlFilter& access);
  // Appends a parameter; returns its placeholder ("$7").
  std::string param(store::Value v);
  const std::string& access() const { return access_; }
  std::vector<store::Value>& params() { return params_; }

 private:
  std::string access_;
  std::vector<store::Value> params_;
};

// The columns read_contacts() expects, in order, over hotline_contacts.
extern const std::string_view kContactColumns;
// Rows of kContactColumns to contacts, with their linked report ids.
Result<std::vector<Contact>> read_contacts(store::Connection& c, const std::vector<store::Row>& rows);

// Category keys to the stored mask and back (taxonomy order).
Result<std::uint64_t> category_mask(std::span<const std::string> keys);
std::vector<std::string> category_keys(std::uint64_t mask);

// How a row of the ministry's table is computed.
enum class RowKind {
  total,                  // every contact
  recorded,               // recorded
  indepth,                // indepth flag
  intervention,           // outcome "intervention"
  online,                 // recorded, an online-harm category
  online_counselling,     // ... outcome not "intervention"
  online_intervention,    // ... outcome "intervention"
  category_counselling,   // online_counselling with `category`
  category_intervention,  // online_intervention with `category`
  clip_notices,           // sum of clip_notices
};
struct RowDef {
  TableRow row;
  RowKind kind;
  std::string_view category;  // for the category_* kinds
};
std::span<const RowDef> row_defs() noexcept;

}  // namespace baove::hotline::detail
