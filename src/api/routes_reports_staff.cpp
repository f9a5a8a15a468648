// The staff's side of reports and evidence: the report list and record (audited reads), state
// changes, and evidence previews with the chain of custody.
//
// Previews: only the blurred greyscale thumbnail is served by default. An analyst may unblur one
// evidence file (POST .../unblur): that is a custody event, and for kUnblurSeconds the clear
// thumbnail may be fetched by that analyst alone; then it reverts. Known material is never
// rendered to anyone: no preview exists and the preview routes answer 403 known_material.
// Every view re-verifies the file's SHA-256 in the vault before its custody event is written, and
// the image leaves only once that event is durable.
#include <algorithm>
#include <chrono>
#include <thread>

#include "api/internal.hpp"
#include "report/ingest.hpp"
#include "report/report.hpp"
#include "util/byte_pipe.hpp"

namespace baove::api {

namespace {

using auth::Action;
using auth::ResourceType;

constexpr std::chrono::seconds kUnblurSeconds{60};
// Larger files are streamed from the vault, a piece at a time, rather than held in memory.
constexpr std::uint64_t kInMemoryExportBytes = 8ull << 20;

// A vault object's decrypted content as a response body: a thread runs Vault::get (which pushes
// authenticated chunks) into a BytePipe of at most kBuffered bytes that the server pulls from, so
// a download holds that much whatever its size. A chunk that fails authentication ends the body
// early (the client sees fewer bytes than announced). Destroying it stops the thread.
class VaultStream final : public http::BodySource {
 public:
  VaultStream(const vault::Vault& v, std::string id) {
    thread_ = std::thread([this, &v, id = std::move(id)] {
      auto got = v.get(id, [this](std::span<const std::uint8_t> bytes) { return pipe_.push(bytes); });
      pipe_.close(got.ok() ? std::nullopt : std::optional<Error>(got.error()));
    });
  }
  ~VaultStream() override {
    pipe_.abort();
    thread_.join();
  }
  VaultStream(const VaultStream&) = delete;
  VaultStream& operator=(const VaultStream&) = delete;
  Result<std::size_t> read(std::span<std::uint8_t> out) override { return pipe_.pull(out); }

 private:
  static constexpr std::size_t kBuffered = 512 * 1024;
  BytePipe pipe_{kBuffered};
  std::thread thread_;  // last: started once the pipe exists
};

auth::Resource report_resource(const std::string& unit, const std::string& owner) {
  return auth::Resource{ResourceType::report, unit, owner, auth::Sensitivity::personal};
}
auth::Resource evidence_resource(const std::string& unit, const std::string& owner) {
  return auth::Resource{ResourceType::evidence, unit, owner, auth::Sensitivity::restricted};
}

json evidence_json(const report::Evidence& e) {
  json j = {{"id", e.id},
            {"sha256", e.sha256},
            {"md5", e.md5},
            {"sha1", e.sha1},
            {"size", e.size},
            {"media_type", e.media_type},
            {"declared_type", e.declared_type},
            {"name", e.original_name},
            {"type_mismatch", e.type_mismatch},
            {"archive", e.archive},
            {"executable", e.executable},
            {"problem", e.problem},
            {"known", e.known},
            {"has_preview", !e.known && !e.preview_blurred.empty()},
            {"state", report::to_string(e.state)},
            {"received_at", rfc3339(e.received_at)}};
  j["pdq"] = e.pdq.empty() ? json(nullptr) : json(e.pdq);
  j["pdq_quality"] = e.pdq_quality < 0 ? json(nullptr) : json(e.pdq_quality);
  if (e.match) {
    j["match"] = {{"bank", e.match->bank},
                  {"entry_id", e.match->entry_id},
                  {"distance", e.match->distance},
                  {"signal", e.match->signal},
                  {"classification", e.match->classification}};
  }
  return j;
}

json summary_json(const report::ReportSummary& r) {
  return {{"id", r.id},
          {"code", r.code},
          {"channel", r.channel},
          {"category", r.category},
          {"platform", r.platform},
          {"danger_now", r.danger_now},
          {"has_contact", r.has_contact},
          {"unit_id", r.unit},
          {"owner_id", r.owner},
          {"state", report::to_string(r.state)},
          {"priority", report::to_string(r.priority)},
          {"received_at", rfc3339(r.received_at)},
          {"updated_at", rfc3339(r.updated_at)},
          {"evidence_count", r.evidence_count}};
}

json report_json(const report::Report& r, const std::vector<report::Evidence>& evidence) {
  json j = {{"id", r.id},
            {"code", r.code},
            {"channel", r.channel},
            {"category", r.category},
            {"description", r.description},
            {"platform", r.platform},
            {"links", r.links},
            {"accounts", r.accounts},
            {"period", r.period},
            {"age_band", r.age_band},
            {"province", r.province},
            {"danger_now", r.danger_now},
            {"unit_id", r.unit},
            {"owner_id", r.owner},
            {"language", r.language},
            {"state", report::to_string(r.state)},
            {"priority", report::to_string(r.priority)},
            {"received_at", rfc3339(r.received_at)},
            {"updated_at", rfc3339(r.updated_at)}};
  if (r.contact) {
    j["contact"] = {{"name", r.contact->name},
                    {"phone", r.contact->phone},
                    {"email", r.contact->email},
                    {"preferred_time", r.contact->preferred_time},
                    {"consent_version", r.contact->consent_version}};
  } else {
    j["contact"] = nullptr;
  }
  json ev = json::array();
  for (const auto& e : evidence) ev.push_back(evidence_json(e));
  j["evidence"] = ev;
  return j;
}

const std::vector<std::string> kReportFields = {
    "code",   "channel",  "category", "description", "platform", "links",    "accounts",
    "period", "age_band", "province", "danger_now",  "state",    "priority", "evidence"};

http::Response png(std::string bytes) {
  http::Response r;
  r.content_type = "image/png";
  r.body = std::move(bytes);
  r.with_header("Cache-Control", "no-store");
  r.with_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  return r;
}

}  // namespace

bool UnblurGrants::allowed(const std::string& user, const std::string& evidence) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(until_, [&](const auto& kv) { return kv.second <= now; });
  auto it = until_.find(user + "/" + evidence);
  return it != until_.end() && it->second > now;
}

void UnblurGrants::grant(const std::string& user, const std::string& evidence,
                         std::chrono::seconds for_how_long) {
  std::lock_guard lock(mu_);
  until_[user + "/" + evidence] = std::chrono::steady_clock::now() + for_how_long;
}

void Api::Impl::add_report_staff_routes(http::Router& r) {
  using http::Method;

  r.add_async(Method::get, "/api/v1/reports", [this](http::Request& req, const http::Respond& respond) {
    auto ctx = io_pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
    std::vector<std::string> bad;
    for (const auto& name : req.query_names()) {
      if (name != "state" && name != "priority" && name != "limit" && name != "offset") bad.push_back(name);
    }
    report::ListFilter filter;
    if (auto s = req.query_param("state")) {
      filter.state = report::parse_state(*s);
      if (!filter.state) bad.emplace_back("state");
    }
    if (auto p = req.query_param("priority")) {
      filter.min_priority = report::parse_priority(*p);
      if (!filter.min_priority) bad.emplace_back("priority");
    }
    query_number(req, "limit", 1, 1000, filter.limit, bad);
    query_number(req, "offset", 0, 1'000'000, filter.offset, bad);
    if (!bad.empty()) return respond(validation_failed(bad));
    filter.access = auth::sql_filter(caller->principal(), Action::list, ResourceType::report);
    auto event = event_for(*caller, audit::Action::search, "report", "");
    event.fields = {"code", "channel", "category", "platform", "state", "priority"};
    audited(
        *ctx, event,
        [this, &req, filter](store::Connection& c, auth::Service&, audit::Event& e) {
          auto rows = report::list(c, filter);
          if (!rows.ok()) return from_error(rows.error(), log, req);
          json out = json::array();
          for (const auto& row : *rows) out.push_back(summary_json(row));
          e.row_count = static_cast<std::int64_t>(out.size());
          return json_response(200, {{"reports", out}});
        },
        /*is_read=*/true, respond);
  });

  r.add_async(Method::get, "/api/v1/reports/{id}", [this](http::Request& req, const http::Respond& respond) {
    auto ctx = io_pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
    const std::string id = req.path_params.at("id");
    if (!record_id_like(id)) return respond(http::error(404, "not_found", "not found"));
    auto event = event_for(*caller, audit::Action::read, "report", id);
    audited(
        *ctx, event,
        [this, &req, id, principal = caller->principal_ptr](store::Connection& c, auth::Service&,
                                                            audit::Event& e) {
          auto rep = report::get(c, report_keys, id);
          if (!rep.ok()) {
            if (rep.error().code != ErrorCode::not_found) return from_error(rep.error(), log, req);
            e.outcome = audit::Outcome::denied;
            e.reason = "not-found";
            return http::error(404, "not_found", "not found");
          }
          const auto d = auth::decide(*principal, Action::read, report_resource(rep->unit, rep->owner));
          if (!d.allowed) {
            e.outcome = audit::Outcome::denied;
            e.reason = d.reason;
            return denied(d);
          }
          auto evidence = report::list_evidence(c, id);
          if (!evidence.ok()) return from_error(evidence.error(), log, req);
          e.reason = d.reason;
          e.fields = kReportFields;
          if (rep->contact) e.fields.emplace_back("contact");
          return json_response(200, report_json(*rep, *evidence));
        },
        /*is_read=*/true, respond);
  });

  r.add(
      Method::patch, "/api/v1/reports/{id}",
      [this](http::Request& req) {
        auto ctx = pool.acquire();
        auto caller = authenticate(req, *ctx);
        if (!caller.ok()) return auth_failure(caller.error(), log, req);
        const std::string id = req.path_params.at("id");
        if (!record_id_like(id)) return http::error(404, "not_found", "not found");
        auto body = parse_object(req, {"state"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        const auto state = report::parse_state(get_string(*body, "state", bad, true, 32));
        if (!state) return validation_failed({"state"});
        const auto now =
            std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
        std::optional<http::Response> answer;
        Status s = writer->run([&](store::Connection& tx) -> Status {
          auto e = event_for(*caller, audit::Action::update, "report", id);
          e.fields = {"state"};
          auto rep = report_to_update(tx, *caller, id, e, answer);
          if (!rep.ok()) return rep.error();
          if (!*rep) return {};
          BAOVE_TRY(report::set_state(tx, id, *state, now));
          BAOVE_TRY(append(tx, e));
          answer = json_response(200, {{"id", id}, {"state", report::to_string(*state)}});
          return {};
        });
        if (!s.ok()) return from_error(s.error(), log, req);
        return std::move(*answer);
      },
      4 * 1024);

  // The evidence file's preview: blurred unless this analyst unblurred it in the last minute.
  r.add(Method::get, "/api/v1/evidence/{id}/preview",
        [this](http::Request& req) { return evidence_preview(req, /*unblur=*/false); });
  r.add(
      Method::post, "/api/v1/evidence/{id}/unblur",
      [this](http::Request& req) { return evidence_preview(req, /*unblur=*/true); }, 1024);
  r.add(Method::get, "/api/v1/evidence/{id}/content",
        [this](http::Request& req) { return evidence_export(req); });
  r.add(Method::delete_, "/api/v1/evidence/{id}",
        [this](http::Request& req) { return evidence_destroy(req); });
}

// Loads the evidence and its report and decides `action` on it; on refusal the answer (audited).
Result<Api::Impl::EvidenceAccess> Api::Impl::evidence_access(http::Request& req, Context& ctx,
                                                             auth::Action action,
                                                             audit::Action audit_action) {
  auto caller = authenticate(req, ctx);
  if (!caller.ok()) return caller.error();
  EvidenceAccess a{std::move(*caller), {}, {}, std::nullopt};
  const std::string id = req.path_params.at("id");
  auto refuse = [&](http::Response answer, std::string reason) -> Result<EvidenceAccess> {
    auto e = event_for(a.caller, audit_action, "evidence", record_id_like(id) ? id : "");
    e.outcome = audit::Outcome::denied;
    e.reason = std::move(reason);
    a.answer = record(a.caller, e).ok() ? std::move(answer)
                                        : http::error(500, "internal", "the refusal could not be recorded");
    return a;
  };
  if (!record_id_like(id)) return refuse(http::error(404, "not_found", "not found"), "not-found");
  auto ev = report::get_evidence(*ctx.db, id);
  if (!ev.ok()) {
    if (ev.error().code == ErrorCode::not_found)
      return refuse(http::error(404, "not_found", "not found"), "not-found");
    a.answer = from_error(ev.error(), log, req);
    return a;
  }
  auto rep = report::get(*ctx.db, report_keys, ev->report_id);
  if (!rep.ok()) {
    a.answer = from_error(rep.error(), log, req);
    return a;
  }
  const auto d = auth::decide(a.caller.principal(), action, evidence_resource(rep->unit, rep->owner));
  if (!d.allowed) return refuse(denied(d), d.reason);
  if (ev->state != report::EvidenceState::stored)
    return refuse(http::error(410, "gone", "evidence destroyed"), "destroyed");
  a.evidence = std::move(*ev);
  a.reason = d.reason;
  return a;
}

http::Response Api::Impl::evidence_export(http::Request& req) {
  auto ctx = pool.acquire();
  auto access = evidence_access(req, *ctx, Action::export_data, audit::Action::export_data);
  if (!access.ok()) return auth_failure(access.error(), log, req);
  if (access->answer) return std::move(*access->answer);
  const report::Evidence& ev = access->evidence;
  Status intact = report::reverify(platform.vault(), ev);
  if (!intact.ok()) {
    log.error("evidence failed re-verification", {{"request_id", req.request_id}, {"evidence", ev.id}});
    return http::error(500, "internal", "the evidence file failed its integrity check");
  }
  const bool streamed = ev.size > kInMemoryExportBytes;
  std::string bytes;
  if (!streamed) {
    bytes.reserve(static_cast<std::size_t>(ev.size));
    auto got = platform.vault().get(ev.sha256, [&](std::span<const std::uint8_t> b) -> Status {
      bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
      return {};
    });
    if (!got.ok()) return from_error(got.error(), log, req);
  }
  Status s = writer->run([&](store::Connection& tx) -> Status {
    auto base = event_for(access->caller, audit::Action::export_data, "evidence", ev.id);
    base.fields = {"content"};
    return report::record_custody(tx, platform.audit_log(), base, report::CustodyStep::exported, ev);
  });
  if (!s.ok()) return from_error(s.error(), log, req);
  http::Response r;
  r.content_type = "application/octet-stream";
  if (streamed) {
    r.stream = std::make_shared<VaultStream>(platform.vault(), ev.sha256);
    r.stream_length = ev.size;
  } else {
    r.body = std::move(bytes);
  }
  // A download, never shown in the browser (known material included).
  r.with_header("Content-Disposition", "attachment; filename=\"" + ev.sha256 + "\"");
  r.with_header("Cache-Control", "no-store");
  r.with_header("X-Baove-Sha256", ev.sha256);
  return r;
}

http::Response Api::Impl::evidence_destroy(http::Request& req) {
  auto ctx = pool.acquire();
  auto access = evidence_access(req, *ctx, Action::remove, audit::Action::remove);
  if (!access.ok()) return auth_failure(access.error(), log, req);
  if (access->answer) return std::move(*access->answer);
  const report::Evidence& ev = access->evidence;
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  std::vector<std::string> unreferenced;
  Status s = writer->run([&](store::Connection& tx) -> Status {
    auto ids = report::mark_destroyed(tx, ev.id, now);
    if (!ids.ok()) return ids.error();
    unreferenced = std::move(*ids);
    auto base = event_for(access->caller, audit::Action::remove, "evidence", ev.id);
    base.reason = access->reason;
    return report::record_custody(tx, platform.audit_log(), base, report::CustodyStep::destroyed, ev);
  });
  if (!s.ok()) {
    if (s.error().code == ErrorCode::conflict) return http::error(410, "gone", "evidence destroyed");
    return from_error(s.error(), log, req);
  }
  // After the commit: crypto-shred what no other evidence record refers to (the same content may
  // belong to another report). A crash here leaves ciphertext whose key report::unreferenced() finds.
  std::size_t shredded = 0;
  for (const auto& id : unreferenced) {
    Status d = platform.vault().destroy(id);
    if (d.ok())
      ++shredded;
    else if (d.error().code != ErrorCode::not_found) {
      log.error("vault object not destroyed", {{"request_id", req.request_id}, {"evidence", ev.id}});
    }
  }
  return json_response(200,
                       {{"evidence_id", ev.id}, {"state", "destroyed"}, {"objects_destroyed", shredded}});
}

http::Response Api::Impl::evidence_preview(http::Request& req, bool unblur) {
  auto ctx = pool.acquire();
  auto caller = authenticate(req, *ctx);
  if (!caller.ok()) return auth_failure(caller.error(), log, req);
  const std::string id = req.path_params.at("id");
  if (!record_id_like(id)) return http::error(404, "not_found", "not found");
  auto ev = report::get_evidence(*ctx->db, id);
  if (!ev.ok()) {
    if (ev.error().code == ErrorCode::not_found) return http::error(404, "not_found", "not found");
    return from_error(ev.error(), log, req);
  }
  auto rep = report::get(*ctx->db, report_keys, ev->report_id);
  if (!rep.ok()) return from_error(rep.error(), log, req);
  const auth::Resource resource = evidence_resource(rep->unit, rep->owner);
  const std::string& user = caller->principal().id;
  // Unblurring needs more than reading: the analyst's right to work on evidence.
  const auto d = auth::decide(caller->principal(), unblur ? Action::update : Action::read, resource);
  const bool clear = !unblur && unblur_grants.allowed(user, id);
  auto refuse = [&](http::Response answer, std::string reason) {
    auto e = event_for(*caller, audit::Action::read, "evidence", id);
    e.outcome = audit::Outcome::denied;
    e.reason = std::move(reason);
    if (!record(*caller, e).ok()) return http::error(500, "internal", "the refusal could not be recorded");
    return answer;
  };
  if (!d.allowed) return refuse(denied(d), d.reason);
  if (ev->state != report::EvidenceState::stored)
    return refuse(http::error(410, "gone", "evidence destroyed"), "destroyed");
  if (ev->known) {
    return refuse(http::error(403, "known_material", "known material is never shown"), "known-material");
  }
  if (ev->preview_blurred.empty()) {
    return refuse(http::error(404, "no_preview", "this file has no preview"), "no-preview");
  }
  // The file and its previews must still be what was received.
  Status intact = report::reverify(platform.vault(), *ev);
  if (!intact.ok()) {
    log.error("evidence failed re-verification", {{"request_id", req.request_id}, {"evidence", id}});
    return refuse(http::error(500, "internal", "the evidence file failed its integrity check"),
                  "reverify-failed");
  }
  const auto step = unblur ? report::CustodyStep::unblurred : report::CustodyStep::viewed;
  const std::string preview_id = (clear || unblur) ? ev->preview_clear : ev->preview_blurred;
  std::string bytes;
  if (!unblur) {
    auto got = platform.vault().get(preview_id, [&](std::span<const std::uint8_t> b) -> Status {
      bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
      return {};
    });
    if (!got.ok()) return from_error(got.error(), log, req);
  }
  Status s = writer->run([&](store::Connection& tx) -> Status {
    auto base = event_for(*caller, audit::Action::read, "evidence", id);
    base.fields = {clear || unblur ? "preview_clear" : "preview_blurred"};
    return report::record_custody(tx, platform.audit_log(), base, step, *ev);
  });
  if (!s.ok()) return from_error(s.error(), log, req);
  if (unblur) {
    unblur_grants.grant(user, id, kUnblurSeconds);
    return json_response(200, {{"evidence_id", id}, {"clear_for_seconds", kUnblurSeconds.count()}});
  }
  http::Response r = png(std::move(bytes));
  r.with_header("X-Baove-Preview", clear ? "clear" : "blurred");
  return r;
}

}  // namespace baove::api
