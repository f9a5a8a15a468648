// Reports from the public (web form, Zalo, Facebook, e-mail) and their evidence records.
//
// A member of the public files a NewReport and gets a Receipt: a code that is easy to read aloud
// on the phone ("BV-7K3QM-X9PTA", 50 random bits) and a secret shown once (16 characters, 80
// random bits). With both they follow the report through status(). Staff work the queue through
// list(), get() and set_state(). Evidence files are stored in the vault by report::EvidenceIngest
// (report/ingest.hpp); this header keeps their records.
//
// Storage (component "report", migrate()): tables report_reports and report_evidence, the same SQL
// on SQLite and PostgreSQL. Every function takes the caller's store::Connection; functions that
// write expect the caller's transaction to be open on it (the caller commits, and appends its
// audit event in the same transaction).
//
// Secrets and personal data:
// - report ids and evidence ids are random 128-bit hex, never sequential;
// - the receipt secret is stored only as a keyed BLAKE2b-256 hash (Keys::lookup_key), bound to
//   the report id; the receipt code is stored as is (staff read it back to a caller);
// - contact details (given only when the reporter asks to be called back, with consent) are
//   encrypted at rest with XChaCha20-Poly1305 under Keys::contact_key, bound to the report id;
//   the consent version is kept in the clear beside them;
// - error messages name fields and ids, never the values given (which may be personal data).
//
// Durability order for an intake: the vault object is durable first (EvidenceIngest), then the
// database rows (create(), add_evidence(), committed by the caller), then the receipt is shown.
//
// Thread-safety: free functions with no shared state; a Connection is used by one thread at a
// time (store.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.hpp"
#include "auth/policy.hpp"
#include "report/keys.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::report {

// UTC, microseconds since the Unix epoch (as audit events).
using Timestamp = audit::Timestamp;

// Where a report stands, as the reporter sees it (the page words it plainly).
enum class State { received, in_review, action_taken, closed };
const char* to_string(State s) noexcept;  // "received", "in_review", "action_taken", "closed"
std::optional<State> parse_state(std::string_view s) noexcept;

// The queue's order: urgent (the child is in danger now), high (known material among the
// evidence), normal. Computed, never set by hand: see recompute rules at add_evidence().
enum class Priority { normal = 0, high = 1, urgent = 2 };
const char* to_string(Priority p) noexcept;  // "normal", "high", "urgent"
std::optional<Priority> parse_priority(std::string_view s) noexcept;

// Limits checked by validate(); lengths of text are in Unicode characters.
inline constexpr std::size_t kMaxDescriptionChars = 5000;
inline constexpr std::size_t kMaxLinks = 20;
inline constexpr std::size_t kMaxLinkBytes = 2048;
inline constexpr std::size_t kMaxAccountsChars = 500;
inline constexpr std::size_t kMaxContactFieldChars = 200;
inline constexpr std::size_t kMaxExternalIdBytes = 256;
inline constexpr std::size_t kMaxUnitIdBytes = 64;
inline constexpr std::size_t kMaxEvidencePerReport = 100;
inline constexpr std::size_t kMaxFileNameBytes = 200;

// How to call the reporter back. Stored only with consent, encrypted.
struct ContactDetails {
  std::string name;             // <= 200 characters; may be empty
  std::string phone;            // digits, spaces, + - ( ) . ; 6 to 20 digits; phone or email required
  std::string email;            // one @, no spaces
  std::string preferred_time;   // free text, e.g. "after 18:00"
  bool consent = false;         // must be true: the reporter agreed to be contacted
  std::string consent_version;  // which consent text they agreed to (a short token, required)
  bool operator==(const ContactDetails&) const = default;
};

// A report as the form or a channel adapter hands it in. Keys are taxonomy keys
// (taxonomy/taxonomy.hpp).
struct NewReport {
  std::string channel;                    // channels() key: web, zalo, facebook, email, ... (required)
  std::string category;                   // categories() key (required)
  std::string description;                // UTF-8, <= 5000 characters; newlines and tabs allowed
  std::string platform;                   // platforms() key or ""
  std::vector<std::string> links;         // http/https URLs, <= 2048 bytes each, at most 20
  std::string accounts;                   // accounts or user names involved, <= 500 characters
  std::string period;                     // periods() key or ""
  std::string age_band;                   // age_bands() key or ""
  std::string province;                   // provinces() key or ""
  bool danger_now = false;                // the child is in danger now: priority urgent
  std::optional<ContactDetails> contact;  // only when the reporter asks to be called back
  std::string unit;                       // the receiving unit's id (required)
  std::string external_id;                // the channel's message id; "" for the web form
  std::string language;                   // "vi", "en" or "" (vi)
};

// The names of the fields that are wrong, in form order, for the form to mark each: "channel",
// "category", "description", "platform", "links" (too many), "links[3]" (that link), "accounts",
// "period", "age_band", "province", "contact.name", "contact.phone", "contact.email",
// "contact.preferred_time", "contact.consent", "contact.consent_version", "unit", "external_id",
// "language". Empty when the report may be created.
std::vector<std::string> validate(const NewReport& report);

// A link as stored: surrounding white space removed, "https://" put in front when no scheme is
// given ("www.example.com/x"), scheme and host lower-cased, the default port removed, a bare host
// given the path "/". invalid_argument for anything but http/https (javascript:, data:, file:,
// ...), user names or passwords in the URL, control characters or spaces, an empty or malformed
// host, or more than 2048 bytes. The message never repeats the link.
Result<std::string> normalize_link(std::string_view link);

// What the reporter is given once. `secret` is empty when the report existed already
// (created == false: a channel message seen twice).
struct Receipt {
  std::string report_id;  // 32 hex digits
  std::string code;       // "BV-XXXXX-XXXXX", Crockford base32
  std::string secret;     // "XXXX-XXXX-XXXX-XXXX", Crockford base32; shown only now
  bool created = false;
  Timestamp received_at{};
};

// A receipt code in canonical form ("BV-XXXXX-XXXXX") from what a person typed or said: any case,
// with or without the "BV" prefix, dashes and spaces; O read as 0, I and L as 1 (Crockford).
// nullopt when it cannot be a receipt code.
std::optional<std::string> parse_receipt_code(std::string_view text);

// A fresh random receipt code and secret in their display forms, not stored anywhere (for an
// answer that must look like a receipt, e.g. to a form robot).
std::string make_receipt_code();
std::string make_secret();

// Creates or upgrades the report tables (component "report").
Status migrate(store::Connection& c);

// Creates a report inside the caller's open transaction `tx`. invalid_argument when validate()
// finds anything (the message lists the field names). With a non-empty external_id, a second
// call for the same (channel, external_id) creates nothing and returns the first report's id and
// code with created == false and no secret.
Result<Receipt> create(store::Connection& tx, const Keys& keys, const NewReport& report, Timestamp now);

// What the public status page may show.
struct PublicStatus {
  State state = State::received;
  Timestamp received_at{};
  Timestamp updated_at{};
};

// The message of every failed status() lookup.
inline constexpr std::string_view kNoSuchReport = "no report matches this code and secret";

// The status of the report with this receipt code and secret (each accepted in any case, with
// or without dashes and spaces). A wrong code, a wrong secret and a malformed one all give the
// same not_found error (kNoSuchReport); the secret is compared in constant time. Throttling
// guesses is the caller's job.
Result<PublicStatus> status(store::Connection& c, const Keys& keys, std::string_view code,
                            std::string_view secret);

// A report as staff see it.
struct Report {
  std::string id;
  std::string code;
  std::string channel;
  std::string external_id;
  std::string category;
  std::string description;
  std::string platform;
  std::vector<std::string> links;
  std::string accounts;
  std::string period;
  std::string age_band;
  std::string province;
  bool danger_now = false;
  std::optional<ContactDetails> contact;  // decrypted
  std::string unit;                       // unit_id: the receiving unit
  std::string owner;                      // owner_id: the staff member working it, or ""
  std::string language;
  State state = State::received;
  Priority priority = Priority::normal;
  Timestamp received_at{};
  Timestamp updated_at{};
  std::int64_t evidence_count = 0;  // stored (not destroyed) evidence files
};

// The full report, contact details decrypted. not_found for an unknown id; corrupt (naming the
// report id) when the contact details do not decrypt with these keys.
Result<Report> get(store::Connection& c, const Keys& keys, std::string_view report_id);

// The id of the report with this receipt code (for staff taking a call), not_found otherwise.
Result<std::string> find_by_code(store::Connection& c, std::string_view code);

// A row of the queue.
struct ReportSummary {
  std::string id;
  std::string code;
  std::string channel;
  std::string category;
  std::string platform;
  bool danger_now = false;
  bool has_contact = false;
  std::string unit;
  std::string owner;
  State state = State::received;
  Priority priority = Priority::normal;
  Timestamp received_at{};
  Timestamp updated_at{};
  std::int64_t evidence_count = 0;
  std::string age_band;  // the child's, as the reporter gave it ("" unknown)
};

struct ListFilter {
  // Required: which rows the principal may see, from
  //   auth::sql_filter(principal, auth::Action::list, auth::ResourceType::report)
  // (placeholders numbered from $1, columns unit_id and owner_id). Its text becomes part of the
  // SQL: never build it from request input. An empty `where` is refused.
  auth::SqlFilter access;
  std::optional<State> state;
  std::optional<std::string> unit;  // only reports received by this unit
  std::optional<Priority> min_priority;
  std::size_t limit = 100;  // 1..1000
  std::size_t offset = 0;
};

// The reports the filter keeps, by priority (urgent first), then oldest received first, then id.
// invalid_argument for an empty access filter or a limit out of range.
Result<std::vector<ReportSummary>> list(store::Connection& c, const ListFilter& filter);

// ---- The counsellors' queue ----

// Reports waiting for a counsellor (state received) inside `access`, most urgent first: priority
// (urgent: a child in danger now; high: known material matched), then the child's age band
// (youngest first, in taxonomy::age_bands() order; unknown last), then the longest waiting, then
// id. `total` counts every waiting report inside `access`, not only the page.
struct QueuePage {
  std::int64_t total = 0;
  std::vector<ReportSummary> items;
};
// invalid_argument for an empty access filter or a limit outside 1..1000.
Result<QueuePage> queue(store::Connection& c, const auth::SqlFilter& access, std::size_t limit = 100,
                        std::size_t offset = 0);

// Takes a waiting report for `user` (sets owner_id) so that no other counsellor takes it too; the
// check and the change are one statement, so of two counsellors racing exactly one wins. Taking a
// report one already holds succeeds. not_found for an unknown report; conflict when another user
// holds it or it is no longer waiting (state other than received).
Status claim(store::Connection& tx, std::string_view report_id, std::string_view user, Timestamp now);
// Gives a held report back to the queue (owner_id ""). Releasing a report nobody holds succeeds.
// `user` empty releases whoever holds it (a supervisor's decision, checked by the caller); otherwise
// conflict when another user holds it. not_found for an unknown report.
Status release(store::Connection& tx, std::string_view report_id, std::string_view user, Timestamp now);

// Moves a report to `state` (any state to any other) and sets its update time. not_found for an
// unknown id.
Status set_state(store::Connection& tx, std::string_view report_id, State state, Timestamp now);
// Sets the staff member working the report (`owner_id`, what auth's "own" scope checks); "" to
// clear. not_found for an unknown id.
Status set_owner(store::Connection& tx, std::string_view report_id, std::string_view owner, Timestamp now);

// ---- Evidence records ----

enum class EvidenceState { stored, destroyed };
const char* to_string(EvidenceState s) noexcept;  // "stored", "destroyed"

// Why a file is known material: the best trusted match (a digest match first, else the closest PDQ
// match of quality >= 50).
struct MatchSummary {
  std::string bank;            // the bank's name
  std::int64_t entry_id = 0;   // the bank entry
  int distance = 0;            // PDQ Hamming distance; 0 for a digest match
  std::string signal;          // "pdq", "md5", "sha1", "sha256"
  std::string classification;  // "scheme:label" or ""
  bool operator==(const MatchSummary&) const = default;
};

// What is known about one stored file, as EvidenceIngest finds it (everything but the row's own
// id, report and state).
struct EvidenceFile {
  std::string sha256;  // = its vault id (64 hex)
  std::uint64_t size = 0;
  std::string md5;                    // 32 hex
  std::string sha1;                   // 40 hex
  std::string pdq;                    // 64 hex, or "" when not an image or not decodable
  int pdq_quality = -1;               // 0..100, -1 when there is no PDQ
  std::string media_type;             // sniffed from the content: "image/jpeg", "video/mp4", ...,
                                      // "application/octet-stream" when unknown
  std::string declared_type;          // the type the uploader's client claimed, normalised ("" none)
  std::string original_name;          // sanitize_file_name() of the uploaded name; may be ""
  bool type_mismatch = false;         // the declared type or the name's extension claims another type
  bool archive = false;               // zip, rar, 7z, gzip, ...: stored, never previewed
  bool executable = false;            // a program or script: stored, never previewed
  std::string problem;                // for the person looking at it: "" or "corrupt_image",
                                      // "unsupported_image", "image_too_large", "match_failed",
                                      // "preview_failed"
  bool known = false;                 // matched known material: never rendered, no previews
  std::optional<MatchSummary> match;  // set when known
  std::string preview_blurred;        // vault id of the blurred greyscale preview (PNG), or ""
  std::string preview_clear;          // vault id of the unblurred preview, or ""
};

struct Evidence : EvidenceFile {
  std::string id;  // 32 hex digits, random
  std::string report_id;
  EvidenceState state = EvidenceState::stored;
  Timestamp received_at{};
  std::optional<Timestamp> destroyed_at;
};

// The uploaded file name reduced to something safe to show and store: the part after the last
// '/' or '\\', invalid UTF-8 and control characters removed, surrounding spaces and dots trimmed,
// cut to at most 200 bytes on a character boundary. "" when nothing is left.
std::string sanitize_file_name(std::string_view name);

// Adds an evidence record to the report inside `tx` and recomputes the report's priority:
// urgent when danger_now, else high when any of its evidence is known material, else normal.
// Known material never keeps preview ids (they are dropped). not_found for an unknown report,
// invalid_argument for malformed digests or ids, limit_exceeded past kMaxEvidencePerReport.
Result<Evidence> add_evidence(store::Connection& tx, std::string_view report_id, const EvidenceFile& file,
                              Timestamp now);
// A report's evidence (destroyed ones too), oldest first.
Result<std::vector<Evidence>> list_evidence(store::Connection& c, std::string_view report_id);
// not_found for an unknown id.
Result<Evidence> get_evidence(store::Connection& c, std::string_view evidence_id);

// Marks the evidence destroyed inside `tx` and returns the vault ids (content and previews) that
// no stored evidence refers to any more: after committing, the caller destroys those objects
// (vault::Vault::destroy). A crash in between leaves ciphertext nothing refers to, which
// unreferenced() finds. not_found for an unknown id, conflict when destroyed already.
Result<std::vector<std::string>> mark_destroyed(store::Connection& tx, std::string_view evidence_id,
                                                Timestamp now);

// Marks stored evidence as known material after the fact (a bank learnt it later): sets the match,
// drops its preview ids, raises the report's priority, and returns the preview ids no stored
// evidence refers to any more, for the caller to destroy after committing. not_found for an
// unknown id.
Result<std::vector<std::string>> mark_known(store::Connection& tx, std::string_view evidence_id,
                                            const MatchSummary& match, Timestamp now);

// Those of `vault_ids` that no stored evidence record refers to (as content or preview), in the
// order given: what a sweep may destroy among objects this module put into the vault.
Result<std::vector<std::string>> unreferenced(store::Connection& c, std::span<const std::string> vault_ids);

}  // namespace baove::report
