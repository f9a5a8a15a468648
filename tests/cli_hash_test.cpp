// End-to-end tests of `baove hash`: the real executable, real files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_command.hpp"

namespace baove {
namespace {

namespace fs = std::filesystem;
using testing::run_command;

const std::string kVectors = std::string(BAOVE_SHARED_DIR) + "/pdq-vectors";
const std::string kImages = kVectors + "/images";

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("baove_cli_hash_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(CliHash, PrintsTheReferenceLinesForEveryVectorInInputOrder) {
  // Paths relative to the images folder, in the order of the reference's file, on 2 threads.
  std::vector<std::string> argv = {BAOVE_EXE, "hash", "--threads", "2"};
  std::string expected = slurp(kVectors + "/expected.csv");
  for (const auto& l : lines(expected)) argv.push_back(l.substr(l.rfind(',') + 1));
  auto r = run_command(argv, "", kImages);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected);
}

TEST(CliHash, DihedralPrintsTheEightVariantsLikeTheReference) {
  auto r =
      run_command({BAOVE_EXE, "hash", "--dihedral", "reg-test-input/dih/bridge-1-original.jpg"}, "", kImages);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(kVectors + "/expected-dihedral-bridge-1.txt"));
}

TEST(CliHash, JsonCarriesDigestsSizeAndFormat) {
  auto r = run_command({BAOVE_EXE, "hash", "--json", kImages + "/misc-images/c.png"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["pdq"], "e4cc89d91c623842f8d1f1d9a398e78c9f199a3bf87925f2b7e11e0bf061b064");
  EXPECT_EQ(j["quality"], 100);
  EXPECT_EQ(j["width"], 1432);
  EXPECT_EQ(j["height"], 812);
  EXPECT_EQ(j["format"], "png");
  // The digests are those of the file's bytes: compare with the system's tools.
  auto sha = run_command({"/usr/bin/sha256sum", kImages + "/misc-images/c.png"});
  EXPECT_EQ(j["sha256"].get<std::string>(), sha.out.substr(0, 64));
  auto md5 = run_command({"/usr/bin/md5sum", kImages + "/misc-images/c.png"});
  EXPECT_EQ(j["md5"].get<std::string>(), md5.out.substr(0, 32));
  auto sha1 = run_command({"/usr/bin/sha1sum", kImages + "/misc-images/c.png"});
  EXPECT_EQ(j["sha1"].get<std::string>(), sha1.out.substr(0, 40));
}

TEST(CliHash, BadFilesGetOneLineEachTheRestIsHashedAndTheStatusIsOne) {
  auto dir = temp_dir("bad");
  fs::copy_file(kImages + "/bridge-mods/aaa-orig.jpg", dir / "good.jpg");
  std::string jpeg = slurp(kImages + "/bridge-mods/aaa-orig.jpg");
  std::ofstream(dir / "truncated.jpg", std::ios::binary) << jpeg.substr(0, jpeg.size() / 3);
  std::ofstream(dir / "empty.png").close();
  std::ofstream(dir / "notes.txt") << "not an image";
  auto r = run_command({BAOVE_EXE, "hash", (dir / "truncated.jpg").string(), (dir / "good.jpg").string(),
                        (dir / "missing.jpg").string(), (dir / "empty.png").string(),
                        (dir / "notes.txt").string()});
  EXPECT_EQ(r.exit_code, 1);
  auto out = lines(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  EXPECT_NE(out[0].find("good.jpg"), std::string::npos);
  auto err = lines(r.err);
  ASSERT_EQ(err.size(), 4u) << r.err;
  EXPECT_NE(err[0].find("truncated.jpg"), std::string::npos);
  EXPECT_NE(err[1].find("missing.jpg"), std::string::npos);
  EXPECT_NE(err[2].find("empty.png"), std::string::npos);
  EXPECT_NE(err[3].find("notes.txt"), std::string::npos);
  for (const auto& e : err) EXPECT_EQ(e.rfind("baove: ", 0), 0u) << e;
  fs::remove_all(dir);
}

TEST(CliHash, DirectoriesAreWalkedAndNonImagesInThemSkipped) {
  auto dir = temp_dir("walk");
  fs::create_directories(dir / "sub");
  fs::copy_file(kImages + "/misc-images/wee.jpg", dir / "sub" / "b.jpg");
  fs::copy_file(kImages + "/misc-images/c.png", dir / "a.png");
  std::ofstream(dir / "README.md") << "# notes";
  auto r = run_command({BAOVE_EXE, "hash", dir.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto out = lines(r.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].find("a.png"), std::string::npos);
  EXPECT_NE(out[1].find("b.jpg"), std::string::npos);
  EXPECT_NE(r.err.find("skipped 1"), std::string::npos);
  fs::remove_all(dir);
}

TEST(CliHash, PathsFromStandardInputAndThreadCountsGiveTheSameOutput) {
  std::string input;
  for (const auto& l : lines(slurp(kVectors + "/expected.csv")))
    input += kImages + "/" + l.substr(l.rfind(',') + 1) + "\n";
  auto one = run_command({BAOVE_EXE, "hash", "-i", "--threads", "1"}, input);
  auto four = run_command({BAOVE_EXE, "hash", "-i", "--threads", "4"}, input);
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(four.exit_code, 0) << four.err;
  EXPECT_EQ(lines(one.out).size(), lines(input).size());
  EXPECT_EQ(one.out, four.out);
}

TEST(CliHash, PixelLimitIsConfigurable) {
  auto r = run_command({BAOVE_EXE, "hash", "--max-pixels", "100000", kImages + "/bridge-mods/aaa-orig.jpg",
                        kImages + "/bridge-mods/square-128x128.jpg"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.out).size(), 1u);
  EXPECT_NE(r.err.find("exceeds"), std::string::npos) << r.err;
}

TEST(CliHash, UsageErrorsExitWithTwo) {
  EXPECT_NE(run_command({BAOVE_EXE, "hash"}).exit_code, 0);
  EXPECT_NE(run_command({BAOVE_EXE, "hash", "--threads", "0", "x.jpg"}).exit_code, 0);
}

}  // namespace
}  // namespace baove
