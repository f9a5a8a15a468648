// `baove audit`: verification of the tamper-evident audit log, the public key auditors are
// given, and the security officer's questions (who accessed this record, what did this user
// access, from where, when).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "store/store.hpp"
#include "util/hex.hpp"

namespace baove::cli {
namespace {

namespace fs = std::filesystem;

struct AuditArgs {
  std::string data_dir = "var";      // the server's data directory (baove serve --data-dir)
  std::string db;                    // a path (SQLite) or a postgresql:// URL
  std::string signing_key;           // default <data_dir>/keys/audit-signing.key
  std::string public_key;            // hex, or a file holding it
  std::string checkpoint_file;       // default <data_dir>/audit/checkpoints.log
  std::vector<std::string> trusted;  // files of checkpoints the auditor kept
  // query filters
  std::string object, actor, unit, address, action, since, until;
  std::size_t limit = 100;
  bool json = false;
};

// Fills in the defaults that depend on the data directory (the layout of src/platform/platform.hpp).
void resolve(AuditArgs& a) {
  if (a.signing_key.empty()) a.signing_key = (fs::path(a.data_dir) / "keys" / "audit-signing.key").string();
  if (a.checkpoint_file.empty())
    a.checkpoint_file = (fs::path(a.data_dir) / "audit" / "checkpoints.log").string();
}

std::string db_url(const AuditArgs& a) {
  std::string v = a.db;
  if (v.empty()) {
    const char* env = std::getenv("BAOVE_DATABASE");
    if (!env || !*env) env = std::getenv("BAOVE_DB");
    v = env && *env ? env : (fs::path(a.data_dir) / "baove.db").string();
  }
  if (v.rfind("postgres://", 0) == 0 || v.rfind("postgresql://", 0) == 0 || v.rfind("sqlite:", 0) == 0)
    return v;
  return "sqlite:" + v;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "baove: %s\n", what.c_str());
  return 1;
}

Result<std::unique_ptr<store::Connection>> open_db(const AuditArgs& a) {
  const std::string url = db_url(a);
  if (url.rfind("sqlite:", 0) == 0 && !fs::exists(url.substr(7))) {
    return make_error(ErrorCode::not_found, "no database at " + url.substr(7));
  }
  auto c = store::open(url);
  if (!c) return c.error();
  BAOVE_TRY(audit::migrate(**c));
  return c;
}

Result<audit::PublicKey> load_public_key(const AuditArgs& a) {
  if (!a.public_key.empty()) {
    std::string text = a.public_key;
    if (fs::exists(text)) {
      std::ifstream in(text);
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    return audit::PublicKey::from_hex(text);
  }
  if (!fs::exists(a.signing_key)) {
    return make_error(ErrorCode::not_found,
                      "no signing key at " + a.signing_key + "; give the log's public key with --public-key");
  }
  auto k = audit::SigningKey::load_or_create(a.signing_key);
  if (!k) return k.error();
  return k->public_key();
}

std::string hex(const audit::Hash& h) { return to_hex(h); }

int run_verify(const AuditArgs& a) {
  auto key = load_public_key(a);
  if (!key) return fail(key.error().message);
  std::vector<audit::Checkpoint> trusted;
  std::vector<std::string> sources = a.trusted;
  if (fs::exists(a.checkpoint_file)) sources.push_back(a.checkpoint_file);
  for (const auto& f : sources) {
    auto cps = audit::read_checkpoint_file(f);
    if (!cps) return fail(f + ": " + cps.error().message);
    trusted.insert(trusted.end(), cps->begin(), cps->end());
  }
  auto db = open_db(a);
  if (!db) return fail(db.error().message);
  audit::VerifyOptions opts;
  opts.trusted = trusted;
  auto report = audit::verify(**db, *key, opts);
  if (!report) return fail(report.error().message);
  const auto& r = *report;
  if (a.json) {
    nlohmann::json j;
    j["ok"] = r.ok();
    j["events"] = r.events;
    j["checkpoints"] = r.checkpoints;
    j["trusted_checkpoints"] = r.trusted;
    j["root"] = hex(r.root);
    j["chain_head"] = hex(r.chain_head);
    j["problems_total"] = r.problems_total;
    j["problems"] = nlohmann::json::array();
    for (const auto& p : r.problems) {
      j["problems"].push_back({{"kind", audit::to_string(p.kind)},
                               {"seq", p.seq},
                               {"last_seq", p.last_seq},
                               {"detail", p.detail}});
    }
    std::printf("%s\n", j.dump().c_str());
    return r.ok() ? 0 : 1;
  }
  std::printf("events: %lld, stored checkpoints: %zu, trusted checkpoints: %zu\n",
              static_cast<long long>(r.events), r.checkpoints, r.trusted);
  std::printf("root: %s\nchain head: %s\n", hex(r.root).c_str(), hex(r.chain_head).c_str());
  if (r.ok()) {
    std::printf(
        "audit log verified: no event edited, deleted, inserted or reordered; no truncation or rollback\n");
    return 0;
  }
  const audit::Problem* first = r.first();
  std::printf("AUDIT LOG DAMAGED: %zu problem(s); the first bad event is %lld (%s)\n", r.problems_total,
              static_cast<long long>(first->seq), audit::to_string(first->kind));
  for (const auto& p : r.problems) {
    std::printf("  %-20s events %lld..%lld: %s\n", audit::to_string(p.kind), static_cast<long long>(p.seq),
                static_cast<long long>(p.last_seq), p.detail.c_str());
  }
  return 1;
}

Result<audit::Timestamp> parse_time(const std::string& s) {
  // YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)
  std::tm tm{};
  std::istringstream in(s);
  if (s.size() == 10) {
    in >> std::get_time(&tm, "%Y-%m-%d");
  } else {
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  }
  if (in.fail())
    return make_error(ErrorCode::invalid_argument,
                      "bad time '" + s + "': use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
  const std::time_t t = timegm(&tm);
  return audit::Timestamp(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::seconds(t)));
}

std::string format_time(audit::Timestamp t) {
  const std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int run_query(const AuditArgs& a) {
  audit::Query q;
  if (!a.object.empty()) {
    auto colon = a.object.find(':');
    if (colon == std::string::npos) return fail("--object takes TYPE:ID, e.g. case:7f3a");
    q.object_type = a.object.substr(0, colon);
    q.object_id = a.object.substr(colon + 1);
  }
  if (!a.actor.empty()) q.actor = a.actor;
  if (!a.unit.empty()) q.unit = a.unit;
  if (!a.address.empty()) q.address = a.address;
  if (!a.action.empty()) {
    q.action = audit::parse_action(a.action);
    if (!q.action) return fail("unknown action '" + a.action + "'");
  }
  if (!a.since.empty()) {
    auto t = parse_time(a.since);
    if (!t) return fail(t.error().message);
    q.since = *t;
  }
  if (!a.until.empty()) {
    auto t = parse_time(a.until);
    if (!t) return fail(t.error().message);
    q.until = *t;
  }
  q.limit = a.limit;
  auto db = open_db(a);
  if (!db) return fail(db.error().message);
  auto page = audit::query(**db, q);
  if (!page) return fail(page.error().message);
  if (!a.json) std::printf("SEQ\tTIME (UTC)\tACTOR\tUNIT\tADDRESS\tACTION\tOBJECT\tOUTCOME\tREASON\n");
  for (const auto& se : page->events) {
    const auto& e = se.event;
    if (a.json) {
      nlohmann::json j = {{"seq", se.seq},
                          {"time", format_time(e.time)},
                          {"actor", e.actor},
                          {"unit", e.unit},
                          {"roles", e.roles},
                          {"address", e.address},
                          {"action", audit::to_string(e.action)},
                          {"object_type", e.object_type},
                          {"object_id", e.object_id},
                          {"fields", e.fields},
                          {"outcome", audit::to_string(e.outcome)},
                          {"reason", e.reason}};
      if (e.row_count) j["row_count"] = *e.row_count;
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s:%s\t%s\t%s\n", static_cast<long long>(se.seq),
                  format_time(e.time).c_str(), e.actor.c_str(), e.unit.c_str(), e.address.c_str(),
                  audit::to_string(e.action), e.object_type.c_str(), e.object_id.c_str(),
                  audit::to_string(e.outcome), e.reason.c_str());
    }
  }
  if (page->next) std::fprintf(stderr, "more events match: narrow the filters or raise --limit\n");
  return 0;
}

}  // namespace

void register_audit(CLI::App& app, Registry& registry) {
  auto args = std::make_shared<AuditArgs>();
  auto* cmd = app.add_subcommand("audit", "The tamper-evident audit log");
  cmd->require_subcommand(1);
  auto add_db = [&](CLI::App* c) {
    c->add_option("--data-dir", args->data_dir, "The server's data directory (default var)");
    c->add_option("--db,--database", args->db,
                  "Database: a SQLite file or a postgresql:// URL (default: $BAOVE_DATABASE, or "
                  "<data-dir>/baove.db)");
  };

  auto* verify = cmd->add_subcommand(
      "verify", "Prove the whole log: every event, the chain, the Merkle tree, every checkpoint");
  add_db(verify);
  verify->add_option("--public-key", args->public_key,
                     "The log's Ed25519 public key (hex, or a file holding it)");
  verify->add_option("--signing-key", args->signing_key,
                     "Derive the public key from this signing key file instead (default "
                     "<data-dir>/keys/audit-signing.key)");
  verify->add_option(
      "--checkpoint-file", args->checkpoint_file,
      "The server's checkpoint file, read when present (default <data-dir>/audit/checkpoints.log)");
  verify->add_option("--trusted", args->trusted,
                     "Checkpoint files the auditor kept: detects rollback and truncation");
  verify->add_flag("--json", args->json, "A JSON report");
  verify->callback([args, &registry] {
    resolve(*args);
    registry.exit_code = run_verify(*args);
  });

  auto* pub = cmd->add_subcommand("public-key", "Print the public key auditors verify checkpoints with");
  pub->add_option("--data-dir", args->data_dir, "The server's data directory (default var)");
  pub->add_option("--signing-key", args->signing_key,
                  "The signing key file (default <data-dir>/keys/audit-signing.key)");
  pub->callback([args, &registry] {
    resolve(*args);
    if (!fs::exists(args->signing_key)) {
      registry.exit_code = fail("no signing key at " + args->signing_key);
      return;
    }
    auto k = audit::SigningKey::load_or_create(args->signing_key);
    if (!k) {
      registry.exit_code = fail(k.error().message);
      return;
    }
    std::printf("%s\n", k->public_key().to_hex().c_str());
  });

  auto* query = cmd->add_subcommand("query", "Who accessed a record, what a user accessed, from where, when");
  add_db(query);
  query->add_option("--object", args->object, "TYPE:ID of a record: who accessed it");
  query->add_option("--actor", args->actor, "A user or API client id: what it accessed");
  query->add_option("--unit", args->unit, "A unit id");
  query->add_option("--address", args->address, "A network address");
  query->add_option("--action", args->action, "read, search, export, create, update, delete, login, ...");
  query->add_option("--since", args->since, "From this time (UTC), YYYY-MM-DD[THH:MM:SSZ]");
  query->add_option("--until", args->until, "Before this time (UTC)");
  query->add_option("--limit", args->limit, "At most this many events")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  query->add_flag("--json", args->json, "One JSON object per event");
  query->callback([args, &registry] { registry.exit_code = run_query(*args); });
}

}  // namespace baove::cli
