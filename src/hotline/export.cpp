// Statistics exports: the ministry's layout, small-count suppression, CSV and XLSX.
#include "hotline/export.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "hotline/zip.hpp"
#include "util/markup.hpp"

namespace baove::hotline {
namespace {

constexpr std::int64_t kMaxThreshold = 1000000;
// "Unbounded" in the interval reasoning: far above any count, far below overflow when summed.
constexpr std::int64_t kInf = std::int64_t{1} << 50;

Error invalid(const std::string& message) { return make_error(ErrorCode::invalid_argument, message); }

Status check_table(const ExportTable& t) {
  std::set<std::string> keys;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const ExportRow& r = t.rows[i];
    const std::string where = "row " + std::to_string(i + 1);
    if (r.key.empty()) return invalid(where + ": empty key");
    if (!r.parent.empty() && keys.count(r.parent) == 0)
      return invalid(where + ": parent is not an earlier row");
    if (!keys.insert(r.key).second) return invalid(where + ": duplicate key");
    if (r.counts.size() != t.columns.size()) return invalid(where + ": counts do not match the columns");
    for (std::int64_t n : r.counts) {
      if (n < 0) return invalid(where + ": negative count");
    }
  }
  return {};
}

struct Interval {
  std::int64_t lo;
  std::int64_t hi;
};

std::int64_t clamp_add(std::int64_t a, std::int64_t b) { return std::clamp(a + b, -kInf, kInf); }

// One equation: parent = sum of children (row indices).
struct Group {
  std::size_t parent;
  std::vector<std::size_t> children;
};

std::vector<Group> groups_of(const ExportTable& t) {
  std::vector<Group> out;
  for (std::size_t p = 0; p < t.rows.size(); ++p) {
    Group g{p, {}};
    for (std::size_t c = p + 1; c < t.rows.size(); ++c) {
      if (t.rows[c].parent == t.rows[p].key && t.rows[c].additive) g.children.push_back(c);
    }
    if (!g.children.empty()) out.push_back(std::move(g));
  }
  return out;
}

// The bound `group` puts on its member `m` given the others' intervals.
Interval implied(const Group& g, std::size_t m, const std::vector<Interval>& iv) {
  if (m == g.parent) {
    std::int64_t lo = 0, hi = 0;
    for (std::size_t c : g.children) {
      lo = clamp_add(lo, iv[c].lo);
      hi = clamp_add(hi, iv[c].hi);
    }
    return {lo, hi};
  }
  std::int64_t others_lo = 0, others_hi = 0;
  for (std::size_t c : g.children) {
    if (c == m) continue;
    others_lo = clamp_add(others_lo, iv[c].lo);
    others_hi = clamp_add(others_hi, iv[c].hi);
  }
  return {clamp_add(iv[g.parent].lo, -others_hi), clamp_add(iv[g.parent].hi, -others_lo)};
}

bool member(const Group& g, std::size_t r) {
  return g.parent == r || std::find(g.children.begin(), g.children.end(), r) != g.children.end();
}

// Marks for one column.
std::vector<Mark> suppress_column(const ExportTable& t, std::size_t col, std::int64_t threshold,
                                  const std::vector<Group>& all_groups) {
  const std::size_t n = t.rows.size();
  auto value = [&](std::size_t r) { return t.rows[r].counts[col]; };
  std::vector<Mark> marks(n, Mark::shown);
  for (std::size_t r = 0; r < n; ++r) {
    if (value(r) >= 1 && value(r) < threshold) marks[r] = Mark::small;
  }
  // Only equations the column's counts satisfy: one that does not hold (a contact with several
  // categories) tells an attacker nothing exact.
  std::vector<Group> groups;
  for (const Group& g : all_groups) {
    std::int64_t sum = 0;
    for (std::size_t c : g.children) sum += value(c);
    if (sum == value(g.parent)) groups.push_back(g);
  }
  std::vector<bool> given_up(n, false);
  for (std::size_t round = 0; round <= 2 * n; ++round) {
    std::vector<Interval> iv(n);
    for (std::size_t r = 0; r < n; ++r) {
      switch (marks[r]) {
        case Mark::shown:
          iv[r] = {value(r), value(r)};
          break;
        case Mark::small:
          iv[r] = {1, threshold - 1};
          break;
        case Mark::complementary:
          iv[r] = {threshold, kInf};
          break;
      }
    }
    for (int pass = 0; pass < 64; ++pass) {
      bool changed = false;
      for (const Group& g : groups) {
        for (std::size_t m : g.children) {
          const Interval b = implied(g, m, iv);
          const Interval next{std::max(iv[m].lo, b.lo), std::min(iv[m].hi, b.hi)};
          if (next.lo != iv[m].lo || next.hi != iv[m].hi) changed = true;
          iv[m] = next;
        }
        const Interval b = implied(g, g.parent, iv);
        const Interval next{std::max(iv[g.parent].lo, b.lo), std::min(iv[g.parent].hi, b.hi)};
        if (next.lo != iv[g.parent].lo || next.hi != iv[g.parent].hi) changed = true;
        iv[g.parent] = next;
      }
      if (!changed) break;
    }
    // A small count pinned to one value?
    std::size_t pinned = n;
    for (std::size_t r = 0; r < n; ++r) {
      if (marks[r] == Mark::small && !given_up[r] && iv[r].lo >= iv[r].hi) {
        pinned = r;
        break;
      }
    }
    if (pinned == n) break;
    // The equations that pin it by themselves; hide one more of their cells, or go up from there.
    std::vector<const Group*> culprits;
    for (const Group& g : groups) {
      if (!member(g, pinned)) continue;
      const Interval b = implied(g, pinned, iv);
      if (std::max(b.lo, iv[pinned].lo) >= std::min(b.hi, iv[pinned].hi)) culprits.push_back(&g);
    }
    if (culprits.empty()) {
      for (const Group& g : groups) {
        if (member(g, pinned)) culprits.push_back(&g);
      }
    }
    std::size_t hide = n;
    for (std::size_t k = 0; k < culprits.size() && hide == n; ++k) {
      const Group* g = culprits[k];
      for (std::size_t depth = 0; g != nullptr && depth <= n && hide == n; ++depth) {
        std::int64_t best = kInf;
        for (std::size_t c : g->children) {
          if (c != pinned && marks[c] == Mark::shown && value(c) > 0 && value(c) < best) {
            best = value(c);
            hide = c;
          }
        }
        if (hide == n && g->parent != pinned && marks[g->parent] == Mark::shown && value(g->parent) > 0) {
          hide = g->parent;
        }
        if (hide != n) break;
        // Up: the equation in which this group's parent is a child.
        const Group* up = nullptr;
        for (const Group& h : groups) {
          if (h.parent != g->parent && member(h, g->parent)) up = &h;
        }
        g = up;
      }
    }
    if (hide == n) {
      given_up[pinned] = true;  // nothing left to hide around it (cannot happen with consistent counts)
    } else {
      marks[hide] = Mark::complementary;
    }
  }
  return marks;
}

std::string note_vi(std::int64_t t) {
  return "Ghi chú: số từ 1 đến " + std::to_string(t - 1) + " được ghi \"<" + std::to_string(t) +
         "\"; ô ghi \"x\" được ẩn thêm để không thể suy ra các số nhỏ từ tổng.";
}
std::string note_en(std::int64_t t) {
  return "Note: counts from 1 to " + std::to_string(t - 1) + " are shown as \"<" + std::to_string(t) +
         "\"; cells marked \"x\" are also hidden so that small counts cannot be worked out from totals.";
}

// The text of every cell, row by row, header first; numbers flagged.
struct Cell {
  std::string text;
  bool number = false;
};
Result<std::vector<std::vector<Cell>>> cells_of(const ExportTable& t, const ExportOptions& o) {
  BAOVE_TRY(check_table(t));
  std::vector<std::vector<Mark>> marks;
  if (o.suppression) {
    auto m = suppress(t, *o.suppression);
    if (!m.ok()) return m.error();
    marks = std::move(*m);
  }
  std::vector<std::vector<Cell>> out;
  std::vector<Cell> header = {{"key"}, {"parent"}, {"label_vi"}, {"label_en"}};
  for (const std::string& c : t.columns) header.push_back({c});
  out.push_back(std::move(header));
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const ExportRow& row = t.rows[r];
    std::vector<Cell> line = {{row.key}, {row.parent}, {row.label_vi}, {row.label_en}};
    for (std::size_t c = 0; c < row.counts.size(); ++c) {
      const Mark m = marks.empty() ? Mark::shown : marks[r][c];
      if (m == Mark::small) {
        line.push_back({"<" + std::to_string(o.suppression->threshold)});
      } else if (m == Mark::complementary) {
        line.push_back({"x"});
      } else {
        line.push_back({std::to_string(row.counts[c]), true});
      }
    }
    out.push_back(std::move(line));
  }
  if (o.suppression) {
    std::vector<Cell> note = {
        {"note"}, {""}, {note_vi(o.suppression->threshold)}, {note_en(o.suppression->threshold)}};
    for (std::size_t c = 0; c < t.columns.size(); ++c) note.push_back({""});
    out.push_back(std::move(note));
  }
  return out;
}

// Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection).
std::string defuse(const std::string& s) {
  if (!s.empty() &&
      (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
    return "'" + s;
  }
  return s;
}

std::string csv_field(const Cell& c) {
  const std::string s = c.number ? c.text : defuse(c.text);
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

std::string column_name(std::size_t index) {
  std::string s;
  for (std::size_t n = index + 1; n > 0; n = (n - 1) / 26)
    s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
  return s;
}

bool valid_sheet_name(std::string_view s) {
  if (s.empty() || s.size() > 31 || s.front() == '\'' || s.back() == '\'') return false;
  return s.find_first_of("[]:*?/\\") == std::string_view::npos;
}

constexpr std::string_view kXmlHead = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

constexpr std::string_view kContentTypes =
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    "<Override PartName=\"/xl/worksheets/sheet1.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
    "<Override PartName=\"/xl/styles.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
    "</Types>";

constexpr std::string_view kRootRels =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"xl/workbook.xml\"/>"
    "</Relationships>";

constexpr std::string_view kWorkbookRels =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
    "Target=\"styles.xml\"/>"
    "</Relationships>";

// Style 0: normal; 1: bold (the header row).
constexpr std::string_view kStyles =
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>"
    "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
    "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
    "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
    "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>"
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
    "</styleSheet>";

}  // namespace

Result<ExportTable> table_export(std::span<const Table> tables, std::span<const std::string> titles) {
  if (tables.empty()) return invalid("export: no tables");
  if (tables.size() != titles.size()) return invalid("export: one title per table");
  ExportTable out;
  out.columns.assign(titles.begin(), titles.end());
  for (std::size_t r = 0; r < tables[0].rows.size(); ++r) {
    const TableRow& first = tables[0].rows[r];
    ExportRow row{std::string(first.key),
                  std::string(first.parent),
                  std::string(first.label_vi),
                  std::string(first.label_en),
                  first.additive,
                  {}};
    for (const Table& t : tables) {
      if (t.rows.size() != tables[0].rows.size() || t.rows[r].key != first.key) {
        return invalid("export: the tables have different rows");
      }
      row.counts.push_back(t.rows[r].count);
    }
    out.rows.push_back(std::move(row));
  }
  BAOVE_TRY(check_table(out));
  return out;
}

Result<ExportTable> breakdown_export(Dimension dimension, std::span<const CountRow> rows) {
  ExportTable out;
  out.sheet_name = to_string(dimension);
  std::vector<std::string> periods;
  std::vector<std::string> keys;
  std::map<std::string, std::size_t> period_index, key_index;
  for (const CountRow& r : rows) {
    if (period_index.emplace(r.period, periods.size()).second) periods.push_back(r.period);
    if (key_index.emplace(r.key, keys.size()).second) {
      keys.push_back(r.key);
      out.rows.push_back({r.key, "", r.label_vi, r.label_en, true, {}});
    }
  }
  for (const std::string& p : periods) out.columns.push_back(p.empty() ? "count" : p);
  for (ExportRow& row : out.rows) row.counts.assign(periods.size(), 0);
  for (const CountRow& r : rows) {
    if (r.count < 0) return invalid("export: negative count");
    out.rows[key_index[r.key]].counts[period_index[r.period]] += r.count;
  }
  if (is_partition(dimension)) {
    if (key_index.count("total") != 0) return invalid("export: a breakdown key named total");
    ExportRow total{"total", "", "Tổng", "Total", true, std::vector<std::int64_t>(periods.size(), 0)};
    for (ExportRow& row : out.rows) {
      row.parent = "total";
      for (std::size_t c = 0; c < periods.size(); ++c) total.counts[c] += row.counts[c];
    }
    out.rows.insert(out.rows.begin(), std::move(total));
  }
  BAOVE_TRY(check_table(out));
  return out;
}

Result<std::vector<std::vector<Mark>>> suppress(const ExportTable& table, const Suppression& suppression) {
  if (suppression.threshold < 2 || suppression.threshold > kMaxThreshold) {
    return invalid("suppression: threshold outside 2..1000000");
  }
  BAOVE_TRY(check_table(table));
  const std::vector<Group> groups = groups_of(table);
  std::vector<std::vector<Mark>> out(table.rows.size(), std::vector<Mark>(table.columns.size(), Mark::shown));
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    const std::vector<Mark> col = suppress_column(table, c, suppression.threshold, groups);
    for (std::size_t r = 0; r < table.rows.size(); ++r) out[r][c] = col[r];
  }
  return out;
}

Result<std::string> to_csv(const ExportTable& table, const ExportOptions& options) {
  auto cells = cells_of(table, options);
  if (!cells.ok()) return cells.error();
  std::string out = "\xEF\xBB\xBF";  // UTF-8 byte-order mark: Excel then reads UTF-8
  for (const auto& line : *cells) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i > 0) out += ',';
      out += csv_field(line[i]);
    }
    out += "\r\n";
  }
  return out;
}

Result<std::string> to_xlsx(const ExportTable& table, const ExportOptions& options) {
  if (!valid_sheet_name(table.sheet_name)) return invalid("export: bad sheet name");
  auto cells = cells_of(table, options);
  if (!cells.ok()) return cells.error();
  std::string sheet(kXmlHead);
  sheet += "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
  for (std::size_t r = 0; r < cells->size(); ++r) {
    const std::string row_number = std::to_string(r + 1);
    sheet += "<row r=\"" + row_number + "\">";
    const auto& line = (*cells)[r];
    for (std::size_t c = 0; c < line.size(); ++c) {
      if (line[c].text.empty()) continue;
      const std::string ref = column_name(c) + row_number;
      const std::string style = r == 0 ? " s=\"1\"" : "";
      if (line[c].number) {
        sheet += "<c r=\"" + ref + "\"" + style + "><v>" + line[c].text + "</v></c>";
      } else {
        sheet += "<c r=\"" + ref + "\"" + style + " t=\"inlineStr\"><is><t xml:space=\"preserve\">" +
                 escape_markup(line[c].text) + "</t></is></c>";
      }
    }
    sheet += "</row>";
  }
  sheet += "</sheetData></worksheet>";
  const std::string workbook =
      std::string(kXmlHead) +
      "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
      "<sheets><sheet name=\"" +
      escape_markup(table.sheet_name) + "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
  const std::string content_types = std::string(kXmlHead) + std::string(kContentTypes);
  const std::string root_rels = std::string(kXmlHead) + std::string(kRootRels);
  const std::string workbook_rels = std::string(kXmlHead) + std::string(kWorkbookRels);
  const std::string styles = std::string(kXmlHead) + std::string(kStyles);
  const zip::Entry entries[] = {
      {"[Content_Types].xml", content_types, true},
      {"_rels/.rels", root_rels, true},
      {"xl/workbook.xml", workbook, true},
      {"xl/_rels/workbook.xml.rels", workbook_rels, true},
      {"xl/styles.xml", styles, true},
      {"xl/worksheets/sheet1.xml", sheet, true},
  };
  return zip::write(entries);
}

}  // namespace baove::hotline
