// The public report pages: server-rendered HTML for a child, a parent or any member of the public
// who reports harm to a child online, follows a report, or just needs to know how to reach the
// hotline 111. Every page works without JavaScript; /assets/report.js only enhances the form
// (upload progress, file checks, a character counter, copy buttons).
//
// Contract:
// - Every page is a complete UTF-8 HTML document in Vietnamese or English (the <html lang>
//   attribute says which) with a viewport meta tag, a skip link to <main id="main">, header/main/
//   footer landmarks, exactly one <h1>, a link to the other language, and the banner telling a
//   child in danger now to call 111 (a tel:111 link).
// - Pages load only /assets/report.css and /assets/report.js: no inline script, no inline style,
//   no on* attributes, no third-party resource, so they run under a Content-Security-Policy of
//   "default-src 'self'" with no 'unsafe-inline'.
// - Everything the person entered (and every code, file name and key passed in) is HTML-escaped
//   for both text and attribute contexts; an unknown key for a list (category, platform, ...) is
//   echoed as "nothing chosen".
// - Times are shown in Asia/Ho_Chi_Minh (UTC+7, no daylight saving) as dd/mm/yyyy HH:MM.
// - Pure functions of their arguments: thread-safe, no I/O, never throw except std::bad_alloc.
//
// The report form (report_form) posts multipart/form-data to POST /report with the fields
//   category (radio, one of taxonomy::categories() keys; required), description (textarea),
//   platform, period, age_band, province (selects; "" = not chosen), links (textarea, one per
//   line), accounts (textarea), danger_now, wants_callback, consent (checkboxes, value "1"),
//   contact_name, contact_phone, contact_email, contact_time (text), files (file input, multiple),
//   website (honeypot: must arrive empty), lang ("vi" | "en", hidden).
// The status form (status_form) posts application/x-www-form-urlencoded to POST /report/status
//   with code, secret, lang.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "taxonomy/taxonomy.hpp"

namespace baove::api::pages {

using taxonomy::Lang;

// Limits the pages state and report.js checks before sending (the server checks them again).
inline constexpr std::size_t kMaxFiles = 10;
inline constexpr std::uint64_t kMaxFileBytes = 2ull * 1024 * 1024 * 1024;  // 2 GiB per file
inline constexpr std::size_t kDescriptionMaxChars = 5000;                  // Unicode code points
inline constexpr std::size_t kMaxLinks = 20;

// What the person entered, echoed back when the form is shown again.
struct FormInput {
  std::string category, description, platform, links /*one per line*/, accounts, period, age_band, province;
  bool danger_now = false, wants_callback = false, consent = false;
  std::string contact_name, contact_phone, contact_email, contact_time;
};

// One problem with the submitted form. `field` is a form field name (category, description,
// platform, links, accounts, period, age_band, province, danger_now, wants_callback, contact_name,
// contact_phone, contact_email, contact_time, consent, files) or "" for the whole form.
// message_key is one of: required, too_long, bad_choice, bad_link, too_many_links,
// consent_required, contact_required, file_too_large, file_empty, file_type, file_corrupt,
// too_many_files, upload_incomplete, rate_limited, server_error (an unknown key shows a generic
// message).
struct FieldError {
  std::string field;
  std::string message_key;
};
// A file with a problem (message_key as above).
struct FileNote {
  std::string name;
  std::string message_key;
};
// A file with a problem; `kept` says whether it was stored anyway (file_corrupt: kept for staff).
struct FileNoteKept {
  std::string name;
  std::string message_key;
  bool kept;
};
// What the public may see of a report: state is received | in_review | action_taken | closed.
struct StatusView {
  std::string state;
  std::int64_t received_at_unix;
  std::int64_t updated_at_unix;
};

// GET / : what Baove is, the 111 banner, links to report and to follow a report.
std::string home_page(Lang lang);
// GET /report, and shown again (status 400/422) when POST /report has errors: an error summary
// (role=alert, one link per field error) at the top of <main>, and each field with an error marked
// aria-invalid="true" and aria-describedby its message. Files are never echoed: when there are
// errors the page asks to choose them again.
std::string report_form(Lang lang, const FormInput& in, const std::vector<FieldError>& errors);
// POST /report success: the receipt code and secret, large and copyable; says the secret is shown
// only this once. When `notes` is not empty, lists those files (names escaped) with their message
// and whether they were kept, and says the rest of the report was kept. Send it with
// Cache-Control: no-store.
std::string receipt_page(Lang lang, std::string_view code, std::string_view secret, std::size_t files_kept,
                         const std::vector<FileNoteKept>& notes);
// GET /report/status (code may be prefilled from ?code=), and shown again when POST /report/status
// finds no report for that code and secret (not_found = true).
std::string status_form(Lang lang, std::string_view code, bool not_found);
// POST /report/status success: the state in plain words and the times.
std::string status_page(Lang lang, std::string_view code, const StatusView& s);
// A friendly page for an HTTP error (404, 413, 429, 500, ...). message_key is one of the keys
// above or "not_found"; "" (or an unknown key) picks a message from http_status.
std::string error_page(Lang lang, int http_status, std::string_view message_key);

// The files served under /assets/ (web/public, embedded at build time).
struct PublicAsset {
  std::string_view name, bytes, content_type;
};
// "report.css", "report.js" -> the file; nullptr for any other name.
const PublicAsset* public_asset(std::string_view name);
// Every embedded file.
std::span<const PublicAsset> public_assets();

}  // namespace baove::api::pages
