// The known-material bank model: banks, their entries, and the signal types they hold.
//
// A bank is a named list of hashes that one unit owns (for example "national-confirmed" owned by
// the analysts' unit, or a partner's contributed list). An entry is one hash with what is known
// about it: its classification, where it came from, when it was added. Entries are matched by
// the Matcher (bank/matcher.hpp) and persisted by a BankStore (bank/store.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace baove::bank {

// The kinds of hash a bank holds. PDQ is matched by Hamming distance, the digests exactly.
enum class SignalType : std::uint8_t { pdq = 0, md5 = 1, sha1 = 2, sha256 = 3 };
inline constexpr int kSignalTypeCount = 4;

// "pdq", "md5", "sha1", "sha256".
const char* to_string(SignalType type) noexcept;
// Parses a type name (case-insensitive); nullopt for anything else.
std::optional<SignalType> parse_signal_type(std::string_view name) noexcept;
// Hex characters in a value of this type: 64, 32, 40, 64.
std::size_t hex_length(SignalType type) noexcept;
bool is_digest(SignalType type) noexcept;

// Checks that `hex` is a well-formed value of `type` and returns it in canonical form (lower-case
// hex). Errors (invalid_argument) say what is wrong: "md5 value must be 32 hex digits, got 31",
// "bad hex character 'g' at position 5".
Result<std::string> canonical_value(SignalType type, std::string_view hex);

// How an entry was classified: a scheme and a label in it, for example inhope:baseline,
// inhope:national, inhope:not_illegal, projectvic:1, threatexchange:<category>. Both may be empty
// (unclassified).
struct Classification {
  std::string scheme;
  std::string label;
  // "scheme:label", or "" when both are empty.
  std::string to_string() const;
  // Parses "scheme:label" (label may contain ':'); an empty scheme or label is an error.
  static Result<Classification> parse(std::string_view text);
  friend bool operator==(const Classification&, const Classification&) = default;
};

// Where an entry came from: the contributor (a unit or partner), the list it was published in,
// and its id in that list (a Project VIC MediaID, a ThreatExchange id). Any may be empty.
struct Source {
  std::string contributor;
  std::string list;
  std::string id;
  // "contributor/list/id" with empty parts kept, for one-column display.
  std::string to_string() const;
  friend bool operator==(const Source&, const Source&) = default;
};

struct NewBank {
  std::string name;  // unique; 1..100 characters, no control characters
  std::string owner_unit;
  std::string description;
  bool enabled = true;
};

struct Bank {
  std::int64_t id = 0;
  std::string name;
  std::string owner_unit;
  std::string description;
  bool enabled = true;
  std::string created_at;  // UTC, ISO 8601 ("2024-05-01T09:30:00Z")
};

// Checks a bank name: 1..100 bytes, no control characters, not only spaces.
Status validate_bank_name(std::string_view name);

// An entry as it is added. `value` must already be canonical (canonical_value()).
struct NewEntry {
  SignalType type = SignalType::pdq;
  std::string value;
  Classification classification;
  Source source;
  std::string note;
  std::string added_at;  // UTC ISO 8601; empty: the time of the add
};

struct Entry {
  std::int64_t id = 0;
  std::int64_t bank_id = 0;
  SignalType type = SignalType::pdq;
  std::string value;
  Classification classification;
  Source source;
  std::string note;
  std::string added_at;
  bool disabled = false;
};

// The current time, UTC, ISO 8601 with seconds: "2024-05-01T09:30:00Z".
std::string utc_now_iso8601();

}  // namespace baove::bank
