// Exports: CSV quoting, small-count suppression, and the XLSX package read back with a ZIP reader
// of the test's own (central directory, local headers, inflate, CRC-32).
#include <gtest/gtest.h>
#include <zlib.h>

#include <map>
#include <regex>

#include "hotline/export.hpp"
#include "test_env.hpp"

namespace baove::hotline {
namespace {

ExportRow row(std::string key, std::string parent, std::vector<std::int64_t> counts, bool additive = true) {
  return ExportRow{key, std::move(parent), key + " vi", key + " en", additive, std::move(counts)};
}

ExportTable one_column(std::vector<ExportRow> rows) {
  ExportTable t;
  t.columns = {"2024"};
  t.rows = std::move(rows);
  return t;
}

std::map<std::string, Mark> marks_by_key(const ExportTable& t, std::int64_t threshold = 5,
                                         std::size_t col = 0) {
  auto m = suppress(t, Suppression{threshold});
  EXPECT_TRUE(m.ok()) << m.error().message;
  std::map<std::string, Mark> out;
  if (!m.ok()) return out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) out[t.rows[r].key] = (*m)[r][col];
  return out;
}

// ---- a ZIP reader for the tests ----

std::uint32_t le32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(s.at(at + static_cast<std::size_t>(i)));
  return v;
}
std::uint16_t le16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s.at(at)) |
                                    (static_cast<unsigned char>(s.at(at + 1)) << 8));
}

// Every entry's name and inflated content; fails the test on any inconsistency.
std::map<std::string, std::string> unzip(std::string_view zip) {
  std::map<std::string, std::string> out;
  EXPECT_GE(zip.size(), 22u);
  if (zip.size() < 22) return out;
  const std::size_t end = zip.size() - 22;  // no archive comment
  EXPECT_EQ(le32(zip, end), 0x06054b50u);
  const std::uint16_t entries = le16(zip, end + 10);
  const std::uint32_t cd_size = le32(zip, end + 12);
  const std::uint32_t cd_offset = le32(zip, end + 16);
  EXPECT_EQ(cd_offset + cd_size, end);
  std::size_t p = cd_offset;
  for (std::uint16_t i = 0; i < entries; ++i) {
    EXPECT_EQ(le32(zip, p), 0x02014b50u);
    const std::uint16_t method = le16(zip, p + 10);
    const std::uint32_t crc = le32(zip, p + 16);
    const std::uint32_t csize = le32(zip, p + 20);
    const std::uint32_t usize = le32(zip, p + 24);
    const std::uint16_t name_len = le16(zip, p + 28);
    const std::size_t extra = le16(zip, p + 30) + std::size_t{le16(zip, p + 32)};
    const std::uint32_t local = le32(zip, p + 42);
    const std::string name(zip.substr(p + 46, name_len));
    p += 46 + name_len + extra;
    // The local header repeats what the directory says.
    EXPECT_EQ(le32(zip, local), 0x04034b50u) << name;
    EXPECT_EQ(le16(zip, local + 8), method) << name;
    EXPECT_EQ(le32(zip, local + 14), crc) << name;
    EXPECT_EQ(le32(zip, local + 18), csize) << name;
    EXPECT_EQ(le32(zip, local + 22), usize) << name;
    EXPECT_EQ(zip.substr(local + 30, le16(zip, local + 26)), name);
    const std::string_view body =
        zip.substr(local + 30 + le16(zip, local + 26) + le16(zip, local + 28), csize);
    std::string data;
    if (method == 0) {
      data = std::string(body);
    } else {
      EXPECT_EQ(method, 8) << name;
      data.assign(usize, '\0');
      z_stream zs{};
      EXPECT_EQ(inflateInit2(&zs, -15), Z_OK);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
      zs.avail_in = static_cast<uInt>(body.size());
      zs.next_out = reinterpret_cast<Bytef*>(data.data());
      zs.avail_out = static_cast<uInt>(data.size());
      EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END) << name;
      EXPECT_EQ(zs.total_out, usize) << name;
      inflateEnd(&zs);
    }
    EXPECT_EQ(data.size(), usize) << name;
    EXPECT_EQ(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())), crc)
        << name;
    out[name] = std::move(data);
  }
  return out;
}

// Whether every element opened is closed in order (declarations and self-closing tags aside).
bool balanced(std::string_view xml) {
  std::vector<std::string> open;
  std::size_t i = 0;
  while ((i = xml.find('<', i)) != std::string_view::npos) {
    const std::size_t close = xml.find('>', i);
    if (close == std::string_view::npos) return false;
    std::string_view tag = xml.substr(i + 1, close - i - 1);
    i = close + 1;
    if (tag.starts_with("?")) continue;
    if (tag.ends_with("/")) continue;
    const std::string name(tag.substr(tag.starts_with("/") ? 1 : 0,
                                      tag.find_first_of(" /", 1) - (tag.starts_with("/") ? 1 : 0)));
    if (tag.starts_with("/")) {
      if (open.empty() || open.back() != name) return false;
      open.pop_back();
    } else {
      open.push_back(name);
    }
  }
  return open.empty();
}

struct SheetCell {
  std::string value;
  bool number = false;
};
// Cells of sheet1.xml by reference ("E2").
std::map<std::string, SheetCell> cells_of(const std::string& sheet) {
  std::map<std::string, SheetCell> out;
  static const std::regex number(R"re(<c r="([A-Z]+[0-9]+)"(?: s="[0-9]+")?><v>([^<]*)</v></c>)re");
  static const std::regex text(
      R"re(<c r="([A-Z]+[0-9]+)"(?: s="[0-9]+")? t="inlineStr"><is><t xml:space="preserve">([^<]*)</t></is></c>)re");
  for (auto it = std::sregex_iterator(sheet.begin(), sheet.end(), number); it != std::sregex_iterator();
       ++it) {
    out[(*it)[1]] = {(*it)[2], true};
  }
  for (auto it = std::sregex_iterator(sheet.begin(), sheet.end(), text); it != std::sregex_iterator(); ++it) {
    std::string v = (*it)[2];
    for (const auto& [entity, ch] :
         std::map<std::string, std::string>{{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}}) {
      for (std::size_t p; (p = v.find(entity)) != std::string::npos;) v.replace(p, entity.size(), ch);
    }
    for (std::size_t p; (p = v.find("&amp;")) != std::string::npos;) v.replace(p, 5, "&");
    out[(*it)[1]] = {v, false};
  }
  return out;
}

// ---- CSV ----

TEST(Csv, Rfc4180QuotingWithByteOrderMark) {
  ExportTable t = one_column({row("a", "", {7}), row("b", "a", {7})});
  t.rows[0].label_vi = "Trẻ em bị bạo lực, bắt nạt";  // a comma
  t.rows[0].label_en = "say \"no\"";                  // quotes
  t.rows[1].label_vi = "two\nlines";
  t.rows[1].label_en = "=HYPERLINK(\"x\")";  // would run as a formula
  auto csv = to_csv(t);
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  EXPECT_EQ(*csv,
            "\xEF\xBB\xBF"
            "key,parent,label_vi,label_en,2024\r\n"
            "a,,\"Trẻ em bị bạo lực, bắt nạt\",\"say \"\"no\"\"\",7\r\n"
            "b,a,\"two\nlines\",\"'=HYPERLINK(\"\"x\"\")\",7\r\n");
  auto back = testing::parse_csv(std::string_view(*csv).substr(3));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1][2], t.rows[0].label_vi);
  EXPECT_EQ(back[1][3], t.rows[0].label_en);
  EXPECT_EQ(back[2][2], t.rows[1].label_vi);
}

TEST(Csv, RejectsInconsistentTables) {
  EXPECT_FALSE(to_csv(one_column({row("a", "", {1, 2})})).ok());
  EXPECT_FALSE(to_csv(one_column({row("a", "zz", {1})})).ok());
  EXPECT_FALSE(to_csv(one_column({row("a", "", {1}), row("a", "", {1})})).ok());
  EXPECT_FALSE(to_csv(one_column({row("a", "", {-1})})).ok());
  EXPECT_FALSE(suppress(one_column({row("a", "", {1})}), Suppression{1}).ok());
}

// ---- suppression ----

TEST(Suppression, SmallCountsAreHiddenAndZeroIsShown) {
  const ExportTable t = one_column(
      {row("a", "", {0}), row("b", "", {1}), row("c", "", {4}), row("d", "", {5}), row("e", "", {123})});
  auto m = marks_by_key(t);
  EXPECT_EQ(m["a"], Mark::shown);
  EXPECT_EQ(m["b"], Mark::small);
  EXPECT_EQ(m["c"], Mark::small);
  EXPECT_EQ(m["d"], Mark::shown);
  EXPECT_EQ(m["e"], Mark::shown);
  auto m3 = marks_by_key(t, 3);
  EXPECT_EQ(m3["c"], Mark::shown);
  EXPECT_EQ(m3["b"], Mark::small);
}

TEST(Suppression, AHiddenChildCannotBeWorkedOutFromItsParent) {
  // 20 = 3 + 10 + 7: the 3 would be 20 - 10 - 7, so the smallest other child is hidden too.
  const ExportTable t =
      one_column({row("p", "", {20}), row("a", "p", {3}), row("b", "p", {10}), row("c", "p", {7})});
  auto m = marks_by_key(t);
  EXPECT_EQ(m["p"], Mark::shown);
  EXPECT_EQ(m["a"], Mark::small);
  EXPECT_EQ(m["b"], Mark::shown);
  EXPECT_EQ(m["c"], Mark::complementary);
}

TEST(Suppression, TwoSmallChildrenThatPinEachOtherHideTheParent) {
  // 8 = 4 + 4 + 0: both hidden children would be 4; the parent is hidden, and then its own
  // parent's equation (30 = 8 + 22) would give the 8 back, so 22 goes too.
  const ExportTable t = one_column({row("g", "", {30}), row("p", "g", {8}), row("q", "g", {22}),
                                    row("a", "p", {4}), row("b", "p", {4}), row("z", "p", {0})});
  auto m = marks_by_key(t);
  EXPECT_EQ(m["a"], Mark::small);
  EXPECT_EQ(m["b"], Mark::small);
  EXPECT_EQ(m["z"], Mark::shown);
  EXPECT_EQ(m["p"], Mark::complementary);
  EXPECT_EQ(m["q"], Mark::complementary);
  EXPECT_EQ(m["g"], Mark::shown);
}

TEST(Suppression, OnlyEquationsThatHoldAndAdditiveRowsCount) {
  // 10 != 3 + 9 (contacts with several categories): the equation tells nothing exact.
  auto m = marks_by_key(one_column({row("p", "", {10}), row("a", "p", {3}), row("b", "p", {9})}));
  EXPECT_EQ(m["a"], Mark::small);
  EXPECT_EQ(m["b"], Mark::shown);
  // A non-additive row (notices under online_abuse) is not part of its parent's sum.
  m = marks_by_key(one_column(
      {row("p", "", {12}), row("a", "p", {6}), row("b", "p", {6}), row("n", "p", {2}, /*additive=*/false)}));
  EXPECT_EQ(m["n"], Mark::small);
  EXPECT_EQ(m["a"], Mark::shown);
  EXPECT_EQ(m["b"], Mark::shown);
  EXPECT_EQ(m["p"], Mark::shown);
}

TEST(Suppression, ThePublishedTableLeavesNoEquationWithOneHiddenCell) {
  const auto csv = testing::parse_csv(testing::read_shared_csv());
  ASSERT_GE(csv.size(), 2u);
  ExportTable t;
  t.columns.assign(csv[0].begin() + 4, csv[0].end());
  for (std::size_t r = 1; r < csv.size(); ++r) {
    ExportRow er{csv[r][0], csv[r][1], csv[r][2], csv[r][3], csv[r][0] != "channel_clip_notices", {}};
    for (std::size_t c = 4; c < csv[r].size(); ++c) er.counts.push_back(std::stoll(csv[r][c]));
    t.rows.push_back(std::move(er));
  }
  auto marks = suppress(t, Suppression{});
  ASSERT_TRUE(marks.ok()) << marks.error().message;
  std::size_t small = 0;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    for (std::size_t p = 0; p < t.rows.size(); ++p) {
      // The equation parent = sum of additive children, where the column satisfies it.
      std::vector<std::size_t> members = {p};
      std::int64_t sum = 0;
      for (std::size_t k = 0; k < t.rows.size(); ++k) {
        if (t.rows[k].parent == t.rows[p].key && t.rows[k].additive) {
          members.push_back(k);
          sum += t.rows[k].counts[c];
        }
      }
      if (members.size() == 1 || sum != t.rows[p].counts[c]) continue;
      std::size_t hidden = 0;
      for (std::size_t k : members) hidden += (*marks)[k][c] != Mark::shown;
      EXPECT_NE(hidden, 1u) << t.columns[c] << ": " << t.rows[p].key;
    }
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const std::int64_t v = t.rows[r].counts[c];
      EXPECT_EQ((*marks)[r][c] == Mark::small, v >= 1 && v < 5) << t.columns[c] << " " << t.rows[r].key;
      EXPECT_TRUE((*marks)[r][c] != Mark::complementary || v >= 5);
      small += (*marks)[r][c] == Mark::small;
    }
  }
  EXPECT_GT(small, 0u) << "the published table has small counts";
}

TEST(Suppression, PublicCsvShowsTheMarksAndTheRule) {
  const ExportTable t =
      one_column({row("p", "", {20}), row("a", "p", {3}), row("b", "p", {10}), row("c", "p", {7})});
  auto csv = to_csv(t, ExportOptions{Suppression{}});
  ASSERT_TRUE(csv.ok());
  auto lines = testing::parse_csv(std::string_view(*csv).substr(3));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[1][4], "20");
  EXPECT_EQ(lines[2][4], "<5");
  EXPECT_EQ(lines[3][4], "10");
  EXPECT_EQ(lines[4][4], "x");
  EXPECT_EQ(lines[5][0], "note");
  EXPECT_NE(lines[5][2].find("\"<5\""), std::string::npos) << lines[5][2];
  EXPECT_NE(lines[5][3].find("from 1 to 4"), std::string::npos) << lines[5][3];
  // Without suppression (internal exports) the counts stay and there is no note.
  auto internal = testing::parse_csv(std::string_view(*to_csv(t)).substr(3));
  EXPECT_EQ(internal.size(), 5u);
  EXPECT_EQ(internal[2][4], "3");
}

TEST(Suppression, BreakdownsOfAPartitionGetATotal) {
  const std::vector<CountRow> rows = {
      {"2023", "ha_noi", "Hà Nội", "Hanoi", 40},
      {"2023", "hue", "Huế", "Hue", 2},
      {"2023", "unknown", "Không rõ", "Not known", 9},
      {"2024", "ha_noi", "Hà Nội", "Hanoi", 50},
      {"2024", "hue", "Huế", "Hue", 0},
      {"2024", "unknown", "Không rõ", "Not known", 1},
  };
  auto t = breakdown_export(Dimension::province, rows);
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->rows.size(), 4u);
  EXPECT_EQ(t->columns, (std::vector<std::string>{"2023", "2024"}));
  EXPECT_EQ(t->rows[0].key, "total");
  EXPECT_EQ(t->rows[0].counts, (std::vector<std::int64_t>{51, 51}));
  EXPECT_EQ(t->rows[2].parent, "total");
  auto m = suppress(*t, Suppression{});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[2][0], Mark::small);          // hue 2023
  EXPECT_EQ((*m)[3][0], Mark::complementary);  // unknown 2023: the smallest other child
  EXPECT_EQ((*m)[1][0], Mark::shown);
  EXPECT_EQ((*m)[3][1], Mark::small);          // unknown 2024
  EXPECT_EQ((*m)[1][1], Mark::complementary);  // ha_noi 2024 (hue is 0)
  // Categories overlap: no total, no equation.
  auto c = breakdown_export(Dimension::category, rows);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rows.size(), 3u);
  EXPECT_EQ(c->rows[0].parent, "");
}

// ---- XLSX ----

TEST(Xlsx, AValidPackageWithNumbersAsNumbers) {
  ExportTable t;
  t.columns = {"2020", "2023_jan_aug"};
  t.rows = {row("total_calls", "", {687750, 219095}), row("oc_x", "total_calls", {3, 0})};
  t.rows[0].label_vi = "Tổng cuộc gọi đến";
  t.rows[1].label_en = "Children's images & <dignity>";
  auto bytes = to_xlsx(t);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  ASSERT_TRUE(bytes->starts_with("PK\x03\x04"));
  auto files = unzip(*bytes);
  for (const char* part : {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                           "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"}) {
    ASSERT_EQ(files.count(part), 1u) << part;
    EXPECT_TRUE(files[part].starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"")) << part;
    EXPECT_TRUE(balanced(files[part])) << part;
  }
  EXPECT_NE(files["[Content_Types].xml"].find("/xl/worksheets/sheet1.xml"), std::string::npos);
  EXPECT_NE(files["xl/workbook.xml"].find("name=\"Statistics\""), std::string::npos);
  EXPECT_NE(files["_rels/.rels"].find("Target=\"xl/workbook.xml\""), std::string::npos);

  auto cells = cells_of(files["xl/worksheets/sheet1.xml"]);
  EXPECT_EQ(cells["A1"].value, "key");
  EXPECT_EQ(cells["F1"].value, "2023_jan_aug");
  EXPECT_EQ(cells["A2"].value, "total_calls");
  EXPECT_EQ(cells["C2"].value, "Tổng cuộc gọi đến");
  EXPECT_TRUE(cells["E2"].number);
  EXPECT_EQ(cells["E2"].value, "687750");
  EXPECT_EQ(cells["F2"].value, "219095");
  EXPECT_EQ(cells["B3"].value, "total_calls");
  EXPECT_EQ(cells["D3"].value, "Children's images & <dignity>");
  EXPECT_TRUE(cells["F3"].number);
  EXPECT_EQ(cells["F3"].value, "0");
  EXPECT_EQ(cells.count("B2"), 0u) << "empty cells are left out";

  // Public: the small count becomes text, the rule a last row.
  auto pub = to_xlsx(t, ExportOptions{Suppression{}});
  ASSERT_TRUE(pub.ok());
  auto pcells = cells_of(unzip(*pub)["xl/worksheets/sheet1.xml"]);
  EXPECT_FALSE(pcells["E3"].number);
  EXPECT_EQ(pcells["E3"].value, "<5");
  EXPECT_TRUE(pcells["E2"].number);
  EXPECT_EQ(pcells["A4"].value, "note");
  EXPECT_NE(pcells["D4"].value.find("\"<5\""), std::string::npos);

  // Columns past Z are AA, AB, ...: 4 + 27 columns end at AE.
  ExportTable wide;
  for (int i = 0; i < 27; ++i) wide.columns.push_back("p" + std::to_string(i));
  wide.rows = {row("k", "", std::vector<std::int64_t>(27, 9))};
  auto wide_cells = cells_of(unzip(*to_xlsx(wide))["xl/worksheets/sheet1.xml"]);
  EXPECT_EQ(wide_cells["Z1"].value, "p21");
  EXPECT_EQ(wide_cells["AE1"].value, "p26");
  EXPECT_EQ(wide_cells["AE2"].value, "9");

  // Equal input, equal bytes (fixed timestamps).
  EXPECT_EQ(*to_xlsx(t), *bytes);
  t.sheet_name = "a/b";
  EXPECT_EQ(to_xlsx(t).error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace baove::hotline
