// The hotline's routes: the counsellors' queue (claim and release), contacts (create, read, list,
// repeat contacts, search by receipt, phone or account), the vocabulary the forms need, and the
// statistics (the ministry's table, breakdowns for charts, CSV and XLSX exports).
//
// Access: every route decides with auth's one policy. Contact lists and searches read through the
// SQL filter built from the same table, so a counsellor of another unit finds nothing and gets 404
// for a contact id. Every read of contacts, and every export, is audited in the same transaction
// as the read (through the group commit); phone numbers and account names travel in request
// bodies, never in URLs, and never reach an audit event or a log line.
#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "api/internal.hpp"
#include "hotline/export.hpp"
#include "hotline/hotline.hpp"
#include "hotline/stats.hpp"
#include "report/report.hpp"
#include "taxonomy/taxonomy.hpp"

namespace baove::api {

namespace {

using auth::Action;
using auth::ResourceType;
using std::chrono::microseconds;

constexpr std::chrono::hours kLocalOffset{7};  // Viet Nam: UTC+7, no daylight saving
constexpr std::size_t kBodyLimit = 128 * 1024;

audit::Timestamp now_us() {
  return std::chrono::time_point_cast<microseconds>(std::chrono::system_clock::now());
}

auth::Resource contact_resource(const std::string& unit, const std::string& owner) {
  return auth::Resource{ResourceType::contact, unit, owner, auth::Sensitivity::personal};
}
auth::Resource report_resource(const std::string& unit, const std::string& owner) {
  return auth::Resource{ResourceType::report, unit, owner, auth::Sensitivity::personal};
}
auth::Resource statistics_of(const std::string& unit) {
  return auth::Resource{ResourceType::statistics, unit, "", auth::Sensitivity::normal};
}

json terms_json(std::span<const taxonomy::Term> terms) {
  json out = json::array();
  for (const auto& t : terms) out.push_back({{"key", t.key}, {"label_vi", t.vi}, {"label_en", t.en}});
  return out;
}

json contact_json(const hotline::Contact& c) {
  return {
      {"id", c.id},
      {"channel", c.channel},
      {"start", rfc3339(c.start)},
      {"duration_s", c.duration_s},
      {"unit_id", c.unit_id},
      {"counsellor_id", c.counsellor_id},
      {"recorded", c.recorded},
      {"child", {{"age_band", c.child.age_band}, {"gender", c.child.gender}, {"province", c.child.province}}},
      {"categories", c.categories},
      {"indepth", c.indepth},
      {"outcome", c.outcome},
      {"clip_notices", c.clip_notices},
      {"report_ids", c.report_ids},
      {"has_caller_phone", c.has_caller_phone},
      {"created", rfc3339(c.created)}};
}

json contacts_json(const std::vector<hotline::Contact>& list) {
  json out = json::array();
  for (const auto& c : list) out.push_back(contact_json(c));
  return out;
}

// The fields a contact answer holds, for audit events.
const std::vector<std::string> kContactFields = {"channel",    "start",   "duration_s", "child",
                                                 "categories", "indepth", "outcome",    "report_ids"};

json queue_item_json(const report::ReportSummary& r, const std::string& me, audit::Timestamp now) {
  return {
      {"report_id", r.id},
      {"code", r.code},
      {"channel", r.channel},
      {"category", r.category},
      {"platform", r.platform},
      {"danger_now", r.danger_now},
      {"priority", report::to_string(r.priority)},
      {"age_band", r.age_band},
      {"received_at", rfc3339(r.received_at)},
      {"waiting_s", std::max<std::int64_t>(
                        0, std::chrono::duration_cast<std::chrono::seconds>(now - r.received_at).count())},
      {"owner_id", r.owner},
      {"mine", !r.owner.empty() && r.owner == me},
      {"evidence_count", r.evidence_count}};
}

bool contact_id_like(std::string_view id) {
  return id.size() == 29 && id[0] == 'c' && std::all_of(id.begin() + 1, id.end(), [](char ch) {
           return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
         });
}
// A time in a query string: RFC 3339, or a day (YYYY-MM-DD) meaning its midnight in Viet Nam.
std::optional<audit::Timestamp> parse_when(std::string_view s) {
  auto t = parse_rfc3339(s);
  if (!t) return std::nullopt;
  if (s.size() == 10) *t -= kLocalOffset;
  return t;
}

std::optional<audit::Timestamp> year_start(int year) {
  char day[16];
  std::snprintf(day, sizeof day, "%04d-01-01", year);
  return parse_when(day);
}

struct Period {
  audit::Timestamp from{};
  audit::Timestamp to{};
  std::string title;  // "2022", or "2022-01-01_2022-07-01"
};

// year=YYYY, or from= and to= (to exclusive); `bad` gets the names of wrong parameters.
std::optional<Period> period_of(const http::Request& req, std::vector<std::string>& bad) {
  Period p;
  if (auto y = req.query_param("year")) {
    char* end = nullptr;
    const long year = std::strtol(y->c_str(), &end, 10);
    if (y->size() != 4 || *end != '\0' || year < 1970 || year > 9998) {
      bad.emplace_back("year");
      return std::nullopt;
    }
    p.from = *year_start(static_cast<int>(year));
    p.to = *year_start(static_cast<int>(year) + 1);
    p.title = *y;
    return p;
  }
  auto from = req.query_param("from");
  auto to = req.query_param("to");
  if (!from) bad.emplace_back("from");
  if (!to) bad.emplace_back("to");
  if (!from || !to) return std::nullopt;
  auto f = parse_when(*from);
  auto t = parse_when(*to);
  if (!f) bad.emplace_back("from");
  if (!t || (f && *t <= *f)) bad.emplace_back("to");
  if (!f || !t || *t <= *f) return std::nullopt;
  p.from = *f;
  p.to = *t;
  p.title = from->substr(0, 10) + "_" + to->substr(0, 10);
  return p;
}

// Names of query parameters outside `allowed`.
std::vector<std::string> unknown_params(const http::Request& req,
                                        std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> bad;
  for (const auto& name : req.query_names()) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) bad.push_back(name);
  }
  return bad;
}

std::optional<hotline::Dimension> parse_dimension(std::string_view s) {
  using D = hotline::Dimension;
  for (D d : {D::category, D::channel, D::province, D::age_band, D::gender, D::outcome}) {
    if (s == hotline::to_string(d)) return d;
  }
  return std::nullopt;
}

// The JSON body of a new contact, or the names of its wrong fields.
std::optional<hotline::NewContact> new_contact_from(const json& body, std::vector<std::string>& bad) {
  hotline::NewContact n;
  hotline::Contact& c = n.contact;
  c.channel = get_string(body, "channel", bad, true, 32);
  if (body.contains("start")) {
    auto t = body["start"].is_string() ? parse_rfc3339(body["start"].get<std::string>()) : std::nullopt;
    if (t)
      c.start = *t;
    else
      bad.emplace_back("start");
  } else {
    c.start = now_us();
  }
  c.duration_s = get_int(body, "duration_s", bad, false).value_or(0);
  c.recorded = true;
  if (body.contains("recorded")) {
    if (body["recorded"].is_boolean())
      c.recorded = body["recorded"].get<bool>();
    else
      bad.emplace_back("recorded");
  }
  if (body.contains("child")) {
    const json& child = body["child"];
    if (!child.is_object()) {
      bad.emplace_back("child");
    } else {
      for (const auto& [k, v] : child.items()) {
        if (k != "age_band" && k != "gender" && k != "province") bad.push_back("child." + k);
        (void)v;
      }
      std::vector<std::string> child_bad;
      c.child.age_band = get_string(child, "age_band", child_bad, false, 32);
      c.child.gender = get_string(child, "gender", child_bad, false, 32);
      c.child.province = get_string(child, "province", child_bad, false, 64);
      for (auto& f : child_bad) bad.push_back("child." + f);
    }
  }
  c.categories = get_strings(body, "categories", bad, false);
  if (body.contains("indepth")) {
    if (body["indepth"].is_boolean())
      c.indepth = body["indepth"].get<bool>();
    else
      bad.emplace_back("indepth");
  }
  c.outcome = get_string(body, "outcome", bad, false, 32);
  c.clip_notices = get_int(body, "clip_notices", bad, false).value_or(0);
  c.report_ids = get_strings(body, "report_ids", bad, false);
  n.notes = get_string(body, "notes", bad, false, hotline::kMaxNotesBytes);
  n.caller_phone = get_string(body, "caller_phone", bad, false, 64);
  n.accounts = get_strings(body, "accounts", bad, false);
  if (!bad.empty()) return std::nullopt;
  return n;
}

// The request field a hotline validation message names: its messages begin "field: ...".
std::string field_of(const Error& e) {
  const std::string name = e.message.substr(0, e.message.find(':'));
  if (name == "duration") return "duration_s";
  if (name.find("phone") != std::string::npos) return "caller_phone";
  if (name.find("account") != std::string::npos) return "accounts";
  if (name == "age_band" || name == "gender" || name == "province") return "child." + name;
  if (name == "unit_id" || name == "counsellor_id") return "contact";
  return name.empty() || name.size() > 32 ? "contact" : name;
}

http::Response file_response(std::string bytes, std::string_view format, const std::string& name) {
  http::Response r;
  r.content_type = format == "xlsx" ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                    : "text/csv; charset=utf-8";
  r.body = std::move(bytes);
  r.with_header("Content-Disposition", "attachment; filename=\"" + name + "." + std::string(format) + "\"");
  r.with_header("Cache-Control", "no-store");
  return r;
}

bool is_supervisor(const auth::Principal& p) {
  return std::any_of(p.grants.begin(), p.grants.end(),
                     [](const auth::Grant& g) { return g.role == auth::Role::supervisor; });
}

}  // namespace

void Api::Impl::add_hotline_routes(http::Router& r) {
  using http::Method;

  // ---- vocabulary (no personal data: not audited) ----
  r.add(Method::get, "/api/v1/taxonomy", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    return json_response(200, {{"channels", terms_json(taxonomy::channels())},
                               {"outcomes", terms_json(taxonomy::outcomes())},
                               {"age_bands", terms_json(taxonomy::age_bands())},
                               {"genders", terms_json(taxonomy::genders())},
                               {"provinces", terms_json(taxonomy::provinces())},
                               {"categories", terms_json(taxonomy::categories())}});
  });

  r.add(Method::get, "/api/v1/categories", [this](http::Request& req) {
    auto ctx = pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    auto bad = unknown_params(req, {"q"});
    const std::string q = req.query_param("q").value_or("");
    if (q.size() > 200) bad.emplace_back("q");
    if (!bad.empty()) return validation_failed(bad);
    json out = json::array();
    for (auto key : hotline::find_categories(q)) {
      const auto* t = taxonomy::find(taxonomy::categories(), key);
      if (t != nullptr) out.push_back({{"key", t->key}, {"label_vi", t->vi}, {"label_en", t->en}});
    }
    return json_response(200, {{"categories", out}});
  });

  // ---- the queue ----
  r.add_async(Method::get, "/api/v1/queue", [this](http::Request& req, const http::Respond& respond) {
    auto ctx = io_pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
    auto bad = unknown_params(req, {"limit", "offset"});
    std::size_t limit = 100, offset = 0;
    query_number(req, "limit", 1, 1000, limit, bad);
    query_number(req, "offset", 0, 1'000'000, offset, bad);
    if (!bad.empty()) return respond(validation_failed(bad));
    auto access = auth::sql_filter(caller->principal(), Action::list, ResourceType::report);
    auto event = event_for(*caller, audit::Action::search, "report", "");
    event.fields = {"code", "channel", "category", "platform", "danger_now", "priority", "age_band"};
    event.reason = "queue";
    audited(
        *ctx, event,
        [this, &req, access, limit, offset, me = caller->principal().id](store::Connection& c, auth::Service&,
                                                                         audit::Event& e) {
          auto page = report::queue(c, access, limit, offset);
          if (!page.ok()) return from_error(page.error(), log, req);
          const auto now = now_us();
          json items = json::array();
          for (const auto& item : page->items) items.push_back(queue_item_json(item, me, now));
          e.row_count = static_cast<std::int64_t>(items.size());
          return json_response(200, {{"total", page->total}, {"items", items}});
        },
        /*is_read=*/true, respond);
  });

  for (const bool take : {true, false}) {
    r.add(
        Method::post, take ? "/api/v1/queue/{id}/claim" : "/api/v1/queue/{id}/release",
        [this, take](http::Request& req) {
          auto ctx = pool.acquire();
          auto caller = authenticate(req, *ctx);
          if (!caller.ok()) return auth_failure(caller.error(), log, req);
          const std::string id = req.path_params.at("id");
          if (!record_id_like(id)) return http::error(404, "not_found", "not found");
          std::optional<http::Response> answer;
          const std::string& me = caller->principal().id;
          Status s = writer->run([&](store::Connection& tx) -> Status {
            auto e = event_for(*caller, audit::Action::update, "report", id);
            e.fields = {"owner_id"};
            auto rep = report_to_update(tx, *caller, id, e, answer);
            if (!rep.ok()) return rep.error();
            if (!*rep) return {};
            e.reason = take ? "claim" : "release";
            // A supervisor may give back a report someone else holds (a counsellor who went home).
            const std::string holder = !take && is_supervisor(caller->principal()) ? "" : me;
            Status changed =
                take ? report::claim(tx, id, me, now_us()) : report::release(tx, id, holder, now_us());
            if (!changed.ok()) {
              if (changed.error().code != ErrorCode::conflict) return changed.error();
              e.outcome = audit::Outcome::denied;
              e.reason = "held-by-another";
              BAOVE_TRY(append(tx, e));
              answer = http::error(
                  409, "conflict",
                  take ? "another counsellor has taken this report" : "another counsellor holds this report");
              return {};
            }
            BAOVE_TRY(append(tx, e));
            answer = json_response(200, {{"report_id", id}, {"owner_id", take ? me : ""}});
            return {};
          });
          if (!s.ok()) return from_error(s.error(), log, req);
          return std::move(*answer);
        },
        1024);
  }

  // ---- contacts ----
  r.add(
      Method::post, "/api/v1/contacts",
      [this](http::Request& req) {
        auto ctx = pool.acquire();
        auto caller = authenticate(req, *ctx);
        if (!caller.ok()) return auth_failure(caller.error(), log, req);
        auto body =
            parse_object(req, {"channel", "start", "duration_s", "recorded", "child", "categories", "indepth",
                               "outcome", "clip_notices", "report_ids", "notes", "caller_phone", "accounts"});
        if (!body.ok()) return body_error(body.error());
        std::vector<std::string> bad;
        auto contact = new_contact_from(*body, bad);
        if (!contact) return validation_failed(bad);
        const auth::Principal& who = caller->principal();
        contact->contact.unit_id = who.unit;
        contact->contact.counsellor_id = who.id;
        const auto d = auth::decide(who, Action::create, contact_resource(who.unit, who.id));
        if (!d.allowed) {
          auto e = event_for(*caller, audit::Action::create, "contact", "");
          e.outcome = audit::Outcome::denied;
          e.reason = d.reason;
          if (!record(*caller, e).ok())
            return http::error(500, "internal", "the refusal could not be recorded");
          return denied(d);
        }
        if (Status v = hotline::validate(*contact); !v.ok()) {
          if (v.error().code == ErrorCode::invalid_argument || v.error().code == ErrorCode::limit_exceeded) {
            return validation_failed({field_of(v.error())}, v.error().message);
          }
          return from_error(v.error(), log, req);
        }
        auto hashes = hotline::caller_hashes(hotline_keys, contact->caller_phone, contact->accounts);
        if (!hashes.ok())
          return validation_failed({contact->caller_phone.empty() ? "accounts" : "caller_phone"});
        const auto read_filter = auth::sql_filter(who, Action::list, ResourceType::contact);
        const auto now = now_us();
        std::optional<http::Response> answer;
        Status s = writer->run([&](store::Connection& tx) -> Status {
          // Linked reports must be the counsellor's to work on; those still waiting leave the queue.
          for (const auto& rid : contact->contact.report_ids) {
            auto rep = record_id_like(rid)
                           ? report::get(tx, report_keys, rid)
                           : Result<report::Report>(make_error(ErrorCode::not_found, "no report"));
            if (!rep.ok() && rep.error().code != ErrorCode::not_found) return rep.error();
            if (!rep.ok() ||
                !auth::decide(who, Action::update, report_resource(rep->unit, rep->owner)).allowed) {
              answer = validation_failed({"report_ids"},
                                         "a linked report does not exist or is not yours to work on");
              return {};
            }
            if (rep->state == report::State::received) {
              BAOVE_TRY(report::set_state(tx, rid, report::State::in_review, now));
              if (rep->owner.empty()) BAOVE_TRY(report::set_owner(tx, rid, who.id, now));
            }
          }
          auto id = hotline::create(tx, hotline_keys, *contact, now);
          if (!id.ok()) return id.error();
          auto e = event_for(*caller, audit::Action::create, "contact", *id);
          e.fields = kContactFields;
          if (!contact->notes.empty()) e.fields.emplace_back("notes");
          if (!contact->caller_phone.empty()) e.fields.emplace_back("caller_phone");
          if (!contact->accounts.empty()) e.fields.emplace_back("accounts");
          e.reason = d.reason;
          BAOVE_TRY(append(tx, e));
          auto stored = hotline::get(tx, *id, read_filter);
          if (!stored.ok()) return stored.error();
          // Repeat contacts are a search of personal data: audited beside the creation.
          auto repeats = hotline::repeat_contacts(tx, *hashes, contact->contact.start, read_filter, 20);
          if (!repeats.ok()) return repeats.error();
          std::erase_if(*repeats, [&](const hotline::Contact& c) { return c.id == *id; });
          if (hashes->phone || !hashes->accounts.empty()) {
            auto se = event_for(*caller, audit::Action::search, "contact", "");
            se.fields = kContactFields;
            se.row_count = static_cast<std::int64_t>(repeats->size());
            se.reason = "repeat-contacts";
            BAOVE_TRY(append(tx, se));
          }
          answer =
              json_response(201, {{"contact", contact_json(*stored)}, {"repeats", contacts_json(*repeats)}});
          return {};
        });
        if (!s.ok()) {
          if (s.error().code == ErrorCode::invalid_argument)
            return validation_failed({"contact"}, s.error().message);
          return from_error(s.error(), log, req);
        }
        return std::move(*answer);
      },
      kBodyLimit);

  r.add_async(Method::get, "/api/v1/contacts", [this](http::Request& req, const http::Respond& respond) {
    auto ctx = io_pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
    auto bad = unknown_params(req, {"from", "to", "limit"});
    const auto now = now_us();
    audit::Timestamp from = now - std::chrono::hours(24 * 30), to = now + std::chrono::hours(1);
    if (auto f = req.query_param("from")) {
      if (auto t = parse_when(*f))
        from = *t;
      else
        bad.emplace_back("from");
    }
    if (auto t = req.query_param("to")) {
      if (auto v = parse_when(*t))
        to = *v;
      else
        bad.emplace_back("to");
    }
    std::size_t limit = 100;
    query_number(req, "limit", 1, hotline::kMaxListLimit, limit, bad);
    if (!bad.empty()) return respond(validation_failed(bad));
    auto access = auth::sql_filter(caller->principal(), Action::list, ResourceType::contact);
    auto event = event_for(*caller, audit::Action::search, "contact", "");
    event.fields = kContactFields;
    audited(
        *ctx, event,
        [this, &req, access, from, to, limit](store::Connection& c, auth::Service&, audit::Event& e) {
          auto list = hotline::list(c, from, to, access, limit);
          if (!list.ok()) return from_error(list.error(), log, req);
          e.row_count = static_cast<std::int64_t>(list->size());
          return json_response(200, {{"contacts", contacts_json(*list)}});
        },
        /*is_read=*/true, respond);
  });

  r.add_async(Method::get, "/api/v1/contacts/{id}", [this](http::Request& req, const http::Respond& respond) {
    auto ctx = io_pool.acquire();
    auto caller = authenticate(req, *ctx);
    if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
    const std::string id = req.path_params.at("id");
    auto access = auth::sql_filter(caller->principal(), Action::read, ResourceType::contact);
    auto event = event_for(*caller, audit::Action::read, "contact", contact_id_like(id) ? id : "");
    audited(
        *ctx, event,
        [this, &req, id, access](store::Connection& c, auth::Service&, audit::Event& e) {
          auto contact = contact_id_like(id)
                             ? hotline::get(c, id, access)
                             : Result<hotline::Contact>(make_error(ErrorCode::not_found, "no"));
          if (!contact.ok()) {
            if (contact.error().code != ErrorCode::not_found) return from_error(contact.error(), log, req);
            e.outcome = audit::Outcome::denied;
            e.reason = "not-found";
            return http::error(404, "not_found", "not found");
          }
          auto notes = hotline::read_notes(c, hotline_keys, id, access);
          if (!notes.ok()) return from_error(notes.error(), log, req);
          e.fields = kContactFields;
          e.fields.emplace_back("notes");
          json out = contact_json(*contact);
          out["notes"] = *notes;
          return json_response(200, out);
        },
        /*is_read=*/true, respond);
  });

  r.add_async(
      Method::get, "/api/v1/contacts/{id}/repeats", [this](http::Request& req, const http::Respond& respond) {
        auto ctx = io_pool.acquire();
        auto caller = authenticate(req, *ctx);
        if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
        const std::string id = req.path_params.at("id");
        auto access = auth::sql_filter(caller->principal(), Action::list, ResourceType::contact);
        auto event = event_for(*caller, audit::Action::search, "contact", contact_id_like(id) ? id : "");
        event.reason = "repeat-contacts";
        audited(
            *ctx, event,
            [this, &req, id, access](store::Connection& c, auth::Service&, audit::Event& e) {
              auto list = contact_id_like(id)
                              ? hotline::repeat_contacts_of(c, id, access, 100)
                              : Result<std::vector<hotline::Contact>>(make_error(ErrorCode::not_found, "no"));
              if (!list.ok()) {
                if (list.error().code != ErrorCode::not_found) return from_error(list.error(), log, req);
                e.outcome = audit::Outcome::denied;
                e.reason = "not-found";
                return http::error(404, "not_found", "not found");
              }
              e.fields = kContactFields;
              e.row_count = static_cast<std::int64_t>(list->size());
              return json_response(200, {{"contacts", contacts_json(*list)}});
            },
            /*is_read=*/true, respond);
      });

  r.add_async(
      Method::post, "/api/v1/contacts/repeats",
      [this](http::Request& req, const http::Respond& respond) {
        auto ctx = io_pool.acquire();
        auto caller = authenticate(req, *ctx);
        if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
        auto body = parse_object(req, {"caller_phone", "accounts"});
        if (!body.ok()) return respond(body_error(body.error()));
        std::vector<std::string> bad;
        const std::string phone = get_string(*body, "caller_phone", bad, false, 64);
        const auto accounts = get_strings(*body, "accounts", bad, false);
        if (accounts.size() > hotline::kMaxAccounts) bad.emplace_back("accounts");
        if (!bad.empty()) return respond(validation_failed(bad));
        auto hashes = hotline::caller_hashes(hotline_keys, phone, accounts);
        if (!hashes.ok()) return respond(validation_failed({phone.empty() ? "accounts" : "caller_phone"}));
        auto access = auth::sql_filter(caller->principal(), Action::list, ResourceType::contact);
        auto event = event_for(*caller, audit::Action::search, "contact", "");
        event.reason = "repeat-contacts";
        audited(
            *ctx, event,
            [this, &req, access, h = std::move(*hashes)](store::Connection& c, auth::Service&,
                                                         audit::Event& e) {
              auto list = hotline::repeat_contacts(c, h, now_us() + std::chrono::hours(1), access, 20);
              if (!list.ok()) return from_error(list.error(), log, req);
              e.fields = kContactFields;
              e.row_count = static_cast<std::int64_t>(list->size());
              return json_response(200, {{"contacts", contacts_json(*list)}});
            },
            /*is_read=*/true, respond);
      },
      16 * 1024);

  r.add_async(
      Method::post, "/api/v1/contacts/search",
      [this](http::Request& req, const http::Respond& respond) {
        auto ctx = io_pool.acquire();
        auto caller = authenticate(req, *ctx);
        if (!caller.ok()) return respond(auth_failure(caller.error(), log, req));
        auto body = parse_object(req, {"phone", "account", "receipt"});
        if (!body.ok()) return respond(body_error(body.error()));
        std::vector<std::string> bad;
        const std::string phone = get_string(*body, "phone", bad, false, 64);
        const std::string account = get_string(*body, "account", bad, false, hotline::kMaxAccountBytes);
        const std::string receipt = get_string(*body, "receipt", bad, false, 64);
        const int given = int{!phone.empty()} + int{!account.empty()} + int{!receipt.empty()};
        if (given != 1)
          return respond(validation_failed({"phone", "account", "receipt"}, "give exactly one"));
        if (!bad.empty()) return respond(validation_failed(bad));
        if (!phone.empty() && !hotline::normalise_phone(phone).ok())
          return respond(validation_failed({"phone"}));
        if (!account.empty() && !hotline::normalise_account(account).ok())
          return respond(validation_failed({"account"}));
        std::optional<std::string> code;
        if (!receipt.empty()) {
          code = report::parse_receipt_code(receipt);
          if (!code) return respond(validation_failed({"receipt"}));
        }
        const auth::Principal& who = caller->principal();
        auto contacts_access = auth::sql_filter(who, Action::list, ResourceType::contact);
        auto event = event_for(*caller, audit::Action::search, code ? "report" : "contact", "");
        event.reason = code ? "by-receipt" : (!phone.empty() ? "by-phone" : "by-account");
        audited(
            *ctx, event,
            [this, &req, phone, account, code, contacts_access, principal = caller->principal_ptr](
                store::Connection& c, auth::Service&, audit::Event& e) {
              json contacts = json::array();
              json reports = json::array();
              if (code) {
                auto id = report::find_by_code(c, *code);
                if (id.ok()) {
                  auto rep = report::get(c, report_keys, *id);
                  if (!rep.ok()) return from_error(rep.error(), log, req);
                  if (auth::decide(*principal, Action::read, report_resource(rep->unit, rep->owner))
                          .allowed) {
                    reports.push_back({{"id", rep->id},
                                       {"code", rep->code},
                                       {"channel", rep->channel},
                                       {"category", rep->category},
                                       {"state", report::to_string(rep->state)},
                                       {"priority", report::to_string(rep->priority)},
                                       {"danger_now", rep->danger_now},
                                       {"owner_id", rep->owner},
                                       {"received_at", rfc3339(rep->received_at)}});
                  }
                } else if (id.error().code != ErrorCode::not_found) {
                  return from_error(id.error(), log, req);
                }
                e.fields = {"code", "channel", "category", "state", "priority"};
                e.row_count = static_cast<std::int64_t>(reports.size());
              } else {
                auto list = !phone.empty()
                                ? hotline::search_by_phone(c, hotline_keys, phone, contacts_access)
                                : hotline::search_by_account(c, hotline_keys, account, contacts_access);
                if (!list.ok()) return from_error(list.error(), log, req);
                contacts = contacts_json(*list);
                e.fields = kContactFields;
                e.row_count = static_cast<std::int64_t>(list->size());
              }
              return json_response(200, {{"contacts", contacts}, {"reports", reports}});
            },
            /*is_read=*/true, respond);
      },
      16 * 1024);

  // ---- statistics ----
  // Checks the caller and the query; on success the period and the caller, else the answer.
  // A grant over every unit counts the whole country; one scoped to a unit counts that unit and
  // the units below it (the statistics of a province's department).
  struct StatsQuery {
    Caller caller;
    Period period;
    std::string reason;
    hotline::StatsFilter filter;
  };
  auto stats_query =
      [this](http::Request& req, Context& ctx, Action action,
             std::initializer_list<std::string_view> allowed) -> std::variant<StatsQuery, http::Response> {
    auto caller = authenticate(req, ctx);
    if (!caller.ok()) return auth_failure(caller.error(), log, req);
    hotline::StatsFilter filter;
    auto d = auth::decide(caller->principal(), action, statistics_of(""));
    if (!d.allowed) {
      filter.unit_id = caller->principal().unit;
      d = auth::decide(caller->principal(), action, statistics_of(filter.unit_id));
    }
    if (!d.allowed) {
      auto e =
          event_for(*caller, action == Action::export_data ? audit::Action::export_data : audit::Action::read,
                    "statistics", "");
      e.outcome = audit::Outcome::denied;
      e.reason = d.reason;
      if (!record(*caller, e).ok()) return http::error(500, "internal", "the refusal could not be recorded");
      return denied(d);
    }
    auto bad = unknown_params(req, allowed);
    auto period = period_of(req, bad);
    if (!bad.empty() || !period) return validation_failed(bad);
    return StatsQuery{std::move(*caller), std::move(*period), d.reason, filter};
  };

  auto table_json = [](const hotline::Table& t) {
    json rows = json::array();
    for (const auto& row : t.rows) {
      rows.push_back({{"key", row.key},
                      {"parent", row.parent},
                      {"label_vi", row.label_vi},
                      {"label_en", row.label_en},
                      {"additive", row.additive},
                      {"count", row.count}});
    }
    return json{{"from", rfc3339(t.from)}, {"to", rfc3339(t.to)}, {"rows", rows}};
  };

  r.add_async(Method::get, "/api/v1/stats/hotline",
              [this, stats_query, table_json](http::Request& req, const http::Respond& respond) {
                auto ctx = io_pool.acquire();
                auto q = stats_query(req, *ctx, Action::read, {"year", "from", "to"});
                if (auto* answer = std::get_if<http::Response>(&q)) return respond(std::move(*answer));
                auto& sq = std::get<StatsQuery>(q);
                auto event = event_for(sq.caller, audit::Action::read, "statistics", "hotline_table");
                event.reason = sq.reason;
                audited(
                    *ctx, event,
                    [this, &req, p = sq.period, f = sq.filter, table_json](store::Connection& c,
                                                                           auth::Service&, audit::Event& e) {
                      auto table = hotline::hotline_table(c, p.from, p.to, f);
                      if (!table.ok()) return from_error(table.error(), log, req);
                      e.row_count = static_cast<std::int64_t>(table->rows.size());
                      return json_response(200, table_json(*table));
                    },
                    /*is_read=*/true, respond);
              });

  r.add_async(Method::get, "/api/v1/stats/breakdown",
              [this, stats_query](http::Request& req, const http::Respond& respond) {
                auto ctx = io_pool.acquire();
                auto q = stats_query(req, *ctx, Action::read, {"year", "from", "to", "dimension", "by"});
                if (auto* answer = std::get_if<http::Response>(&q)) return respond(std::move(*answer));
                auto& sq = std::get<StatsQuery>(q);
                auto dimension = parse_dimension(req.query_param("dimension").value_or(""));
                const std::string by_text = req.query_param("by").value_or("whole");
                hotline::BreakdownOptions breakdown_options;
                breakdown_options.filter = sq.filter;
                std::vector<std::string> bad;
                if (!dimension) bad.emplace_back("dimension");
                if (by_text == "year")
                  breakdown_options.by = hotline::Period::year;
                else if (by_text == "month")
                  breakdown_options.by = hotline::Period::month;
                else if (by_text != "whole")
                  bad.emplace_back("by");
                if (!bad.empty()) return respond(validation_failed(bad));
                auto event = event_for(sq.caller, audit::Action::read, "statistics", "breakdown");
                event.reason = sq.reason;
                audited(
                    *ctx, event,
                    [this, &req, p = sq.period, d = *dimension, breakdown_options, by_text](
                        store::Connection& c, auth::Service&, audit::Event& e) {
                      auto rows = hotline::breakdown(c, p.from, p.to, d, breakdown_options);
                      if (!rows.ok()) return from_error(rows.error(), log, req);
                      json out = json::array();
                      for (const auto& row : *rows) {
                        out.push_back({{"period", row.period},
                                       {"key", row.key},
                                       {"label_vi", row.label_vi},
                                       {"label_en", row.label_en},
                                       {"count", row.count}});
                      }
                      e.row_count = static_cast<std::int64_t>(out.size());
                      return json_response(200, {{"dimension", hotline::to_string(d)},
                                                 {"by", by_text},
                                                 {"partition", hotline::is_partition(d)},
                                                 {"rows", out}});
                    },
                    /*is_read=*/true, respond);
              });

  // Exports: the file is built inside the audited transaction, so it leaves only once its export
  // event is durable.
  for (const bool table : {true, false}) {
    r.add_async(Method::get, table ? "/api/v1/stats/hotline/export" : "/api/v1/stats/breakdown/export",
                [this, stats_query, table](http::Request& req, const http::Respond& respond) {
                  auto ctx = io_pool.acquire();
                  auto q = table ? stats_query(req, *ctx, Action::export_data,
                                               {"year", "from", "to", "format", "public"})
                                 : stats_query(req, *ctx, Action::export_data,
                                               {"year", "from", "to", "format", "public", "dimension", "by"});
                  if (auto* answer = std::get_if<http::Response>(&q)) return respond(std::move(*answer));
                  auto& sq = std::get<StatsQuery>(q);
                  std::vector<std::string> bad;
                  const std::string format = req.query_param("format").value_or("csv");
                  if (format != "csv" && format != "xlsx") bad.emplace_back("format");
                  const std::string pub = req.query_param("public").value_or("false");
                  if (pub != "true" && pub != "false") bad.emplace_back("public");
                  std::optional<hotline::Dimension> dimension;
                  hotline::BreakdownOptions breakdown_options;
                  breakdown_options.filter = sq.filter;
                  if (!table) {
                    dimension = parse_dimension(req.query_param("dimension").value_or(""));
                    if (!dimension) bad.emplace_back("dimension");
                    const std::string by = req.query_param("by").value_or("year");
                    if (by == "year")
                      breakdown_options.by = hotline::Period::year;
                    else if (by == "month")
                      breakdown_options.by = hotline::Period::month;
                    else if (by == "whole")
                      breakdown_options.by = hotline::Period::whole;
                    else
                      bad.emplace_back("by");
                  }
                  if (!bad.empty()) return respond(validation_failed(bad));
                  hotline::ExportOptions export_options;
                  if (pub == "true")
                    export_options.suppression = hotline::Suppression{
                        static_cast<std::int64_t>(platform.config().stats_suppression_threshold)};
                  auto event = event_for(
                      sq.caller, audit::Action::export_data, "statistics",
                      table ? "hotline_table" : std::string("breakdown_") + hotline::to_string(*dimension));
                  event.reason = pub == "true" ? "public" : "internal";
                  audited(
                      *ctx, event,
                      [this, &req, p = sq.period, table, dimension, breakdown_options, format,
                       export_options](store::Connection& c, auth::Service&, audit::Event& e) {
                        Result<hotline::ExportTable> sheet = make_error(ErrorCode::internal, "no export");
                        std::string name;
                        if (table) {
                          auto t = hotline::hotline_table(c, p.from, p.to, breakdown_options.filter);
                          if (!t.ok()) return from_error(t.error(), log, req);
                          const std::vector<hotline::Table> tables{std::move(*t)};
                          const std::vector<std::string> titles{p.title};
                          sheet = hotline::table_export(tables, titles);
                          name = "hotline-" + p.title;
                        } else {
                          auto rows = hotline::breakdown(c, p.from, p.to, *dimension, breakdown_options);
                          if (!rows.ok()) return from_error(rows.error(), log, req);
                          sheet = hotline::breakdown_export(*dimension, *rows);
                          name = std::string("hotline-") + hotline::to_string(*dimension) + "-" + p.title;
                        }
                        if (!sheet.ok()) return from_error(sheet.error(), log, req);
                        auto bytes = format == "xlsx" ? hotline::to_xlsx(*sheet, export_options)
                                                      : hotline::to_csv(*sheet, export_options);
                        if (!bytes.ok()) return from_error(bytes.error(), log, req);
                        e.row_count = static_cast<std::int64_t>(sheet->rows.size());
                        return file_response(std::move(*bytes), format, name);
                      },
                      /*is_read=*/false, respond);
                });
  }
}

}  // namespace baove::api
