// An acknowledged write is never lost: the real `baove serve` on a SQLite data directory takes a
// stream of audited writes (POST /api/v1/units) and audited reads (GET /api/v1/users/{id}) from
// several keep-alive clients, is killed with SIGKILL at a random moment, and is started again on
// the same directory, many times. After each restart every unit acknowledged with 201 is listed
// by GET /api/v1/units, the only units present without an acknowledgement are requests that were
// in flight at a kill, the security officer's audit search finds a read event for every
// acknowledged read, and `baove audit verify` proves the log.
//
// The administrator is set up through the API as a person does it (one-time password from the
// first start's output, password change, TOTP enrolment); the session lives in the database, so
// the same cookie and CSRF token keep working across restarts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "auth/totp.hpp"
#include "run_command.hpp"
#include "serve_process.hpp"
#include "support/http_client.hpp"

namespace baove {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using testing::HttpClient;
using testing::HttpResponse;
using testing::ServeProcess;

constexpr int kCycles = 20;
constexpr int kWriters = 6;
constexpr int kReaders = 2;

struct Session {
  std::string token;
  std::string csrf;
  std::string user_id;
  std::vector<std::string> headers(bool with_body) const {
    std::vector<std::string> h = {"Cookie: baove_session=" + token, "X-CSRF-Token: " + csrf};
    if (with_body) h.emplace_back("Content-Type: application/json");
    return h;
  }
};

// What one client thread saw during one server lifetime.
struct ClientLog {
  std::map<std::string, std::string> acked_units;  // id -> name, for every 201
  long acked_reads = 0;
  std::string unanswered;  // the name of a write sent but never answered (in flight at the kill)
  std::string failure;     // an answer other than the expected one, or a failure before the kill
};

void write_stream(std::uint16_t port, const Session& s, const std::string& parent, const std::string& prefix,
                  const std::atomic<bool>& killed, ClientLog& out) {
  HttpClient client("127.0.0.1", port);
  for (long n = 0;; ++n) {
    const std::string name = prefix + "-" + std::to_string(n);
    const json body = {{"name", name}, {"kind", "ngo"}, {"parent_id", parent}};
    auto r = client.request("POST", "/api/v1/units", body.dump(), s.headers(true));
    if (!r) {
      out.unanswered = name;
      if (!killed.load()) out.failure = "no answer before the kill: " + client.last_error();
      return;
    }
    if (r->status != 201) {
      out.failure = "POST /api/v1/units answered " + std::to_string(r->status) + ": " + r->body;
      return;
    }
    const json unit = json::parse(r->body, nullptr, false);
    if (!unit.is_object() || unit.value("name", "") != name || unit.value("id", "").empty()) {
      out.failure = "unexpected 201 body: " + r->body;
      return;
    }
    out.acked_units.emplace(unit["id"].get<std::string>(), name);
    if (killed.load()) return;
  }
}

void read_stream(std::uint16_t port, const Session& s, const std::atomic<bool>& killed, ClientLog& out) {
  HttpClient client("127.0.0.1", port);
  for (;;) {
    auto r = client.request("GET", "/api/v1/users/" + s.user_id, {}, s.headers(false));
    if (!r) {
      if (!killed.load()) out.failure = "no answer before the kill: " + client.last_error();
      return;
    }
    if (r->status != 200) {
      out.failure = "GET /api/v1/users/{id} answered " + std::to_string(r->status) + ": " + r->body;
      return;
    }
    ++out.acked_reads;
    if (killed.load()) return;
  }
}

// Every unit the server lists: id -> name.
std::map<std::string, std::string> listed_units(std::uint16_t port, const Session& s, std::string& error) {
  HttpClient client("127.0.0.1", port);
  auto r = client.request("GET", "/api/v1/units", {}, s.headers(false));
  std::map<std::string, std::string> out;
  if (!r || r->status != 200) {
    error =
        r ? "GET /api/v1/units answered " + std::to_string(r->status) + ": " + r->body : client.last_error();
    return out;
  }
  const json doc = json::parse(r->body);
  for (const auto& u : doc["units"]) out.emplace(u["id"], u["name"]);
  return out;
}

// The security officer's question "who read this user record?", paged through the audit API:
// the number of reads recorded, all of them by the record's own user.
long read_events_about(std::uint16_t port, const Session& officer, const std::string& user_id,
                       std::string& error) {
  HttpClient client("127.0.0.1", port);
  long events = 0;
  std::string after;
  for (;;) {
    std::string target = "/api/v1/audit/events?object_type=user&object_id=" + user_id +
                         "&action=read&outcome=allowed&order=oldest&limit=1000";
    if (!after.empty()) target += "&after=" + after;
    auto r = client.request("GET", target, {}, officer.headers(false));
    if (!r || r->status != 200) {
      error = r ? "audit search answered " + std::to_string(r->status) + ": " + r->body : client.last_error();
      return -1;
    }
    const json page = json::parse(r->body);
    for (const auto& e : page["events"]) {
      if (e["actor"] != user_id) {
        error = "a read event by someone else: " + e.dump();
        return -1;
      }
      ++events;
    }
    if (page["next"].is_null()) return events;
    after = std::to_string(page["next"].get<std::int64_t>());
  }
}

std::string session_token(const HttpResponse& r) {
  for (const auto& [name, value] : r.headers) {
    if (name != "set-cookie" || value.rfind("baove_session=", 0) != 0) continue;
    return value.substr(14, value.find(';') - 14);
  }
  return {};
}

// A user's first login with a one-time password, the password change and the TOTP enrolment,
// through the API as the console does them; returns the session, now a full one.
Session first_login(std::uint16_t port, const std::string& username, const std::string& one_time) {
  HttpClient client("127.0.0.1", port);
  Session s;
  auto login =
      client.request("POST", "/api/v1/session", json{{"username", username}, {"password", one_time}}.dump(),
                     {"Content-Type: application/json"});
  EXPECT_TRUE(login && login->status == 200) << (login ? login->body : client.last_error());
  if (!login || login->status != 200) return {};
  const json who = json::parse(login->body);
  EXPECT_EQ(who["must_change_password"], true);
  s.token = session_token(*login);
  s.csrf = who["csrf_token"];
  s.user_id = who["user_id"];
  EXPECT_EQ(s.token.size(), 64u);

  auto pw = client.request(
      "POST", "/api/v1/session/password",
      json{{"old_password", one_time}, {"new_password", "a durable password for " + username}}.dump(),
      s.headers(true));
  EXPECT_TRUE(pw && pw->status == 204) << (pw ? pw->body : client.last_error());
  auto enrol = client.request("POST", "/api/v1/session/totp", {}, s.headers(false));
  EXPECT_TRUE(enrol && enrol->status == 200) << (enrol ? enrol->body : client.last_error());
  if (!enrol || enrol->status != 200) return {};
  auto secret = auth::totp::base32_decode(json::parse(enrol->body)["secret"].get<std::string>());
  EXPECT_TRUE(secret.ok());
  if (!secret.ok()) return {};
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto confirm = client.request("POST", "/api/v1/session/totp/confirm",
                                json{{"code", auth::totp::code_at(*secret, now)}}.dump(), s.headers(true));
  EXPECT_TRUE(confirm && confirm->status == 204) << (confirm ? confirm->body : client.last_error());
  auto session = client.request("GET", "/api/v1/session", {}, s.headers(false));
  EXPECT_TRUE(session && session->status == 200);
  if (session && session->status == 200) {
    const json j = json::parse(session->body);
    EXPECT_EQ(j["must_change_password"], false);
    EXPECT_EQ(j["must_enrol_totp"], false);
  }
  return s;
}

// The one-time password that the first start printed.
std::string first_start_password(const std::string& output) {
  const std::string marker = "one-time password: ";
  const auto at = output.find(marker);
  if (at == std::string::npos) return {};
  return output.substr(at + marker.size(), output.find('\n', at) - at - marker.size());
}

// A security officer (who may search the audit log), created by the administrator.
Session add_security_officer(std::uint16_t port, const Session& admin, const std::string& unit) {
  HttpClient client("127.0.0.1", port);
  const json body = {{"username", "thu.officer"},
                     {"unit_id", unit},
                     {"grants", json::array({{{"role", "security_officer"}, {"scope", "all"}}})}};
  auto r = client.request("POST", "/api/v1/users", body.dump(), admin.headers(true));
  EXPECT_TRUE(r && r->status == 201) << (r ? r->body : client.last_error());
  if (!r || r->status != 201) return {};
  return first_login(port, "thu.officer", json::parse(r->body)["one_time_password"]);
}

TEST(ServerDurability, AcknowledgedWritesSurviveSigkillOfTheServer) {
  std::string pattern = (fs::temp_directory_path() / "baove-server-durability-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  const fs::path data = dir / "data";
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> run_ms(20, 400);
  SCOPED_TRACE("seed " + std::to_string(seed));

  auto server = std::make_unique<ServeProcess>(BAOVE_EXE, data, dir, 0);
  ASSERT_EQ(server->error(), "");
  const std::string one_time = first_start_password(server->output());
  ASSERT_FALSE(one_time.empty()) << server->output();
  const Session s = first_login(server->port(), "admin", one_time);
  ASSERT_FALSE(s.token.empty());
  std::string error;
  const auto initial = listed_units(server->port(), s, error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(initial.size(), 1u);
  const std::string root = initial.begin()->first;
  const Session officer = add_security_officer(server->port(), s, root);
  ASSERT_FALSE(officer.token.empty());

  std::map<std::string, std::string> acked;  // every acknowledged unit: id -> name
  std::set<std::string> in_flight;           // names of writes sent but never answered
  long acked_reads = 0;
  int reads_in_flight = 0;  // reads that may have been recorded without an answer
  const auto started = Clock::now();
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    if (cycle > 0) {
      server = std::make_unique<ServeProcess>(BAOVE_EXE, data, dir, cycle);
      ASSERT_EQ(server->error(), "");
      EXPECT_EQ(server->output().find("one-time password"), std::string::npos) << "only the first start";
      // Everything acknowledged before the kill is there.
      const auto units = listed_units(server->port(), s, error);
      ASSERT_EQ(error, "") << "the session from before the restart still works";
      for (const auto& [id, name] : acked) {
        auto it = units.find(id);
        ASSERT_NE(it, units.end()) << "acknowledged unit " << name << " (" << id << ") lost after " << cycle
                                   << " kills";
        EXPECT_EQ(it->second, name);
      }
      for (const auto& [id, name] : units) {
        if (id == root || acked.count(id)) continue;
        EXPECT_TRUE(in_flight.count(name)) << "unit " << name << " is stored but was never sent";
      }
    }
    std::atomic<bool> killed{false};
    std::vector<ClientLog> logs(kWriters + kReaders);
    std::vector<std::thread> clients;
    for (int t = 0; t < kWriters; ++t) {
      clients.emplace_back(write_stream, server->port(), std::cref(s), std::cref(root),
                           "durable c" + std::to_string(cycle) + " t" + std::to_string(t), std::cref(killed),
                           std::ref(logs[static_cast<std::size_t>(t)]));
    }
    for (int t = kWriters; t < kWriters + kReaders; ++t) {
      clients.emplace_back(read_stream, server->port(), std::cref(s), std::cref(killed),
                           std::ref(logs[static_cast<std::size_t>(t)]));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
    killed = true;
    const int status = server->signal_and_wait(SIGKILL);
    for (auto& c : clients) c.join();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the server ended on its own before the kill:\n"
        << server->log();
    for (const auto& l : logs) {
      EXPECT_EQ(l.failure, "");
      acked.insert(l.acked_units.begin(), l.acked_units.end());
      if (!l.unanswered.empty()) in_flight.insert(l.unanswered);
      acked_reads += l.acked_reads;
    }
    reads_in_flight += kReaders;
    if (::testing::Test::HasFailure()) return;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  // Straight after the last kill the log proves itself...
  const std::vector<std::string> verify = {BAOVE_EXE,
                                           "audit",
                                           "verify",
                                           "--db",
                                           (data / "baove.db").string(),
                                           "--signing-key",
                                           (data / "keys/audit-signing.key").string(),
                                           "--checkpoint-file",
                                           (data / "audit/checkpoints.log").string(),
                                           "--json"};
  auto crashed = testing::run_command(verify);
  EXPECT_EQ(crashed.exit_code, 0) << crashed.out << crashed.err;

  // ... and after one more start every acknowledged unit and read is there.
  server = std::make_unique<ServeProcess>(BAOVE_EXE, data, dir, kCycles);
  ASSERT_EQ(server->error(), "");
  const auto units = listed_units(server->port(), s, error);
  ASSERT_EQ(error, "");
  std::size_t lost = 0;
  for (const auto& [id, name] : acked) lost += units.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acknowledged units";
  EXPECT_LE(units.size(), 1 + acked.size() + in_flight.size());
  const long read_events = read_events_about(server->port(), officer, s.user_id, error);
  ASSERT_EQ(error, "");
  EXPECT_GE(read_events, acked_reads) << "every acknowledged read left its audit event";
  EXPECT_LE(read_events, acked_reads + reads_in_flight);
  ASSERT_GT(acked.size(), static_cast<std::size_t>(kCycles)) << "too few writes to prove anything";
  ASSERT_GT(acked_reads, kCycles);

  // A graceful stop signs a last checkpoint; the whole log verifies against it.
  const int status = server->signal_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server->log();
  auto verified = testing::run_command(verify);
  ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  const json report = json::parse(verified.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_GE(report["trusted_checkpoints"].get<int>(), 1);
  EXPECT_GE(report["events"].get<long>(), static_cast<long>(acked.size()) + acked_reads);

  std::printf("server durability: %d SIGKILLs in %.1f s, %zu acknowledged units and %ld reads, all present\n",
              kCycles, seconds, acked.size(), acked_reads);
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace baove
