// Import and export formats, through a real SQLite store.
#include <gtest/gtest.h>

#include <sstream>

#include "bank/formats.hpp"
#include "bank/tests/temp_dir.hpp"

namespace baove::bank {
namespace {

using testing::TempDir;

constexpr const char* kTeHeaderForTest = "signal_type,signal_str,collab,category,tags";

std::string hex_of(int i, std::size_t digits) {
  std::string s(digits, '0');
  for (std::size_t k = 0; k < digits && i > 0; ++k, i /= 16) s[digits - 1 - k] = "0123456789abcdef"[i % 16];
  // Spread values so that they are not all near each other.
  for (std::size_t k = 0; k + 1 < digits; k += 7)
    s[k] = "0123456789abcdef"[(static_cast<std::size_t>(i) + k) % 16];
  return s;
}

class FormatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_sqlite_store(dir_ / "f.db");
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  std::int64_t bank(const std::string& name) {
    auto b = store_->find_bank(name);
    if (b) return b->id;
    auto c = store_->create_bank({name, "", "", true});
    EXPECT_TRUE(c);
    return c->id;
  }
  Result<ImportReport> import(const std::string& name, const std::string& text, ImportOptions o) {
    std::istringstream in(text);
    return import_entries(*store_, bank(name), in, o);
  }
  std::vector<Entry> entries(const std::string& name) {
    std::vector<Entry> out;
    EXPECT_TRUE(store_->for_each_entry(bank(name), [&](const Entry& e) -> Status {
      out.push_back(e);
      return {};
    }));
    return out;
  }
  std::string exported(const std::string& name, Format f) {
    std::ostringstream out;
    auto r = export_entries(*store_, bank(name), f, out);
    EXPECT_TRUE(r);
    return out.str();
  }
  static ImportOptions opts(Format f) {
    ImportOptions o;
    o.format = f;
    return o;
  }

  TempDir dir_;
  std::unique_ptr<BankStore> store_;
};

TEST_F(FormatsTest, PlainInfersTypesAndIgnoresCommentsAndBlankLines) {
  const std::string md5 = hex_of(1, 32), sha1 = hex_of(2, 40), pdq = hex_of(3, 64), sha256 = hex_of(4, 64);
  const std::string text = "# a comment\n\n" + md5 + "\r\n  " + sha1 + "  \npdq " + pdq + "\nSHA256\t" +
                           sha256 + "\n" + "   # indented comment\n";
  auto o = opts(Format::plain);
  o.parse.classification = {"inhope", "baseline"};
  o.parse.source = {"hotline", "march", ""};
  auto r = import("b", text, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->added, 4);
  const auto es = entries("b");
  ASSERT_EQ(es.size(), 4u);
  EXPECT_EQ(es[0].type, SignalType::md5);
  EXPECT_EQ(es[0].value, md5);
  EXPECT_EQ(es[1].type, SignalType::sha1);
  EXPECT_EQ(es[2].type, SignalType::pdq);
  EXPECT_EQ(es[3].type, SignalType::sha256);
  for (const auto& e : es) {
    EXPECT_EQ(e.classification.to_string(), "inhope:baseline");
    EXPECT_EQ(e.source.contributor, "hotline");
    EXPECT_EQ(e.source.list, "march");
  }
}

TEST_F(FormatsTest, PlainBare64DigitValuesNeedAType) {
  const std::string v = hex_of(9, 64);
  auto r = import("b", "# x\n" + v + "\n", opts(Format::plain));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("--type"), std::string::npos) << r.error().message;
  auto o = opts(Format::plain);
  o.parse.type = SignalType::pdq;
  auto ok = import("b", v + "\n", o);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(entries("b").at(0).type, SignalType::pdq);
  // With a type given, a value of another length is an error.
  auto wrong = import("b", hex_of(1, 32) + "\n", o);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("pdq value must be 64 hex digits, got 32"), std::string::npos);
}

TEST_F(FormatsTest, ABadLineImportsNothingAndIsNamed) {
  std::string text;
  for (int i = 1; i <= 100; ++i) {
    text += (i == 57 ? hex_of(i, 32).substr(0, 31) + "x" : hex_of(i, 32)) + "\n";
  }
  auto r = import("atomic", text, opts(Format::plain));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("line 57"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("'x'"), std::string::npos) << r.error().message;
  EXPECT_EQ(store_->stats(bank("atomic"))->entries, 0);

  auto o = opts(Format::plain);
  o.skip_invalid = true;
  std::vector<ParseIssue> skipped;
  o.on_skipped = [&](const ParseIssue& i) { skipped.push_back(i); };
  auto s = import("atomic", text, o);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->added, 99);
  EXPECT_EQ(s->skipped, 1);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].where, "line 57");
  EXPECT_NE(skipped[0].reason.find("bad hex character"), std::string::npos);
  EXPECT_EQ(store_->stats(bank("atomic"))->entries, 99);
}

TEST_F(FormatsTest, BadInputIsReportedNotCrashed) {
  const struct {
    Format format;
    std::string text;
    std::string expect;  // in the error
  } cases[] = {
      {Format::plain, "md4 " + hex_of(1, 32) + "\n", "line 1: unknown signal type 'md4'"},
      {Format::plain, hex_of(1, 33) + "\n", "line 1: a value of 33 hex digits"},
      {Format::plain, "md5 " + hex_of(1, 32) + " extra\n", "line 1: expected"},
      {Format::plain, "\n\nmd5 " + hex_of(1, 30) + "\n", "line 3: md5 value must be 32 hex digits, got 30"},
      {Format::plain, std::string("md5 ") + hex_of(1, 31) + "\xff\n", "line 1: bad hex character byte 255"},
      {Format::te_csv, "a,b\npdq,1\n", "line 1: expected the header"},
      {Format::te_csv, "", "empty input"},
      {Format::te_csv, std::string(kTeHeaderForTest) + "\nfoo," + hex_of(1, 32) + ",,,\n",
       "line 2: unknown signal type 'foo'"},
      {Format::te_csv, std::string(kTeHeaderForTest) + "\npdq,\"abc,,,\n",
       "line 2: quoted field is never closed"},
      {Format::te_csv, std::string(kTeHeaderForTest) + "\npdq,\"" + hex_of(1, 64) + "\"x,,,\n",
       "line 2: unexpected character after a closing quote"},
      {Format::vics, "{\"value\": [", "JSON syntax error"},
      {Format::vics, "[1,2]", "top level must be a JSON object"},
      {Format::vics, "{\"odata.metadata\": \"x\"}", "no \"value\" array"},
      {Format::vics, "{\"value\": {}}", "\"value\" must be an array"},
      {Format::vics, "{\"value\": [{\"MD5\": \"" + hex_of(1, 32) + "\"}, 7]}", "value[1]: not a JSON object"},
      {Format::vics, "{\"value\": [{\"MD5\": \"" + hex_of(1, 31) + "\"}]}",
       "value[0]: MD5: md5 value must be 32"},
      {Format::vics, "{\"value\": [{\"MediaID\": 4}]}", "value[0]: no MD5, SHA1 or SHA256"},
      {Format::vics, "{\"value\": [{\"MD5\": 12}]}", "value[0]: MD5 must be a string"},
      {Format::vics, "{\"value\": [{\"Media\": [{\"SHA1\": \"zz\"}]}]}", "value[0].Media[0]: SHA1"},
      {Format::vics, "{\"value\": [{\"Category\": [1], \"MD5\": \"" + hex_of(1, 32) + "\"}]}",
       "Category must be a number or a string"},
      {Format::vics, std::string(200, '['), "top level must be a JSON object"},
      {Format::hashlist, "MD5\n" + hex_of(1, 32) + "\nnot-a-hash\n", "line 3: bad hex character 'n'"},
      {Format::hashlist, hex_of(1, 20) + "\n", "line 1: a value of 20 hex digits"},
  };
  for (const auto& c : cases) {
    auto r = import("bad", c.text, opts(c.format));
    ASSERT_FALSE(r) << to_string(c.format) << ": " << c.text;
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos)
        << to_string(c.format) << ": got '" << r.error().message << "', want '" << c.expect << "'";
    EXPECT_EQ(store_->stats(bank("bad"))->entries, 0);
  }
}

TEST_F(FormatsTest, DuplicatesAreCountedNotErrors) {
  const std::string a = hex_of(1, 32), b = hex_of(2, 32);
  auto r = import("d", a + "\n" + b + "\n" + a + "\n", opts(Format::plain));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->added, 2);
  EXPECT_EQ(r->duplicates, 1);
  auto again = import("d", a + "\n" + b + "\n", opts(Format::plain));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->added, 0);
  EXPECT_EQ(again->duplicates, 2);
}

TEST_F(FormatsTest, OverlongLinesAreBadRecords) {
  auto o = opts(Format::plain);
  o.parse.max_line_bytes = 100;
  const std::string text = hex_of(1, 32) + "\n" + std::string(5000, 'a') + "\n" + hex_of(2, 32) + "\n";
  auto r = import("long", text, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("line 2: longer than 100 bytes"), std::string::npos) << r.error().message;
  o.skip_invalid = true;
  auto s = import("long", text, o);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->added, 2);
  EXPECT_EQ(s->skipped, 1);
}

TEST_F(FormatsTest, ThreatExchangeCsvWithQuoting) {
  const std::string pdq = hex_of(5, 64), md5 = hex_of(6, 32);
  const std::string text =
      "signal_type,signal_str,collab,category,tags\r\n"
      "pdq," +
      pdq +
      ",\"Tech Coalition, shared\",\"known \"\"CSAM\"\"\",\"tag1 tag2\"\r\n"
      "video_md5,\"" +
      md5 + "\",collab-b,,\"multi\nline tag\"\r\n";
  auto r = import("te", text, opts(Format::te_csv));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->added, 2);
  auto es = entries("te");
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].type, SignalType::pdq);
  EXPECT_EQ(es[0].value, pdq);
  EXPECT_EQ(es[0].source.list, "Tech Coalition, shared");
  EXPECT_EQ(es[0].classification.scheme, "threatexchange");
  EXPECT_EQ(es[0].classification.label, "known \"CSAM\"");
  EXPECT_EQ(es[0].note, "tag1 tag2");
  EXPECT_EQ(es[1].type, SignalType::md5);
  EXPECT_EQ(es[1].note, "multi\nline tag");
  EXPECT_TRUE(es[1].classification.scheme.empty());

  // Columns in another order, extra columns ignored; lines named by where their record starts.
  const std::string reordered = "tags,signal_str,extra,signal_type\nx,\"" + hex_of(7, 32) +
                                "\",\"a\nb\",md5\nx," + hex_of(8, 31) + ",,md5\n";
  auto bad = import("te2", reordered, opts(Format::te_csv));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 4"), std::string::npos) << bad.error().message;
}

TEST_F(FormatsTest, VicsBothLayoutsWithCategories) {
  const std::string md5a = hex_of(11, 32), sha1a = hex_of(12, 40), md5b = hex_of(13, 32),
                    sha1c = hex_of(14, 40);
  // VICS 1.x: media objects straight in "value"; upper-case hex as Project VIC writes it.
  std::string upper_md5a = md5a;
  for (char& c : upper_md5a) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string v1 = R"({"odata.metadata": "http://example/$metadata#Media", "value": [
    {"MediaID": 1, "Category": 1, "MD5": ")" +
                         upper_md5a + R"(", "SHA1": ")" + sha1a + R"(", "IsDistributed": true,
     "Tags": {"nested": [1, 2, {"deep": null}]}},
    {"MediaID": "m-2", "Category": "3", "MD5": ")" +
                         md5b + R"(", "SHA1": null, "MediaSize": 2835}
  ], "odata.count": 2})";
  auto r = import("vics1", v1, opts(Format::vics));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->added, 3);
  auto es = entries("vics1");
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(es[0].type, SignalType::md5);
  EXPECT_EQ(es[0].value, md5a);
  EXPECT_EQ(es[0].classification.to_string(), "projectvic:1");
  EXPECT_EQ(es[0].source.id, "1");
  EXPECT_EQ(es[1].type, SignalType::sha1);
  EXPECT_EQ(es[1].source.id, "1");
  EXPECT_EQ(es[2].classification.to_string(), "projectvic:3");
  EXPECT_EQ(es[2].source.id, "m-2");

  // VICS 2.0: cases holding "Media"; a category-less media gets the default classification.
  const std::string v2 = R"({"@odata.context": "http://example/$metadata#Cases", "value": [
    {"CaseNumber": "C1", "Media": [{"MediaID": 7, "Category": 2, "SHA1": ")" +
                         sha1c + R"("},
                                   {"MediaID": 8, "MD5": ")" +
                         md5b + R"("}]}]})";
  auto o = opts(Format::vics);
  o.parse.classification = {"projectvic", "0"};
  auto r2 = import("vics2", v2, o);
  ASSERT_TRUE(r2) << r2.error().message;
  auto es2 = entries("vics2");
  ASSERT_EQ(es2.size(), 2u);
  EXPECT_EQ(es2[0].classification.to_string(), "projectvic:2");
  EXPECT_EQ(es2[0].source.id, "7");
  EXPECT_EQ(es2[1].classification.to_string(), "projectvic:0");

  // A bad media object among good ones: named by its path, the rest kept with --skip-invalid.
  const std::string mixed = R"({"value": [{"MD5": ")" + hex_of(20, 32) + R"("}, {"MD5": "xyz"}, {"SHA1": ")" +
                            hex_of(21, 40) + R"("}]})";
  auto strict = import("vics3", mixed, opts(Format::vics));
  ASSERT_FALSE(strict);
  EXPECT_NE(strict.error().message.find("value[1]"), std::string::npos) << strict.error().message;
  EXPECT_EQ(entries("vics3").size(), 0u);
  auto lenient = opts(Format::vics);
  lenient.skip_invalid = true;
  auto r3 = import("vics3", mixed, lenient);
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->added, 2);
  EXPECT_EQ(r3->skipped, 1);
}

TEST_F(FormatsTest, VicsDeepNestingIsRefused) {
  std::string deep = "{\"value\": [{\"MD5\": \"" + hex_of(1, 32) + "\", \"x\": ";
  for (int i = 0; i < 5000; ++i) deep += "[";
  for (int i = 0; i < 5000; ++i) deep += "]";
  deep += "}]}";
  auto r = import("deep", deep, opts(Format::vics));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("value[0]: nested deeper"), std::string::npos) << r.error().message;
}

TEST_F(FormatsTest, HashListsWithHeadersAndExtraColumns) {
  const std::string md5 = hex_of(30, 32), sha1 = hex_of(31, 40), sha256 = hex_of(32, 64);
  const std::string text =
      "\xEF\xBB\xBF"
      "MD5,Category,Date\n" +
      md5 + ",A1,2024-01-01\n\"" + sha1 + "\",B\n" + sha256 + "\n\n";
  auto r = import("ncmec", text, opts(Format::hashlist));
  ASSERT_TRUE(r) << r.error().message;
  auto es = entries("ncmec");
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(es[0].type, SignalType::md5);
  EXPECT_EQ(es[0].value, md5);
  EXPECT_EQ(es[1].type, SignalType::sha1);
  EXPECT_EQ(es[2].type, SignalType::sha256);
}

// Each format: import, export, import the export into an empty bank: the same entries.
TEST_F(FormatsTest, EveryFormatRoundTrips) {
  struct Case {
    Format format;
    std::vector<SignalType> types;
    Classification classification;
  };
  const Case cases[] = {
      {Format::plain, {SignalType::pdq, SignalType::md5, SignalType::sha1, SignalType::sha256}, {}},
      {Format::te_csv, {SignalType::pdq, SignalType::md5, SignalType::sha1}, {"threatexchange", "a, \"b\""}},
      {Format::vics, {SignalType::md5, SignalType::sha1}, {"projectvic", "2"}},
      {Format::hashlist, {SignalType::md5, SignalType::sha1, SignalType::sha256}, {}},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string src = std::string("src-") + to_string(c.format);
    const std::string dst = std::string("dst-") + to_string(c.format);
    for (int i = 0; i < 40; ++i) {
      NewEntry e;
      e.type = c.types[static_cast<std::size_t>(i) % c.types.size()];
      e.value = hex_of(++n * 7919, hex_length(e.type));
      e.classification = c.classification;
      if (c.format == Format::te_csv) {
        e.source.list = "collab, " + std::to_string(i % 3);
        e.note = i % 2 ? "tag \"q\"" : "";
      }
      if (c.format == Format::vics) e.source.id = std::to_string(1000 + i / 2);
      ASSERT_TRUE(store_->add_entry(bank(src), e));
    }
    const std::string text = exported(src, c.format);
    auto r = import(dst, text, opts(c.format));
    ASSERT_TRUE(r) << to_string(c.format) << ": " << r.error().message << "\n" << text;
    EXPECT_EQ(r->added, 40) << to_string(c.format);
    const auto a = entries(src), b = entries(dst);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].type, b[i].type) << to_string(c.format) << " #" << i;
      EXPECT_EQ(a[i].value, b[i].value) << to_string(c.format) << " #" << i;
      EXPECT_EQ(a[i].classification, b[i].classification) << to_string(c.format) << " #" << i;
      EXPECT_EQ(a[i].source.id, b[i].source.id) << to_string(c.format) << " #" << i;
      if (c.format == Format::te_csv) {
        EXPECT_EQ(a[i].source.list, b[i].source.list);
        EXPECT_EQ(a[i].note, b[i].note);
      }
    }
  }
}

TEST_F(FormatsTest, ExportLeavesOutWhatTheFormatCannotHoldAndDisabledEntries) {
  const auto id = bank("mixed");
  NewEntry p;
  p.type = SignalType::pdq;
  p.value = hex_of(1, 64);
  auto pdq = store_->add_entry(id, p);
  NewEntry m;
  m.type = SignalType::md5;
  m.value = hex_of(2, 32);
  ASSERT_TRUE(store_->add_entry(id, m));
  m.value = hex_of(3, 32);
  auto off = store_->add_entry(id, m);
  ASSERT_TRUE(pdq && off);
  ASSERT_TRUE(store_->set_entry_disabled(off->id, true));
  std::ostringstream vics;
  auto r = export_entries(*store_, id, Format::vics, vics);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->written, 1);
  EXPECT_EQ(r->skipped, 2);
  EXPECT_EQ(vics.str().find(hex_of(1, 64)), std::string::npos);
  std::ostringstream all;
  ExportOptions with_disabled;
  with_disabled.include_disabled = true;
  auto r2 = export_entries(*store_, id, Format::plain, all, with_disabled);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->written, 3);
}

TEST(QueryLine, Forms) {
  const std::string pdq = hex_of(1, 64);
  auto bare = parse_query_line(pdq);
  ASSERT_TRUE(bare && *bare);
  ASSERT_EQ((*bare)->values.size(), 2u);  // pdq and sha256 both
  EXPECT_EQ((*bare)->values[0].first, SignalType::pdq);
  EXPECT_EQ((*bare)->values[1].first, SignalType::sha256);
  EXPECT_FALSE((*bare)->quality);

  auto typed = parse_query_line("  sha1 " + hex_of(2, 40) + " ");
  ASSERT_TRUE(typed && *typed);
  ASSERT_EQ((*typed)->values.size(), 1u);
  EXPECT_EQ((*typed)->values[0].first, SignalType::sha1);

  auto hashed = parse_query_line(pdq + ",37,images/a b,c.jpg");
  ASSERT_TRUE(hashed && *hashed);
  EXPECT_EQ((*hashed)->quality, 37);
  EXPECT_EQ((*hashed)->label, "images/a b,c.jpg");

  auto comment = parse_query_line("# nothing");
  ASSERT_TRUE(comment);
  EXPECT_FALSE(*comment);
  EXPECT_FALSE(parse_query_line(pdq + ",101,x"));
  EXPECT_FALSE(parse_query_line("md5 " + hex_of(1, 31)));
  EXPECT_FALSE(parse_query_line("crc32 abcd"));
}

}  // namespace
}  // namespace baove::bank
