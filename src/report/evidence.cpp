// Evidence records: one row per stored file of a report.
#include <algorithm>

#include "report/internal.hpp"
#include "report/report.hpp"
#include "vault/vault.hpp"

namespace baove::report {
namespace {

using detail::from_micros;
using detail::micros;
using store::Value;

constexpr std::string_view kEvidenceColumns =
    "id, report_id, sha256, size, md5, sha1, pdq, pdq_quality, media_type, declared_type, original_name, "
    "type_mismatch, archive, executable, problem, known, match_bank, match_entry, match_distance, "
    "match_signal, "
    "match_classification, preview_blurred, preview_clear, state, received_us, destroyed_us";

Evidence evidence_from(const store::Row& row) {
  Evidence e;
  e.id = row.text(0);
  e.report_id = row.text(1);
  e.sha256 = row.text(2);
  e.size = static_cast<std::uint64_t>(row.integer(3));
  e.md5 = row.text(4);
  e.sha1 = row.text(5);
  e.pdq = row.text(6);
  e.pdq_quality = static_cast<int>(row.integer(7));
  e.media_type = row.text(8);
  e.declared_type = row.text(9);
  e.original_name = row.text(10);
  e.type_mismatch = row.integer(11) != 0;
  e.archive = row.integer(12) != 0;
  e.executable = row.integer(13) != 0;
  e.problem = row.text(14);
  e.known = row.integer(15) != 0;
  if (!row.is_null(16)) {
    MatchSummary m;
    m.bank = row.text(16);
    m.entry_id = row.opt_integer(17).value_or(0);
    m.distance = static_cast<int>(row.opt_integer(18).value_or(0));
    m.signal = row.opt_text(19).value_or("");
    m.classification = row.opt_text(20).value_or("");
    e.match = std::move(m);
  }
  e.preview_blurred = row.text(21);
  e.preview_clear = row.text(22);
  e.state = row.text(23) == "destroyed" ? EvidenceState::destroyed : EvidenceState::stored;
  e.received_at = from_micros(row.integer(24));
  if (auto d = row.opt_integer(25)) e.destroyed_at = from_micros(*d);
  return e;
}

// A short ASCII token such as a media type ("image/jpeg") or a problem code.
bool is_token(std::string_view s, std::size_t max) {
  if (s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '+' || c == '-' ||
           c == '_';
  });
}

Status check_file(const EvidenceFile& f) {
  auto bad = [](const char* field) {
    return make_error(ErrorCode::invalid_argument, std::string("evidence: malformed ") + field);
  };
  if (!vault::valid_id(f.sha256)) return bad("sha256");
  if (!detail::is_lower_hex(f.md5, 32)) return bad("md5");
  if (!detail::is_lower_hex(f.sha1, 40)) return bad("sha1");
  if (!f.pdq.empty() && !detail::is_lower_hex(f.pdq, 64)) return bad("pdq");
  if (f.pdq_quality < -1 || f.pdq_quality > 100 || (f.pdq.empty() != (f.pdq_quality == -1)))
    return bad("pdq_quality");
  if (f.media_type.empty() || !is_token(f.media_type, 100)) return bad("media_type");
  if (!is_token(f.declared_type, 100)) return bad("declared_type");
  if (!is_token(f.problem, 64)) return bad("problem");
  if (!f.preview_blurred.empty() && !vault::valid_id(f.preview_blurred)) return bad("preview_blurred");
  if (!f.preview_clear.empty() && !vault::valid_id(f.preview_clear)) return bad("preview_clear");
  if (f.match) {
    if (!detail::text_chars(f.match->bank, false) || f.match->bank.size() > 200) return bad("match.bank");
    if (!is_token(f.match->signal, 16)) return bad("match.signal");
    if (!detail::text_chars(f.match->classification, false) || f.match->classification.size() > 200)
      return bad("match.classification");
  }
  if (f.size > static_cast<std::uint64_t>(INT64_MAX)) return bad("size");
  return {};
}

// Recomputes the report's priority from its own flag and its evidence.
Status recompute_priority(store::Connection& tx, std::string_view report_id, Timestamp now) {
  std::vector<Value> params{std::string(report_id), micros(now)};
  auto r = tx.execute(
      "UPDATE report_reports SET priority = CASE WHEN danger_now <> 0 THEN 2 WHEN EXISTS (SELECT 1 FROM "
      "report_evidence WHERE report_evidence.report_id = $1 AND report_evidence.known <> 0) THEN 1 ELSE 0 "
      "END, "
      "updated_us = $2 WHERE id = $1",
      params);
  if (!r) return r.error();
  return {};
}

// Whether any stored evidence refers to `id` as its content or a preview.
Result<bool> referenced(store::Connection& c, const std::string& id) {
  std::vector<Value> params{id};
  auto rows = c.query(
      "SELECT 1 FROM report_evidence WHERE state = 'stored' AND (sha256 = $1 OR preview_blurred = $1 OR "
      "preview_clear = $1) LIMIT 1",
      params);
  if (!rows) return rows.error();
  return !rows->empty();
}

// Of `ids` (empty ones skipped, each once), those no stored evidence refers to.
Result<std::vector<std::string>> free_ids(store::Connection& c, std::vector<std::string> ids) {
  std::vector<std::string> out;
  for (auto& id : ids) {
    if (id.empty() || std::find(out.begin(), out.end(), id) != out.end()) continue;
    auto r = referenced(c, id);
    if (!r) return r.error();
    if (!*r) out.push_back(std::move(id));
  }
  return out;
}

}  // namespace

const char* to_string(EvidenceState s) noexcept {
  return s == EvidenceState::stored ? "stored" : "destroyed";
}

std::string sanitize_file_name(std::string_view name) {
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    char32_t cp = 0;
    const std::size_t len = detail::utf8_next(name, i, cp);
    if (len == 0) {
      ++i;  // an invalid byte is dropped
      continue;
    }
    const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 ||
                         cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
                         (cp >= 0x2066 && cp <= 0x2069);  // bidi overrides
    if (!control) {
      if (out.size() + len > kMaxFileNameBytes) break;
      out.append(name.substr(i, len));
    }
    i += len;
  }
  auto trim = [](char c) { return c == ' ' || c == '.'; };
  while (!out.empty() && trim(out.back())) out.pop_back();
  std::size_t lead = 0;
  while (lead < out.size() && trim(out[lead])) ++lead;
  return out.substr(lead);
}

Result<Evidence> add_evidence(store::Connection& tx, std::string_view report_id, const EvidenceFile& file,
                              Timestamp now) {
  BAOVE_TRY(check_file(file));
  std::vector<Value> id_param{std::string(report_id)};
  auto count = tx.query(
      "SELECT (SELECT COUNT(*) FROM report_evidence WHERE report_id = $1 AND state = 'stored') FROM "
      "report_reports "
      "WHERE id = $1",
      id_param);
  if (!count) return count.error();
  if (count->empty()) return make_error(ErrorCode::not_found, "no report " + std::string(report_id));
  if (static_cast<std::size_t>((*count)[0].integer(0)) >= kMaxEvidencePerReport)
    return make_error(ErrorCode::limit_exceeded, "report " + std::string(report_id) + " has " +
                                                     std::to_string(kMaxEvidencePerReport) +
                                                     " files already");
  Evidence e;
  static_cast<EvidenceFile&>(e) = file;
  e.original_name = sanitize_file_name(file.original_name);
  if (e.known) {
    e.preview_blurred.clear();  // known material is never rendered
    e.preview_clear.clear();
  } else {
    e.match.reset();
  }
  e.id = detail::random_hex(16);
  e.report_id = std::string(report_id);
  e.state = EvidenceState::stored;
  e.received_at = now;
  Value bank, entry, distance, signal, classification;
  if (e.match) {
    bank = e.match->bank;
    entry = e.match->entry_id;
    distance = std::int64_t{e.match->distance};
    signal = e.match->signal;
    classification = e.match->classification;
  }
  std::vector<Value> params{e.id,
                            e.report_id,
                            e.sha256,
                            static_cast<std::int64_t>(e.size),
                            e.md5,
                            e.sha1,
                            e.pdq,
                            std::int64_t{e.pdq_quality},
                            e.media_type,
                            e.declared_type,
                            e.original_name,
                            std::int64_t{e.type_mismatch ? 1 : 0},
                            std::int64_t{e.archive ? 1 : 0},
                            std::int64_t{e.executable ? 1 : 0},
                            e.problem,
                            std::int64_t{e.known ? 1 : 0},
                            bank,
                            entry,
                            distance,
                            signal,
                            classification,
                            e.preview_blurred,
                            e.preview_clear,
                            std::string("stored"),
                            micros(now)};
  auto r = tx.execute("INSERT INTO report_evidence (" +
                          std::string(kEvidenceColumns.substr(0, kEvidenceColumns.rfind(','))) +
                          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
                          "$17, $18, $19, $20, "
                          "$21, $22, $23, $24, $25)",
                      params);
  if (!r) return r.error();
  BAOVE_TRY(recompute_priority(tx, report_id, now));
  return e;
}

Result<std::vector<Evidence>> list_evidence(store::Connection& c, std::string_view report_id) {
  std::vector<Value> params{std::string(report_id)};
  auto rows = c.query("SELECT " + std::string(kEvidenceColumns) +
                          " FROM report_evidence WHERE report_id = $1 ORDER BY received_us, id",
                      params);
  if (!rows) return rows.error();
  std::vector<Evidence> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back(evidence_from(row));
  return out;
}

Result<Evidence> get_evidence(store::Connection& c, std::string_view evidence_id) {
  std::vector<Value> params{std::string(evidence_id)};
  auto rows =
      c.query("SELECT " + std::string(kEvidenceColumns) + " FROM report_evidence WHERE id = $1", params);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::not_found, "no evidence " + std::string(evidence_id));
  return evidence_from((*rows)[0]);
}

Result<std::vector<std::string>> mark_destroyed(store::Connection& tx, std::string_view evidence_id,
                                                Timestamp now) {
  auto e = get_evidence(tx, evidence_id);
  if (!e) return e.error();
  if (e->state == EvidenceState::destroyed)
    return make_error(ErrorCode::conflict, "evidence " + std::string(evidence_id) + " is destroyed already");
  std::vector<Value> params{micros(now), std::string(evidence_id)};
  auto r = tx.execute(
      "UPDATE report_evidence SET state = 'destroyed', destroyed_us = $1 WHERE id = $2 AND state = 'stored'",
      params);
  if (!r) return r.error();
  if (*r != 1)
    return make_error(ErrorCode::conflict, "evidence " + std::string(evidence_id) + " is destroyed already");
  std::vector<Value> touch{micros(now), e->report_id};
  auto t = tx.execute("UPDATE report_reports SET updated_us = $1 WHERE id = $2", touch);
  if (!t) return t.error();
  return free_ids(tx, {e->sha256, e->preview_blurred, e->preview_clear});
}

Result<std::vector<std::string>> mark_known(store::Connection& tx, std::string_view evidence_id,
                                            const MatchSummary& match, Timestamp now) {
  auto e = get_evidence(tx, evidence_id);
  if (!e) return e.error();
  EvidenceFile check = *e;
  check.match = match;
  BAOVE_TRY(check_file(check));
  std::vector<Value> params{match.bank,   match.entry_id,       std::int64_t{match.distance},
                            match.signal, match.classification, std::string(evidence_id)};
  auto r = tx.execute(
      "UPDATE report_evidence SET known = 1, match_bank = $1, match_entry = $2, match_distance = $3, "
      "match_signal = $4, match_classification = $5, preview_blurred = '', preview_clear = '' WHERE id = $6",
      params);
  if (!r) return r.error();
  BAOVE_TRY(recompute_priority(tx, e->report_id, now));
  return free_ids(tx, {e->preview_blurred, e->preview_clear});
}

Result<std::vector<std::string>> unreferenced(store::Connection& c, std::span<const std::string> vault_ids) {
  std::vector<std::string> out;
  for (const auto& id : vault_ids) {
    auto r = referenced(c, id);
    if (!r) return r.error();
    if (!*r) out.push_back(id);
  }
  return out;
}

}  // namespace baove::report
