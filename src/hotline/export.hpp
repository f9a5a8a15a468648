// Exports of the statistics: CSV (UTF-8 with a byte-order mark so Excel reads the Vietnamese,
// RFC 4180 quoting, CRLF) and XLSX (a minimal Office Open XML workbook with one sheet, counts as
// numbers), both in the ministry's layout: key, parent, label_vi, label_en, then one column per
// period.
//
// Small-count suppression for public exports (ExportOptions::suppression set; docs/STATISTICS.md):
//   primary        a count from 1 to threshold - 1 is shown as "<threshold" (default "<5");
//                  0 is shown as 0 (it hides no one) and larger counts as themselves.
//   complementary  within a column, rows that add up to their parent (TableRow::additive, or the
//                  total of a breakdown that is a partition) form an equation parent = sum of
//                  children. Knowing that a "<5" cell is 1..4 and an "x" cell is >= threshold, and
//                  the shown cells exactly, an attacker narrows every hidden cell by interval
//                  reasoning over all equations of the column (repeated until nothing changes).
//                  While some hidden cell is thereby pinned to one value, one more cell of an
//                  equation holding it is hidden as "x": the smallest shown non-zero child (ties:
//                  the first in row order), else the parent if shown and non-zero, else the same
//                  search in the parent's own equation.
//   note           a last row states the rule in Vietnamese and English.
// Rows without a parent and counts of a non-additive row (channel_clip_notices) are in no equation
// and get primary suppression only.
//
// Errors: invalid_argument for inconsistent input (column counts, unknown parent keys, a
// threshold below 2 or above 1000000). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hotline/stats.hpp"
#include "util/result.hpp"

namespace baove::hotline {

struct ExportRow {
  std::string key;
  std::string parent;  // "" for none; otherwise the key of an earlier row
  std::string label_vi;
  std::string label_en;
  bool additive = true;              // adds up into the parent (see above)
  std::vector<std::int64_t> counts;  // one per column, >= 0
};

struct ExportTable {
  std::string sheet_name = "Statistics";  // XLSX sheet name (1..31 characters, none of []:*?/\)
  std::vector<std::string> columns;       // period titles, e.g. "2020", "2023_jan_aug"
  std::vector<ExportRow> rows;
};

// The ministry's layout from tables of the same rows, one column per table.
Result<ExportTable> table_export(std::span<const Table> tables, std::span<const std::string> titles);

// A breakdown with its periods as columns (in order of first appearance) and its keys as rows;
// for a partition (is_partition()) a first row "total" (Tổng / Total) that the others add up to.
Result<ExportTable> breakdown_export(Dimension dimension, std::span<const CountRow> rows);

struct Suppression {
  std::int64_t threshold = 5;
};

enum class Mark {
  shown,          // the count itself
  small,          // primary: "<threshold"
  complementary,  // "x"
};

// The mark of every cell, [row][column], under the rules above.
Result<std::vector<std::vector<Mark>>> suppress(const ExportTable& table, const Suppression& suppression);

struct ExportOptions {
  std::optional<Suppression> suppression;  // set for public exports
};

// The CSV file's bytes.
Result<std::string> to_csv(const ExportTable& table, const ExportOptions& options = {});
// The XLSX file's bytes.
Result<std::string> to_xlsx(const ExportTable& table, const ExportOptions& options = {});

}  // namespace baove::hotline
