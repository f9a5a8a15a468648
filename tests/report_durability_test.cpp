// Every receipt ever shown leads to a complete report: the real `baove serve` on a SQLite data
// directory takes public reports with files (as the no-JS form posts them) from several clients
// and is killed with SIGKILL at a random moment, then started again on the same directory, many
// times. Afterwards every receipt code and secret a client was given opens its report's status
// page, the report holds exactly the files that were sent (their SHA-256 in its evidence), the
// vault verifies every object (`baove vault verify`), and the audit log proves
// (`baove audit verify`).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hash/digest.hpp"
#include "run_command.hpp"
#include "serve_process.hpp"
#include "store/store.hpp"
#include "support/http_client.hpp"

namespace baove {
namespace {

namespace fs = std::filesystem;
using testing::HttpClient;
using testing::ServeProcess;

constexpr int kCycles = 150;
constexpr int kClients = 3;
const std::string kBoundary = "----durability9c1e";

std::string sha256_hex(std::string_view s) {
  return hash::compute_digests({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}).sha256_hex();
}

struct Acked {
  std::string code;
  std::string secret;
  std::multiset<std::string> files;  // SHA-256 of each file sent
};

struct ClientLog {
  std::vector<Acked> acked;
  std::string failure;
};

void report_stream(std::uint16_t port, std::uint32_t seed, const std::atomic<bool>& killed, ClientLog& out) {
  HttpClient client("127.0.0.1", port);
  std::mt19937 rng(seed);
  static const std::regex code_re("BV-[0-9A-Z]{5}-[0-9A-Z]{5}");
  static const std::regex secret_re("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}");
  for (;;) {
    // One or two files of random bytes (16 KiB .. 400 KiB), each new content.
    const int nfiles = 1 + static_cast<int>(rng() % 2);
    std::string body =
        "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nsexual_abuse\r\n--" +
        kBoundary + "\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\ndurability\r\n";
    Acked a;
    for (int f = 0; f < nfiles; ++f) {
      std::string bytes(16 * 1024 + rng() % (384 * 1024), '\0');
      for (auto& ch : bytes) ch = static_cast<char>(rng());
      a.files.insert(sha256_hex(bytes));
      body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"f" +
              std::to_string(f) + ".bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n";
    }
    body += "--" + kBoundary + "--\r\n";
    auto r =
        client.request("POST", "/report", body, {"Content-Type: multipart/form-data; boundary=" + kBoundary});
    if (!r) {
      if (!killed.load()) out.failure = "no answer before the kill: " + client.last_error();
      return;
    }
    if (r->status != 201) {
      out.failure = "POST /report answered " + std::to_string(r->status) + ": " + r->body.substr(0, 300);
      return;
    }
    std::smatch m;
    if (!std::regex_search(r->body, m, code_re)) {
      out.failure = "a 201 without a receipt code";
      return;
    }
    a.code = m.str();
    if (!std::regex_search(r->body, m, secret_re)) {
      out.failure = "a 201 without a secret";
      return;
    }
    a.secret = m.str();
    out.acked.push_back(std::move(a));
    if (killed.load()) return;
  }
}

TEST(ReportDurability, EveryReceiptLeadsToACompleteReportAfterSigkills) {
  const fs::path dir = fs::temp_directory_path() / ("baove-report-durability-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path data = dir / "var";
  const fs::path conf = dir / "baove.conf";
  {
    std::ofstream f(conf);
    f << "report_rate_per_hour = 1000000\nstatus_lookups_per_hour = 1000000\n";
  }
  const std::vector<std::string> extra = {"--config", conf.string()};
  std::mt19937 rng(20261123);
  std::vector<Acked> all;
  int kills = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    ServeProcess server(BAOVE_EXE, data, dir, cycle % 2, extra);
    ASSERT_TRUE(server.error().empty()) << "cycle " << cycle << ": " << server.error();
    std::atomic<bool> killed{false};
    std::vector<ClientLog> logs(kClients);
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back(report_stream, server.port(), static_cast<std::uint32_t>(rng()), std::cref(killed),
                           std::ref(logs[static_cast<std::size_t>(c)]));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 300));
    killed.store(true);
    server.signal_and_wait(SIGKILL);
    ++kills;
    for (auto& t : clients) t.join();
    for (auto& l : logs) {
      ASSERT_TRUE(l.failure.empty()) << "cycle " << cycle << ": " << l.failure;
      for (auto& a : l.acked) all.push_back(std::move(a));
    }
  }
  EXPECT_EQ(kills, kCycles);
  ASSERT_GT(all.size(), static_cast<std::size_t>(kCycles)) << "too few reports to prove anything";

  // After the last kill: every receipt opens its status page.
  {
    ServeProcess server(BAOVE_EXE, data, dir, kCycles, extra);
    ASSERT_TRUE(server.error().empty()) << server.error();
    HttpClient client("127.0.0.1", server.port());
    for (const auto& a : all) {
      auto r = client.request("POST", "/report/status", "code=" + a.code + "&secret=" + a.secret,
                              {"Content-Type: application/x-www-form-urlencoded"});
      ASSERT_TRUE(r) << client.last_error();
      ASSERT_EQ(r->status, 200) << a.code << " lost after a kill";
    }
    EXPECT_EQ(server.signal_and_wait(SIGTERM), 0);
  }
  // ... and holds exactly the files sent.
  auto db = store::open("sqlite:" + (data / "baove.db").string());
  ASSERT_TRUE(db.ok()) << db.error().message;
  for (const auto& a : all) {
    auto rows = (*db)->query(
        "SELECT e.sha256 FROM report_evidence e JOIN report_reports r ON r.id = e.report_id WHERE r.code = "
        "$1",
        std::vector<store::Value>{a.code});
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    std::multiset<std::string> stored;
    for (const auto& row : *rows) stored.insert(row.text(0));
    EXPECT_EQ(stored, a.files) << a.code;
  }
  // Every object in the vault is intact, and the audit log proves.
  auto vault = testing::run_command({BAOVE_EXE, "vault", "verify", "--data-dir", data.string()});
  EXPECT_EQ(vault.exit_code, 0) << vault.out << vault.err;
  auto audit = testing::run_command({BAOVE_EXE, "audit", "verify", "--data-dir", data.string()});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  std::printf("%d kills, %zu acknowledged reports, all complete\n", kills, all.size());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace baove
