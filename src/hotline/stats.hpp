// The hotline's statistics: the yearly table it reports to the ministry
// (../shared/domain/hotline111_statistics_2020_2023.csv: same keys, parents and labels) for any
// period, and breakdowns for charts. Aggregates only: nothing here returns a single contact, so a
// statistician's access needs no contact filter (the caller still checks Action::read on
// ResourceType::statistics and audits the export).
//
// Which contacts count in which row (contacts that began in [from, to), of the filter's units;
// see docs/STATISTICS.md):
//   total_calls          every contact, recorded or not, from every channel
//   recorded_calls       contacts with a contact file (recorded)
//   indepth_counselling  contacts flagged in-depth counselling
//   intervention_cases   contacts whose outcome is "intervention" (only recorded contacts may have it)
//   online_abuse         recorded contacts with at least one online-harm category (every category but
//                        "other") = online_counselling + online_intervention
//   online_counselling   those whose outcome is not "intervention" (or not set)
//   oc_<category>        of those, the contacts having that category (oc_sexual_abuse, oc_violence_bullying,
//                        oc_grooming, oc_dignity, oc_personal_info, oc_money_fraud, oc_safe_use)
//   online_intervention  those whose outcome is "intervention"
//   oi_<category>        of those, the contacts having oi_sexual_abuse: sexual_abuse,
//                        oi_enticed_trafficked: enticed_trafficked, oi_violence: violence_bullying,
//                        oi_images_dignity: images_dignity
//   channel_clip_notices the sum of the contacts' clip notices (a count of notices, not of contacts;
//                        listed under online_abuse but not part of its total)
// A contact with several categories counts once in a parent row and once in each of its
// categories' rows, so the oc_/oi_ rows add up to their parent only when every contact has one
// online-harm category; an intervention contact whose online-harm categories have no oi_ row
// (grooming, dignity, personal_info, money_fraud, safe_use) counts in online_intervention and in
// no oi_ row.
//
// Speed: one statement per table (a snapshot on both engines): the period's count, and one pass
// with conditional counts over its recorded contacts (a few percent of all) read from a partial
// index that holds every column needed. On SQLite the contacts table is clustered by start time, so
// the period's count reads one contiguous range. See docs/STATISTICS.md for figures.
//
// Errors: invalid_argument for from > to or a bad filter; limit_exceeded for more than
// kMaxPeriods periods in a breakdown. Thread-safety: as the Connection given.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hotline/hotline.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::hotline {

// Which units' contacts count. With a unit, its contacts and those of every unit below it
// (auth's unit closure table, auth_unit_closure, must exist then).
struct StatsFilter {
  std::string unit_id;  // "" for every unit
};

// One row of the ministry's table.
struct TableRow {
  std::string_view key;
  std::string_view parent;  // "" for a top row
  std::string_view label_vi;
  std::string_view label_en;
  // Whether the row adds up into its parent's total (false for channel_clip_notices).
  bool additive = true;
  std::int64_t count = 0;
};

struct Table {
  Timestamp from{};
  Timestamp to{};
  std::vector<TableRow> rows;  // every row of the ministry's table, in its order
  // The row's count; -1 for an unknown key.
  std::int64_t count(std::string_view key) const noexcept;
};

// The rows of the ministry's table in order, counts 0.
std::span<const TableRow> table_rows() noexcept;

// The ministry's table for contacts that began in [from, to).
Result<Table> hotline_table(store::Connection& c, Timestamp from, Timestamp to,
                            const StatsFilter& filter = {});

// ---- breakdowns for charts ----

enum class Dimension {
  category,  // recorded contacts having each category (a contact with several counts in each)
  channel,   // every contact, by channel
  province,  // recorded contacts by the child's province ("unknown" when not recorded)
  age_band,  // recorded contacts by the child's age band ("unknown" when not recorded)
  gender,    // recorded contacts by the child's gender ("unknown" when not recorded)
  outcome,   // every contact by outcome ("none" when not set)
};
const char* to_string(Dimension d) noexcept;  // "category", "channel", ...
// Whether every counted contact falls in exactly one row (all but category), so the rows add up
// to the number of contacts counted.
bool is_partition(Dimension d) noexcept;

enum class Period {
  whole,  // one period: [from, to)
  year,   // calendar years in local time (BreakdownOptions::utc_offset), cut to [from, to)
  month,  // calendar months likewise
};
inline constexpr std::size_t kMaxPeriods = 1200;

struct BreakdownOptions {
  Period by = Period::whole;
  // Local time for years and months: Viet Nam (UTC+7, no daylight saving) by default.
  std::chrono::minutes utc_offset{7 * 60};
  StatsFilter filter;
};

struct CountRow {
  std::string period;  // "" (whole), "2021" (year) or "2021-03" (month)
  std::string key;     // the taxonomy key; "unknown"/"none" as above; a stored key the taxonomy no
                       // longer lists comes back as itself with itself as label
  std::string label_vi;
  std::string label_en;
  std::int64_t count = 0;
};

// Counts by `dimension` for contacts that began in [from, to): for each period in time order,
// every key of the dimension's taxonomy list in its order (zeros included, so charts keep their
// axes), then "unknown" or "none" where the dimension has one.
Result<std::vector<CountRow>> breakdown(store::Connection& c, Timestamp from, Timestamp to,
                                        Dimension dimension, const BreakdownOptions& options = {});

}  // namespace baove::hotline
