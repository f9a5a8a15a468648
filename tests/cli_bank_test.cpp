// End-to-end tests of `baove bank` and `baove match`: the real executable, a real database in
// a temporary directory, the PDQ test images.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_command.hpp"

namespace baove {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run_command;

const std::string kImages = std::string(BAOVE_SHARED_DIR) + "/pdq-vectors/images";
const std::string kBridge = kImages + "/reg-test-input/dih/bridge-1-original.jpg";

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

void spit(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Each test works in its own empty directory, where ./var/baove.db is the default database.
class CliBank : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "baove-cli-bank-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    ::unsetenv("BAOVE_DB");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  CommandResult baove(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), BAOVE_EXE);
    return run_command(args, stdin_text, dir_.string());
  }
  // Runs and expects success.
  std::string ok(std::vector<std::string> args, const std::string& stdin_text = "") {
    auto r = baove(args, stdin_text);
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
    return r.out;
  }
  // The PDQ hash of an image as `baove hash` prints it.
  std::string pdq_of(const std::string& image) {
    const std::string out = ok({"hash", image});
    return out.substr(0, out.find(','));
  }

  fs::path dir_;
};

TEST_F(CliBank, CreateListStatsAndErrors) {
  EXPECT_NE(ok({"bank", "create", "national", "--owner", "analysts", "--description", "confirmed"})
                .find("national"),
            std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "var").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(fs::exists(dir_ / "var" / "baove.db"));

  auto dup = baove({"bank", "create", "national"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_EQ(dup.err, "baove: a bank named 'national' already exists\n");

  ok({"bank", "create", "partner"});
  const auto table = lines(ok({"bank", "list"}));
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table[0].rfind("NAME", 0), 0u);
  EXPECT_EQ(table[1].rfind("national", 0), 0u);
  EXPECT_NE(table[1].find("analysts"), std::string::npos);

  auto list = nlohmann::json::parse(ok({"bank", "list", "--json"}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "national");
  EXPECT_EQ(list[0]["owner_unit"], "analysts");
  EXPECT_EQ(list[0]["enabled"], true);
  EXPECT_EQ(list[0]["entries"], 0);

  spit(dir_ / "h.txt", "d41d8cd98f00b204e9800998ecf8427e\nda39a3ee5e6b4b0d3255bfef95601890afd80709\n");
  ok({"bank", "import", "national", "h.txt", "--classification", "inhope:baseline", "--source", "hotline"});
  auto stats = nlohmann::json::parse(ok({"bank", "stats", "national", "--json"}));
  EXPECT_EQ(stats["entries"], 2);
  EXPECT_EQ(stats["by_signal_type"]["md5"], 1);
  EXPECT_EQ(stats["by_signal_type"]["sha1"], 1);
  EXPECT_EQ(stats["by_classification"]["inhope:baseline"], 2);
  EXPECT_NE(ok({"bank", "stats"}).find("entries: 2 (2 enabled, 0 disabled)"), std::string::npos);

  auto missing = baove({"bank", "stats", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "baove: no bank named 'nope'\n");
  auto bad_format = baove({"bank", "import", "national", "h.txt", "--format", "xml"});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_NE(bad_format.err.find("unknown format 'xml'"), std::string::npos);
}

TEST_F(CliBank, DatabaseFromFlagOrEnvironment) {
  ok({"bank", "create", "a", "--db", (dir_ / "flag.db").string()});
  EXPECT_TRUE(fs::exists(dir_ / "flag.db"));
  EXPECT_FALSE(fs::exists(dir_ / "var"));
  ::setenv("BAOVE_DB", (dir_ / "env.db").c_str(), 1);
  ok({"bank", "create", "b"});
  ::unsetenv("BAOVE_DB");
  EXPECT_TRUE(fs::exists(dir_ / "env.db"));
  EXPECT_NE(ok({"bank", "list", "--db", (dir_ / "env.db").string()}).find("b"), std::string::npos);
  auto r = baove({"bank", "list", "--db", (dir_ / "no" / "such" / "dir.db").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("baove: ", 0), 0u);
}

TEST_F(CliBank, ImportIsAtomicUnlessSkipInvalid) {
  ok({"bank", "create", "b"});
  std::string text = "# list\n";
  for (int i = 0; i < 10; ++i) text += std::string(31, "0123456789"[i]) + (i == 4 ? "g" : "a") + "\n";
  spit(dir_ / "list.txt", text);
  auto bad = baove({"bank", "import", "b", "list.txt"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("line 6"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("nothing imported"), std::string::npos) << bad.err;
  EXPECT_EQ(lines(bad.err).size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(ok({"bank", "stats", "b", "--json"}))["entries"], 0);

  auto skip = baove({"bank", "import", "b", "-", "--skip-invalid"}, text);
  EXPECT_EQ(skip.exit_code, 0) << skip.err;
  EXPECT_NE(skip.err.find("skipped line 6: bad hex character 'g'"), std::string::npos) << skip.err;
  EXPECT_NE(skip.out.find("imported 9 entries"), std::string::npos) << skip.out;
  auto again = baove({"bank", "import", "b", "list.txt", "--skip-invalid"});
  EXPECT_NE(again.out.find("imported 0 entries into b (9 duplicates skipped"), std::string::npos)
      << again.out;
  EXPECT_EQ(nlohmann::json::parse(ok({"bank", "stats", "b", "--json"}))["entries"], 9);
}

TEST_F(CliBank, ExportImportRoundTripInEveryFormat) {
  ok({"bank", "create", "src"});
  spit(
      dir_ / "te.csv",
      "signal_type,signal_str,collab,category,tags\n"
      "pdq,d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,\"coalition, a\",csam,\"t1 t2\"\n"
      "md5,d41d8cd98f00b204e9800998ecf8427e,coalition,csam,\n"
      "sha1,da39a3ee5e6b4b0d3255bfef95601890afd80709,coalition,\"cat \"\"x\"\"\",\n");
  ok({"bank", "import", "src", "te.csv", "--format", "te-csv"});
  for (const std::string format : {"plain", "te-csv", "vics", "hashlist"}) {
    const std::string dst = "dst-" + format;
    ok({"bank", "create", dst});
    const std::string file = "out." + format;
    ok({"bank", "export", "src", "--format", format, "-o", file});
    ok({"bank", "import", dst, file, "--format", format});
    // Exporting the copy gives the same text (bar the plain format's bank-name comment).
    std::string a = ok({"bank", "export", "src", "--format", format});
    std::string b = ok({"bank", "export", dst, "--format", format});
    if (format == "plain") {
      a = a.substr(a.find('\n'));
      b = b.substr(b.find('\n'));
    }
    EXPECT_EQ(a, b) << format;
    auto stats = nlohmann::json::parse(ok({"bank", "stats", dst, "--json"}));
    EXPECT_EQ(stats["entries"], format == "vics" || format == "hashlist" ? 2 : 3) << format;
  }
  // The ThreatExchange copy keeps collab, category and tags.
  const auto te = ok({"bank", "export", "dst-te-csv", "--format", "te-csv"});
  EXPECT_NE(te.find("\"coalition, a\",csam,t1 t2"), std::string::npos) << te;
  EXPECT_NE(te.find("\"cat \"\"x\"\"\""), std::string::npos) << te;
}

TEST_F(CliBank, MatchesTheTestImagesAgainstAnImportedHash) {
  ok({"bank", "create", "national"});
  const std::string hash = pdq_of(kBridge);
  ASSERT_EQ(hash.size(), 64u);
  spit(dir_ / "bridge.txt", "pdq " + hash + "\n");
  ok({"bank", "import", "national", "bridge.txt", "--classification", "inhope:baseline", "--source",
      "analysts", "--list", "case-17"});

  // Every modified version of the bridge matches.
  auto mods = baove({"match", kImages + "/bridge-mods"});
  ASSERT_EQ(mods.exit_code, 0) << mods.err;
  auto rows = lines(mods.out);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], "query,signal_type,entry_id,bank,distance,classification,source,low_quality");
  std::size_t n_mods = 0;
  for (const auto& e : fs::directory_iterator(kImages + "/bridge-mods"))
    n_mods += e.is_regular_file() ? 1 : 0;
  ASSERT_EQ(rows.size(), n_mods + 1);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto f = split(rows[i], ',');
    ASSERT_EQ(f.size(), 8u) << rows[i];
    EXPECT_EQ(f[1], "pdq");
    EXPECT_EQ(f[3], "national");
    EXPECT_LE(std::stoi(f[4]), 31);
    EXPECT_EQ(f[5], "inhope:baseline");
    EXPECT_EQ(f[6], "analysts/case-17/");
    EXPECT_EQ(f[7], "false");
  }
  EXPECT_NE(mods.err.find(std::to_string(n_mods) + " queries, " + std::to_string(n_mods) + " matched"),
            std::string::npos)
      << mods.err;

  // Rotated and flipped bridges match with --dihedral, each reporting the variant; an unrelated
  // image does not.
  const std::string dih = kImages + "/reg-test-input/dih";
  std::vector<std::string> args = {"match", "--dihedral", "--json"};
  std::vector<std::string> rotated;
  for (const auto& e : fs::directory_iterator(dih)) rotated.push_back(e.path().string());
  std::sort(rotated.begin(), rotated.end());
  args.insert(args.end(), rotated.begin(), rotated.end());
  args.push_back(kImages + "/misc-images/c.png");
  auto turned = baove(args);
  ASSERT_EQ(turned.exit_code, 0) << turned.err;
  const auto objs = lines(turned.out);
  ASSERT_EQ(objs.size(), rotated.size() + 1);
  for (std::size_t i = 0; i < rotated.size(); ++i) {
    auto j = nlohmann::json::parse(objs[i]);
    EXPECT_EQ(j["query"], rotated[i]);
    ASSERT_EQ(j["matches"].size(), 1u) << rotated[i];
    EXPECT_LE(j["matches"][0]["distance"].get<int>(), 31);
    EXPECT_TRUE(j["matches"][0].contains("variant"));
    EXPECT_EQ(j["matches"][0]["classification"]["label"], "baseline");
  }
  auto unrelated = nlohmann::json::parse(objs.back());
  EXPECT_TRUE(unrelated["matches"].empty()) << unrelated.dump();
  EXPECT_EQ(unrelated["quality"], 100);

  // Without --dihedral a quarter turn is a different picture.
  auto plain_turn = baove({"match", "--json", dih + "/bridge-2-rotate-90.jpg"});
  ASSERT_EQ(plain_turn.exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(plain_turn.out)["matches"].empty()) << plain_turn.out;

  // A false positive is disabled by its entry id, and matching stops at once.
  const auto id = nlohmann::json::parse(objs[0])["matches"][0]["entry_id"].get<std::int64_t>();
  ok({"bank", "disable-entry", std::to_string(id)});
  auto after = baove({"match", kBridge});
  EXPECT_EQ(lines(after.out).size(), 1u) << after.out;
  EXPECT_NE(after.err.find("1 queries, 0 matched"), std::string::npos);
  ok({"bank", "enable-entry", std::to_string(id)});
  EXPECT_EQ(lines(ok({"match", kBridge})).size(), 2u);
  // And a whole bank.
  ok({"bank", "disable", "national"});
  EXPECT_EQ(lines(ok({"match", kBridge})).size(), 1u);
  ok({"bank", "enable", "national"});
  EXPECT_EQ(lines(ok({"match", kBridge, "--bank", "national"})).size(), 2u);
}

TEST_F(CliBank, MatchesDigestsOfFiles) {
  ok({"bank", "create", "ncmec"});
  auto h = nlohmann::json::parse(ok({"hash", "--json", kBridge}));
  spit(dir_ / "list.csv", "MD5,Category\n" + h["md5"].get<std::string>() + ",A1\n");
  ok({"bank", "import", "ncmec", "list.csv", "--format", "hashlist"});
  auto r = baove({"match", kBridge, kImages + "/misc-images/c.png"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = lines(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(split(rows[1], ',')[1], "md5");
  EXPECT_EQ(split(rows[1], ',')[4], "0");
  EXPECT_NE(r.err.find("2 queries, 1 matched"), std::string::npos);
}

TEST_F(CliBank, HashFilesReportBadLinesAndFlagLowQuality) {
  ok({"bank", "create", "b"});
  const std::string hash = pdq_of(kBridge);
  ok({"bank", "import", "b", "-", "--type", "pdq"}, hash + "\n");
  const std::string queries = "# queries\n" + hash + "\n" + "pdq " + hash.substr(0, 60) + "\n" + hash +
                              ",12,low.jpg\n" + "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709\n";
  spit(dir_ / "q.txt", queries);
  auto r = baove({"match", "--hashes", "q.txt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("baove: line 3: pdq value must be 64 hex digits, got 60"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 queries, 2 matched"), std::string::npos) << r.err;
  const auto rows = lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(split(rows[1], ',')[0], hash);
  EXPECT_EQ(split(rows[1], ',')[7], "false");
  EXPECT_EQ(split(rows[2], ',')[0], "low.jpg");
  EXPECT_EQ(split(rows[2], ',')[7], "true");

  // The output of `baove hash` feeds `baove match --hashes -` directly.
  const std::string hashed = ok({"hash", kBridge, kImages + "/misc-images/c.png"});
  auto piped = baove({"match", "--json", "--hashes", "-"}, hashed);
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  const auto objs = lines(piped.out);
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(objs[0])["matches"].size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(objs[0])["line"], 1);
  EXPECT_TRUE(nlohmann::json::parse(objs[1])["matches"].empty());
}

TEST_F(CliBank, UsageErrors) {
  ok({"bank", "create", "b"});
  auto radius = baove({"match", "--radius", "65", kBridge});
  EXPECT_EQ(radius.exit_code, 2);
  EXPECT_EQ(radius.err, "baove: --radius must be between 0 and 64, got 65\n");
  auto both = baove({"match", "--hashes", "x", kBridge});
  EXPECT_EQ(both.exit_code, 2);
  auto none = baove({"match"});
  EXPECT_EQ(none.exit_code, 2);
  auto dih = baove({"match", "--dihedral", "--hashes", "-"}, "");
  EXPECT_EQ(dih.exit_code, 2);
  auto no_bank = baove({"match", "--bank", "nope", kBridge});
  EXPECT_EQ(no_bank.exit_code, 1);
  EXPECT_EQ(no_bank.err, "baove: no bank named 'nope'\n");
  auto missing_file = baove({"match", (dir_ / "missing.jpg").string()});
  EXPECT_EQ(missing_file.exit_code, 1);
  EXPECT_NE(missing_file.err.find("missing.jpg"), std::string::npos);
  auto no_entry = baove({"bank", "disable-entry", "12345"});
  EXPECT_EQ(no_entry.exit_code, 1);
  EXPECT_EQ(no_entry.err, "baove: no entry with id 12345\n");
}

}  // namespace
}  // namespace baove
