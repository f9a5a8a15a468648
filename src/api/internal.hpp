// Shared by the API's source files; not a public header.
#pragma once

#include <array>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <semaphore>
#include <string>
#include <type_traits>
#include <vector>

#include "api/api.hpp"
#include "audit/audit.hpp"
#include "auth/auth.hpp"
#include "auth/policy.hpp"
#include "bank/matcher.hpp"
#include "bank/store.hpp"
#include "hotline/hotline.hpp"
#include "http/http.hpp"
#include "intake/fetch.hpp"
#include "intake/message.hpp"
#include "report/ingest.hpp"
#include "report/keys.hpp"
#include "report/report.hpp"
#include "store/group_commit.hpp"

namespace baove::api {

using json = nlohmann::json;

// What a worker holds while it runs one request.
struct Context {
  std::unique_ptr<store::Connection> db;
  std::unique_ptr<auth::Service> auth;
};

// A fixed set of contexts handed out one per request.
class ContextPool {
 public:
  void add(std::unique_ptr<Context> c);
  // Blocks until a context is free. The Lease gives it back.
  class Lease {
   public:
    Lease(ContextPool& pool, Context* c) : pool_(&pool), c_(c) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), c_(o.c_) { o.c_ = nullptr; }
    Lease(const Lease&) = delete;
    ~Lease();
    Context& operator*() const { return *c_; }
    Context* operator->() const { return c_; }

   private:
    ContextPool* pool_;
    Context* c_;
  };
  Lease acquire();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Context>> owned_;
  std::vector<Context*> free_;
};

// Who is calling, once authenticated.
struct Caller {
  std::shared_ptr<const auth::Principal> principal_ptr;  // shared with the session cache
  const auth::Principal& principal() const { return *principal_ptr; }
  std::string session_hash;  // "" for API keys
  std::string session_token;
  std::string csrf_token;
  std::string address;
  std::vector<std::string> roles;  // role names, for audit events
  bool is_key = false;
};

// Sessions checked in the last second, so that a busy console or client does not re-read its
// session, user, grants and units on every request. Any change to users or sessions made through
// this process clears it at once; changes made by another process (a second server, `baove admin`)
// are seen within kTtl. Thread-safe.
class SessionCache {
 public:
  static constexpr std::chrono::milliseconds kTtl{1000};
  // Shared and immutable: a hit copies a pointer, not the principal's unit list.
  std::shared_ptr<const auth::SessionInfo> find(const std::string& token);
  void put(const std::string& token, std::shared_ptr<const auth::SessionInfo> info);
  void forget(const std::string& token);
  void clear();

 private:
  struct Entry {
    std::shared_ptr<const auth::SessionInfo> info;
    std::chrono::steady_clock::time_point checked;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// Per-key token buckets (requests per minute).
class RateLimiter {
 public:
  // True when the key may make one more request now; otherwise the seconds to wait.
  std::optional<int> take(const std::string& key_id, std::int64_t per_minute);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
  };
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

// Counts the public's requests (reports, status lookups) per network address and hour without
// keeping addresses: each is replaced by a keyed BLAKE2b hash whose random key lives in memory
// only and is replaced every 24 hours (which also forgets every count). Thread-safe.
class AddressLimiter {
 public:
  AddressLimiter();
  // Whether one more request of `kind` from `address` fits in `per_hour`; counts it when it does.
  bool take(std::string_view address, std::string_view kind, std::size_t per_hour);

 private:
  struct Window {
    std::chrono::steady_clock::time_point start{};
    std::size_t count = 0;
  };
  void rotate(std::chrono::steady_clock::time_point now);
  std::mutex mu_;
  std::array<unsigned char, 32> key_{};
  std::chrono::steady_clock::time_point born_{};
  std::map<std::string, Window> windows_;
};

// Which analyst may see which evidence file unblurred, until when (in memory: a restart reverts
// every unblur). Thread-safe.
class UnblurGrants {
 public:
  bool allowed(const std::string& user, const std::string& evidence);
  void grant(const std::string& user, const std::string& evidence, std::chrono::seconds for_how_long);

 private:
  std::mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> until_;
};

struct Api::Impl {
  platform::Platform& platform;
  http::Metrics& metrics;
  http::Logger& log;
  ApiOptions options;
  ContextPool pool;     // for handlers on worker threads
  ContextPool io_pool;  // for asynchronous handlers on network threads (short reads only)
  std::unique_ptr<store::GroupCommit> writer;
  std::unique_ptr<auth::Service> writer_auth;  // bound to the writer's connection; used by its thread only
  store::Connection* writer_db = nullptr;
  std::unique_ptr<store::Connection> ticker_db;
  std::mutex ticker_mu;
  std::uint64_t ticks = 0;  // tick() calls, under ticker_mu
  RateLimiter limiter;
  SessionCache sessions;
  std::counting_semaphore<64> hash_slots{2};
  // Reports and evidence.
  report::Keys report_keys;
  std::unique_ptr<bank::BankStore> banks;
  std::unique_ptr<bank::Matcher> matcher;
  std::unique_ptr<report::EvidenceIngest> ingest;
  std::mutex intake_mu;
  std::string intake_unit;  // the unit that receives public reports (configured, else the root unit)
  // The receiving unit, found on first use when not configured. not_found before bootstrap.
  Result<std::string> receiving_unit();
  AddressLimiter public_limiter;
  UnblurGrants unblur_grants;
  std::unique_ptr<intake::Fetcher> fetcher;  // channel attachments
  hotline::Keys hotline_keys;                // contacts' notes and caller lookups (keys/hotline.key)
  std::vector<std::string> metrics_allow;    // canonical addresses that may read /metrics

  Impl(platform::Platform& p, http::Metrics& m, http::Logger& l, ApiOptions o)
      : platform(p), metrics(m), log(l), options(o) {}

  // Authenticates the request: an API key, or a session cookie (with the CSRF token on unsafe
  // methods). The error is the response to send.
  Result<Caller> authenticate(const http::Request& req, Context& ctx, bool allow_setup_only = false);

  // Runs `fn` (which reads through the connection and service it is given, and fills in the
  // event's outcome, fields and row count) and appends the event in the same transaction through
  // the group commit, then responds with fn's response once that transaction is durable (500 if
  // the event could not be written: then nothing leaves). When audit_reads is off (benchmarks),
  // runs `fn` at once on `ctx` and writes no event. Called on a network thread; never blocks on
  // the commit. `fn` may run on another thread: it must own what it uses (the Request excepted,
  // which lives until the response).
  using AuditedFn = std::function<http::Response(store::Connection&, auth::Service&, audit::Event&)>;
  void audited(Context& ctx, audit::Event event, AuditedFn fn, bool is_read, http::Respond respond);
  // Runs a change of auth::Service (which audits it in the same transaction) through the group
  // commit, on the writer's connection, and waits for it to be durable: many requests' changes
  // share one commit instead of queueing for the database's write lock. Not for changes that hash
  // passwords (they would hold up everyone's commit). Called on worker threads.
  template <typename F>
  auto write(F&& f) -> std::invoke_result_t<F&, auth::Service&> {
    using R = std::invoke_result_t<F&, auth::Service&>;
    std::optional<R> out;
    Status s = writer->run([&](store::Connection&) -> Status {
      out.emplace(f(*writer_auth));
      if (out->ok()) return {};
      return out->error();
    });
    if (!s.ok()) return R(s.error());
    return std::move(*out);
  }

  // Appends a single event (a denial) through the group commit.
  Status record(const Caller& caller, audit::Event event);
  // Appends `e` in the caller's transaction `tx`.
  Status append(store::Connection& tx, const audit::Event& e);
  // Inside a write transaction: the report `id` when `caller` may update it. Otherwise nullopt
  // with `answer` set: 404 for an unknown report, the policy's answer (its denial appended to the
  // log as `e` with outcome denied) for one the caller may not change. On success `e.reason` is
  // the allowing grant. The error is a database failure.
  Result<std::optional<report::Report>> report_to_update(store::Connection& tx, const Caller& caller,
                                                         const std::string& id, audit::Event& e,
                                                         std::optional<http::Response>& answer);

  audit::Event event_for(const Caller& caller, audit::Action action, std::string object_type,
                         std::string object_id) const;
  auth::Actor actor_for(const Caller& caller) const;

  void add_session_routes(http::Router& r);
  void add_admin_routes(http::Router& r);
  void add_audit_routes(http::Router& r);
  void add_ops_routes(http::Router& r);
  void add_console_routes(http::Router& r);
  void add_report_routes(http::Router& r);
  http::Response post_report(http::Request& req, http::BodyReader& body);
  void add_report_staff_routes(http::Router& r);
  http::Response evidence_preview(http::Request& req, bool unblur);
  // An evidence file the caller may `action`, or the (audited) answer refusing it. The
  // authentication error when the caller is not authenticated.
  struct EvidenceAccess {
    Caller caller;
    report::Evidence evidence;
    std::string reason;
    std::optional<http::Response> answer;
  };
  Result<EvidenceAccess> evidence_access(http::Request& req, Context& ctx, auth::Action action,
                                         audit::Action audit_action);
  http::Response evidence_export(http::Request& req);
  http::Response evidence_destroy(http::Request& req);
  void add_intake_routes(http::Router& r);
  void add_hotline_routes(http::Router& r);
  http::Response file_channel_messages(const http::Request& req,
                                       const Result<std::vector<intake::ChannelMessage>>& parsed,
                                       const char* channel);
};

// ---- JSON helpers ----

// Parses the body as one JSON object with only `allowed` members. The error is a 400 response
// (bad_request for malformed JSON or a non-object, validation_failed naming unknown fields).
Result<json> parse_object(const http::Request& req, std::initializer_list<const char*> allowed);

// Field readers: on a missing required or mistyped member they add its name to `bad`.
std::string get_string(const json& o, const char* name, std::vector<std::string>& bad, bool required = true,
                       std::size_t max_length = 1024);
std::optional<std::int64_t> get_int(const json& o, const char* name, std::vector<std::string>& bad,
                                    bool required = true);
std::vector<std::string> get_strings(const json& o, const char* name, std::vector<std::string>& bad,
                                     bool required = true);
std::vector<auth::Grant> get_grants(const json& o, const char* name, std::vector<std::string>& bad);
// A whole number from the query string, lo..hi; left as it is when absent, its name added to `bad`
// when malformed or out of range.
void query_number(const http::Request& req, const char* name, std::size_t lo, std::size_t hi,
                  std::size_t& out, std::vector<std::string>& bad);

http::Response validation_failed(const std::vector<std::string>& fields, std::string_view message = {});
// Maps a module error to its HTTP answer (not_found -> 404, invalid_argument -> 400, ...). The
// message of internal/io errors is logged, not sent.
http::Response from_error(const Error& e, http::Logger& log, const http::Request& req);
http::Response json_response(int status, const json& body);
http::Response denied(const auth::Decision& d);

json to_json(const auth::User& u);
json to_json(const auth::Unit& u);
json to_json(const auth::ApiKeyInfo& k);
json to_json(const audit::StoredEvent& e);
std::string rfc3339(audit::Timestamp t);
std::optional<audit::Timestamp> parse_rfc3339(std::string_view s);

// The otpauth URI as an SVG QR code; "" if it cannot be encoded.
std::string qr_svg(const std::string& text);

// Embedded console files: (name, bytes) with name like "index.html".
struct Asset {
  std::string_view name;
  std::string_view bytes;
};
std::span<const Asset> console_assets();

}  // namespace baove::api

namespace baove::api {
// The 400 answer for a parse_object() failure.
http::Response body_error(const Error& e);
// The answer for an authenticate() failure.
http::Response auth_failure(const Error& e, http::Logger& log, const http::Request& req);
json grants_json(const std::vector<auth::Grant>& grants);
// Whether `id` has the form of a report or evidence id (32 lower-case hex digits).
bool record_id_like(std::string_view id);
// Whether `id` can be an audit object id ([A-Za-z0-9._:-], 1..128).
bool id_like(std::string_view id);

// Holds one password-hashing slot for its lifetime.
class HashSlot {
 public:
  explicit HashSlot(std::counting_semaphore<64>& s) : s_(s) { s_.acquire(); }
  ~HashSlot() { s_.release(); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;

 private:
  std::counting_semaphore<64>& s_;
};

}  // namespace baove::api
