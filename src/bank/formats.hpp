// Hash list formats: parsing for import, writing for export.
//
//  plain     one value per line: `<hex>` (md5 by 32 digits, sha1 by 40; 64 digits may be
//            sha256 or pdq, so they need a type) or `<type> <hex>`; blank lines and `#` comments
//            are ignored.
//  te-csv    python-threatexchange CSV: header `signal_type,signal_str,collab,category,tags`,
//            RFC 4180 quoting. signal_type pdq, md5 (also video_md5, photo_md5), sha1, sha256;
//            collab -> source list, category -> classification threatexchange:<category>,
//            tags -> note.
//  vics      Project VIC VICS JSON (1.x "odata.metadata" / 2.0 "@odata.context"): a top-level
//            "value" array of media objects {MediaID, Category, MD5, SHA1, [SHA256]}, or of case
//            objects holding such media in "Media". Category -> classification projectvic:<n>,
//            MediaID -> source id. Streamed: memory is bounded by the largest single element.
//  hashlist  MD5/SHA-1 lists as NCMEC and IWF publish them: `hex` or `hex,<anything>` per line,
//            type by length (64 digits: sha256); header lines (a first field with letters that
//            are not hex digits, before any value) are skipped.
//
// Parsers never throw and never crash on hostile input; each bad record is reported with where
// it is ("line 57", "value[3].Media[0]") and why.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "bank/bank.hpp"
#include "bank/store.hpp"
#include "util/result.hpp"

namespace baove::bank {

enum class Format { plain, te_csv, vics, hashlist };

// "plain", "te-csv", "vics", "hashlist".
const char* to_string(Format format) noexcept;
std::optional<Format> parse_format(std::string_view name) noexcept;

struct ParseOptions {
  // plain and hashlist: the type of values written without one. Values of another length are
  // errors. Without it, plain infers md5/sha1 by length and refuses bare 64-digit values.
  std::optional<SignalType> type;
  // Given to entries whose record carries no classification of its own.
  Classification classification;
  // Given to every entry; a record's own list name or id replaces list / id.
  Source source;
  std::size_t max_line_bytes = 1 << 20;  // longer lines (CSV records, JSON elements) are errors
};

// A record that could not be read: where it is and why.
struct ParseIssue {
  std::string where;   // "line 57", "value[3]", "value[3].Media[1]"
  std::string reason;  // "md5 value must be 32 hex digits, got 31"
  std::string to_string() const { return where + ": " + reason; }
};

// Receives each entry read; an error stops parsing with that error.
using EntryFn = std::function<Status(const NewEntry& entry, const std::string& where)>;
// Receives each bad record; returning ok skips it and goes on, an error stops parsing with it.
using IssueFn = std::function<Status(const ParseIssue& issue)>;

// Reads `in` to the end in `format`. Fails with the first error of on_entry / on_invalid, or
// for damage that stops reading altogether (a JSON syntax error, an unterminated CSV quote, a
// missing CSV header, a read error), naming where.
Status parse_entries(Format format, std::istream& in, const ParseOptions& options, const EntryFn& on_entry,
                     const IssueFn& on_invalid);

struct ImportOptions {
  Format format = Format::plain;
  ParseOptions parse;
  // false (the default): any bad record makes the import fail and import nothing.
  // true: bad records are skipped (each reported to on_skipped) and the rest imported.
  bool skip_invalid = false;
  std::function<void(const ParseIssue&)> on_skipped;
};

struct ImportReport {
  std::int64_t added = 0;
  std::int64_t duplicates = 0;  // already in the bank (or twice in the input)
  std::int64_t skipped = 0;     // bad records skipped (skip_invalid only)
};

// Imports `in` into a bank in one transaction: after a failure nothing was imported. Errors
// name the first bad record ("line 57: bad hex character 'x' at position 3").
Result<ImportReport> import_entries(BankStore& store, std::int64_t bank_id, std::istream& in,
                                    const ImportOptions& options);

struct ExportOptions {
  bool include_disabled = false;
};

struct ExportReport {
  std::int64_t written = 0;
  std::int64_t skipped = 0;  // entries the format cannot hold (vics: pdq, sha256) or disabled ones
};

// Writes a bank's entries in `format`, in id order, so that import of the output into an
// empty bank gives back the same values, types, classifications and sources (as far as the
// format holds them).
Result<ExportReport> export_entries(BankStore& store, std::int64_t bank_id, Format format, std::ostream& out,
                                    const ExportOptions& options = {});

// A hash to look up, read from a line of `baove match --hashes`:
//   `<hex>` (32: md5, 40: sha1, 64: pdq and sha256 both), `<type> <hex>`, or the
//   `hash,quality,path` lines that `baove hash` prints (PDQ with its quality).
struct QueryLine {
  std::vector<std::pair<SignalType, std::string>> values;  // canonical; two for a bare 64-digit value
  std::optional<int> quality;                              // PDQ quality when the line gave one
  std::string label;                                       // the path when given, else the value
};

// Parses one query line. nullopt for a blank or `#` comment line; an error says what is wrong.
Result<std::optional<QueryLine>> parse_query_line(std::string_view line);

}  // namespace baove::bank
