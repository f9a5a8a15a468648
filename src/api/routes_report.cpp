// The public report pages (no login) and the staff's report and evidence API.
//
// POST /report streams its multipart body: text fields are read into memory (bounded), each file
// goes straight into the vault through report::EvidenceIngest (encrypted, hashed, matched) while
// it arrives, so a multi-GB upload uses constant memory. Only when every file is durable in the
// vault are the report, its evidence rows and their chain-of-custody events committed, in one
// group-committed transaction; only then is the receipt shown.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "api/form_reader.hpp"
#include "api/internal.hpp"
#include "api/public_pages.hpp"
#include "report/ingest.hpp"
#include "report/report.hpp"
#include "taxonomy/taxonomy.hpp"

namespace baove::api {

namespace {

using taxonomy::Lang;

constexpr std::size_t kFieldLimit = 20 * 1024;   // one text field of the form
constexpr std::size_t kFieldsLimit = 64 * 1024;  // all text fields together
constexpr std::size_t kStatusBodyLimit = 4 * 1024;

const char* const kPageCsp =
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

Lang page_lang(const http::Request& req, std::string_view field = {}) {
  if (!field.empty()) return taxonomy::parse_lang(field);
  if (auto q = req.query_param("lang")) return taxonomy::parse_lang(*q);
  if (auto al = req.header("accept-language")) return taxonomy::parse_lang(*al);
  return Lang::vi;
}

http::Response html(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.with_header("Content-Security-Policy", kPageCsp);
  r.with_header("Cache-Control", "no-store");
  return r;
}

http::Response error_html(Lang lang, int status, std::string_view key) {
  return html(status, pages::error_page(lang, status, key));
}

// The form's text fields as typed.
struct TextFields {
  pages::FormInput input;
  std::string honeypot;
  std::string lang;
};

void set_field(TextFields& f, std::string_view name, std::string value) {
  auto& in = f.input;
  if (name == "category")
    in.category = std::move(value);
  else if (name == "description")
    in.description = std::move(value);
  else if (name == "platform")
    in.platform = std::move(value);
  else if (name == "links")
    in.links = std::move(value);
  else if (name == "accounts")
    in.accounts = std::move(value);
  else if (name == "period")
    in.period = std::move(value);
  else if (name == "age_band")
    in.age_band = std::move(value);
  else if (name == "province")
    in.province = std::move(value);
  else if (name == "danger_now")
    in.danger_now = value == "1";
  else if (name == "wants_callback")
    in.wants_callback = value == "1";
  else if (name == "consent")
    in.consent = value == "1";
  else if (name == "contact_name")
    in.contact_name = std::move(value);
  else if (name == "contact_phone")
    in.contact_phone = std::move(value);
  else if (name == "contact_email")
    in.contact_email = std::move(value);
  else if (name == "contact_time")
    in.contact_time = std::move(value);
  else if (name == "website")
    f.honeypot = std::move(value);
  else if (name == "lang")
    f.lang = std::move(value);
  // Unknown fields are ignored: an old cached form must still be accepted.
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty()) out.emplace_back(line);
    start = nl + 1;
  }
  return out;
}

std::string crlf_to_lf(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

report::NewReport to_new_report(const TextFields& f, Lang lang, const std::string& unit) {
  const auto& in = f.input;
  report::NewReport r;
  r.channel = "web";
  r.category = in.category;
  // Browsers send line breaks as CRLF; the form counts each as one character, and so does the limit.
  r.description = crlf_to_lf(in.description);
  r.platform = in.platform;
  r.links = split_lines(in.links);
  r.accounts = crlf_to_lf(in.accounts);
  r.period = in.period;
  r.age_band = in.age_band;
  r.province = in.province;
  r.danger_now = in.danger_now;
  if (in.wants_callback) {
    report::ContactDetails c;
    c.name = in.contact_name;
    c.phone = in.contact_phone;
    c.email = in.contact_email;
    c.preferred_time = in.contact_time;
    c.consent = in.consent;
    c.consent_version = "report-form-1";
    r.contact = std::move(c);
  }
  r.unit = unit;
  r.language = taxonomy::to_string(lang);
  return r;
}

// The form's field and the page's message key for a field the domain refused ("links[3]",
// "contact.phone", ...).
pages::FieldError field_error(const std::string& field, const TextFields& f) {
  if (field == "category") return {"category", f.input.category.empty() ? "required" : "bad_choice"};
  if (field == "links") return {"links", "too_many_links"};
  if (field.rfind("links[", 0) == 0) return {"links", "bad_link"};
  if (field == "description" || field == "accounts") return {field, "too_long"};
  if (field == "contact.consent" || field == "contact.consent_version")
    return {"consent", "consent_required"};
  if (field == "contact.phone" || field == "contact.email") {
    const bool none = f.input.contact_phone.empty() && f.input.contact_email.empty();
    return {field == "contact.phone" ? "contact_phone" : "contact_email",
            none ? "contact_required" : "bad_choice"};
  }
  if (field == "contact.name") return {"contact_name", "too_long"};
  if (field == "contact.preferred_time") return {"contact_time", "too_long"};
  return {field, "bad_choice"};
}

std::vector<pages::FieldError> form_errors(const std::vector<std::string>& bad, const TextFields& f) {
  std::vector<pages::FieldError> out;
  for (const auto& field : bad) {
    auto e = field_error(field, f);
    const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.field == e.field; });
    if (!seen) out.push_back(std::move(e));
  }
  return out;
}

std::int64_t unix_seconds(report::Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The ASCII content type of a part as declared, for the record (never trusted).
std::string declared_type(const http::PartHeader& h) { return h.content_type.substr(0, 100); }

}  // namespace

// ---------------------------------------------------------------- address limits

AddressLimiter::AddressLimiter() { rotate(std::chrono::steady_clock::now()); }

void AddressLimiter::rotate(std::chrono::steady_clock::time_point now) {
  randombytes_buf(key_.data(), key_.size());
  born_ = now;
  windows_.clear();
}

bool AddressLimiter::take(std::string_view address, std::string_view kind, std::size_t per_hour) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  // The key lives a day, so no address can be followed across days, even in memory.
  if (now - born_ > std::chrono::hours(24)) rotate(now);
  std::array<unsigned char, 16> digest{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, key_.data(), key_.size(), digest.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kind.data()), kind.size());
  const unsigned char sep = 0;
  crypto_generichash_update(&st, &sep, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(address.data()), address.size());
  crypto_generichash_final(&st, digest.data(), digest.size());
  std::string id(reinterpret_cast<const char*>(digest.data()), digest.size());
  if (windows_.size() > 200000) {
    std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start > std::chrono::hours(1); });
  }
  auto& w = windows_[id];
  if (now - w.start > std::chrono::hours(1)) {
    w.start = now;
    w.count = 0;
  }
  if (w.count >= per_hour) return false;
  ++w.count;
  return true;
}

// ---------------------------------------------------------------- routes

void Api::Impl::add_report_routes(http::Router& r) {
  using http::Method;

  r.add(Method::get, "/", [](http::Request& req) { return html(200, pages::home_page(page_lang(req))); });
  r.add(Method::get, "/report",
        [](http::Request& req) { return html(200, pages::report_form(page_lang(req), {}, {})); });
  r.add(Method::get, "/report/status",
        [](http::Request& req) { return html(200, pages::status_form(page_lang(req), "", false)); });
  r.add(Method::get, "/assets/{name}", [](http::Request& req) {
    const auto* a = pages::public_asset(req.path_params.at("name"));
    if (a == nullptr) return error_html(page_lang(req), 404, "not_found");
    http::Response resp;
    resp.content_type = std::string(a->content_type);
    resp.body = std::string(a->bytes);
    resp.with_header("Cache-Control", "public, max-age=3600");
    return resp;
  });

  r.add(
      Method::post, "/report/status",
      [this](http::Request& req) {
        auto fields = http::parse_urlencoded(req.body);
        Lang lang = page_lang(req);
        if (!fields.ok()) return html(400, pages::status_form(lang, "", true));
        std::string code, secret;
        for (auto& [k, v] : *fields) {
          if (k == "code")
            code = v.substr(0, 64);
          else if (k == "secret")
            secret = v.substr(0, 64);
          else if (k == "lang")
            lang = taxonomy::parse_lang(v);
        }
        if (!public_limiter.take(req.remote_address, "status", platform.config().status_lookups_per_hour)) {
          return error_html(lang, 429, "rate_limited").with_header("Retry-After", "3600");
        }
        auto ctx = pool.acquire();
        auto st = report::status(*ctx->db, report_keys, code, secret);
        if (!st.ok()) {
          if (st.error().code == ErrorCode::not_found) return html(404, pages::status_form(lang, code, true));
          log.error("report status failed",
                    {{"request_id", req.request_id}, {"error", to_string(st.error().code)}});
          return error_html(lang, 500, "server_error");
        }
        pages::StatusView view;
        view.state = report::to_string(st->state);
        view.received_at_unix = unix_seconds(st->received_at);
        view.updated_at_unix = unix_seconds(st->updated_at);
        return html(200, pages::status_page(lang, code, view));
      },
      kStatusBodyLimit);

  const std::uint64_t report_body_limit = platform.config().upload_file_limit_bytes *
                                              std::max<std::uint64_t>(1, platform.config().upload_max_files) +
                                          kFieldsLimit + 1024 * 1024;
  r.add_stream(
      Method::post, "/report",
      [this](http::Request& req, http::BodyReader& body) { return post_report(req, body); },
      report_body_limit);
}

http::Response Api::Impl::post_report(http::Request& req, http::BodyReader& body) {
  const auto& config = platform.config();
  Lang lang = page_lang(req);
  if (!public_limiter.take(req.remote_address, "report", config.report_rate_per_hour)) {
    return error_html(lang, 429, "rate_limited").with_header("Retry-After", "3600");
  }
  auto unit = receiving_unit();
  if (!unit.ok()) {
    log.error("no receiving unit", {{"request_id", req.request_id}});
    return error_html(lang, 503, "server_error");
  }
  const std::string content_type(req.header("content-type").value_or(""));
  TextFields fields;
  std::vector<report::IngestedFile> files;
  std::vector<std::string> file_names;
  std::vector<pages::FileNoteKept> notes;
  bool validated = false;
  std::vector<std::string> bad;

  const auto validate_text = [&]() {
    validated = true;
    if (!fields.lang.empty()) lang = taxonomy::parse_lang(fields.lang);
    bad = report::validate(to_new_report(fields, lang, *unit));
  };

  if (content_type.rfind("application/x-www-form-urlencoded", 0) == 0) {
    std::string text;
    std::array<std::uint8_t, 16 * 1024> buf{};
    for (;;) {
      auto n = body.read(buf);
      if (!n.ok())
        return error_html(lang, n.error().code == ErrorCode::limit_exceeded ? 413 : 400, "upload_incomplete");
      if (*n == 0) break;
      if (text.size() + *n > kFieldsLimit) return error_html(lang, 413, "too_long");
      text.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    auto pairs = http::parse_urlencoded(text);
    if (!pairs.ok()) return error_html(lang, 400, "upload_incomplete");
    for (auto& [k, v] : *pairs) set_field(fields, k, std::move(v));
  } else {
    auto boundary = http::multipart_boundary(content_type);
    if (!boundary.ok()) return error_html(lang, 415, "upload_incomplete");
    http::MultipartParser::Limits limits;
    limits.max_parts = 40 + config.upload_max_files * 4;
    FormReader form(body, *boundary, limits);
    std::size_t text_bytes = 0;
    for (;;) {
      auto part = form.next_part();
      if (!part.ok()) {
        return error_html(lang, part.error().code == ErrorCode::limit_exceeded ? 413 : 400,
                          "upload_incomplete");
      }
      if (!part->has_value()) break;
      const http::PartHeader& h = **part;
      if (!h.filename) {
        auto text = form.read_text(kFieldLimit);
        if (!text.ok()) {
          return error_html(lang, text.error().code == ErrorCode::limit_exceeded ? 413 : 400,
                            "upload_incomplete");
        }
        text_bytes += text->size();
        if (text_bytes > kFieldsLimit) return error_html(lang, 413, "too_long");
        set_field(fields, h.name, std::move(*text));
        continue;
      }
      if (h.name != "files") continue;
      // Browsers send an empty part for a file input left empty.
      if (h.filename->empty()) continue;
      // The text fields come first in the form: check them before taking any file, so that a
      // report that will be refused stores nothing.
      if (!validated) {
        validate_text();
        if (!bad.empty() || !fields.honeypot.empty()) break;
      }
      const std::string name = report::sanitize_file_name(*h.filename);
      if (files.size() >= config.upload_max_files) {
        notes.push_back({name, "too_many_files", false});
        continue;
      }
      auto source = [&form](std::span<std::uint8_t> out) { return form.read(out); };
      auto got = ingest->ingest(source, name, declared_type(h));
      if (const auto& broken = form.body_error()) {
        // The upload itself broke (cut short, malformed, over the limit): nothing is acknowledged.
        return error_html(lang, broken->code == ErrorCode::limit_exceeded ? 413 : 400, "upload_incomplete");
      }
      if (!got.ok()) {
        const auto code = got.error().code;
        if (code == ErrorCode::io || code == ErrorCode::internal || code == ErrorCode::corrupt) {
          // The body is fine, so the vault failed: nothing is acknowledged.
          log.error("evidence ingest failed", {{"request_id", req.request_id}, {"error", to_string(code)}});
          return error_html(lang, 500, "server_error");
        }
        notes.push_back({name,
                         code == ErrorCode::limit_exceeded     ? "file_too_large"
                         : code == ErrorCode::invalid_argument ? "file_empty"
                                                               : "file_type",
                         false});
        continue;
      }
      if (!got->problem.empty()) notes.push_back({name, got->problem, true});
      files.push_back(std::move(*got));
      file_names.push_back(name);
    }
  }
  if (!validated) validate_text();
  if (!fields.honeypot.empty()) {
    // A form robot: it gets a plausible answer and nothing is kept.
    return html(200, pages::receipt_page(lang, report::make_receipt_code(), report::make_secret(), 0, {}));
  }
  if (!bad.empty()) return html(422, pages::report_form(lang, fields.input, form_errors(bad, fields)));

  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const report::NewReport nr = to_new_report(fields, lang, *unit);
  // Custody events of the public's uploads: no actor, and no address (a reporter's address is
  // personal data that the hotline does not keep).
  audit::Event public_event;
  public_event.reason = "web";
  std::optional<report::Receipt> receipt;
  Status s = writer->run([&](store::Connection& tx) -> Status {
    auto created = report::create(tx, report_keys, nr, now);
    if (!created.ok()) return created.error();
    audit::Event e = public_event;
    e.time = now;
    e.action = audit::Action::create;
    e.object_type = "report";
    e.object_id = created->report_id;
    e.fields = {"category", "description", "platform", "links", "accounts", "period", "age_band", "province"};
    if (nr.contact) e.fields.emplace_back("contact");
    auto appended = platform.audit_log().append(tx, e);
    if (!appended.ok()) return appended.error();
    for (std::size_t i = 0; i < files.size(); ++i) {
      auto ev =
          report::record_evidence(tx, platform.audit_log(), created->report_id, files[i], now, public_event);
      if (!ev.ok()) return ev.error();
    }
    receipt = std::move(*created);
    return {};
  });
  if (!s.ok()) {
    if (s.error().code == ErrorCode::invalid_argument) {
      // validate() passed above, so this is a rule only create() checks: show the form again.
      return html(422, pages::report_form(lang, fields.input, {{"category", "bad_choice"}}));
    }
    log.error("report could not be stored",
              {{"request_id", req.request_id}, {"error", to_string(s.error().code)}});
    return error_html(lang, 500, "server_error");
  }
  metrics.add("baove_reports_total", "Reports received from the public form.");
  return html(201, pages::receipt_page(lang, receipt->code, receipt->secret, files.size(), notes));
}

}  // namespace baove::api
