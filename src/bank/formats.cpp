// Import and export of hash lists: plain lines, ThreatExchange CSV, Project VIC VICS JSON,
// NCMEC/IWF hash lists.
#include "bank/formats.hpp"

#include <charconv>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "bank/text_reader.hpp"

namespace baove::bank {

namespace {

using detail::CsvReader;
using detail::LineReader;
using detail::ReadStatus;
using json = nlohmann::json;

constexpr std::string_view kTeHeader = "signal_type,signal_str,collab,category,tags";
constexpr std::size_t kMaxJsonElementBytes = 16 << 20;
constexpr std::size_t kMaxJsonDepth = 32;

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool is_hex_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Splits on runs of spaces and tabs.
std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i == s.size()) break;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// A value, possibly quoted, shown in an error (shortened, control characters replaced).
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (s.size() > 40) out += "...";
  return "'" + out + "'";
}

std::optional<SignalType> type_by_length(std::size_t n) {
  if (n == 32) return SignalType::md5;
  if (n == 40) return SignalType::sha1;
  return std::nullopt;
}

// The type and canonical value of a bare hex value under the given default type.
Result<std::pair<SignalType, std::string>> typed_value(std::string_view hex, std::optional<SignalType> type,
                                                       bool sixty_four_is_sha256) {
  SignalType t;
  if (type) {
    t = *type;
  } else if (auto by_len = type_by_length(hex.size())) {
    t = *by_len;
  } else if (hex.size() == 64) {
    if (!sixty_four_is_sha256) {
      return make_error(ErrorCode::invalid_argument,
                        "a 64-digit value may be sha256 or pdq: write '<type> <hex>' or give --type");
    }
    t = SignalType::sha256;
  } else {
    for (std::size_t i = 0; i < hex.size(); ++i) {
      if (!is_hex_char(hex[i])) {
        return make_error(ErrorCode::invalid_argument, "bad hex character " + shown(hex.substr(i, 1)) +
                                                           " at position " + std::to_string(i + 1));
      }
    }
    return make_error(ErrorCode::invalid_argument,
                      "a value of " + std::to_string(hex.size()) +
                          " hex digits is none of md5 (32), sha1 (40), sha256 or "
                          "pdq (64)");
  }
  auto v = canonical_value(t, hex);
  if (!v) return v.error();
  return std::pair{t, std::move(*v)};
}

Error unknown_type(std::string_view name) {
  return make_error(ErrorCode::invalid_argument,
                    "unknown signal type " + shown(name) + " (expected pdq, md5, sha1 or sha256)");
}

NewEntry base_entry(const ParseOptions& o) {
  NewEntry e;
  e.classification = o.classification;
  e.source = o.source;
  return e;
}

std::string line_where(std::size_t n) { return "line " + std::to_string(n); }

Status too_long_issue(const IssueFn& on_invalid, std::size_t line, std::size_t max) {
  return on_invalid(ParseIssue{line_where(line), "longer than " + std::to_string(max) + " bytes"});
}

// ---- plain ----

Status parse_plain(std::istream& in, const ParseOptions& o, const EntryFn& on_entry,
                   const IssueFn& on_invalid) {
  LineReader reader(in, o.max_line_bytes);
  std::string line;
  NewEntry e = base_entry(o);  // reused: only type and value change from line to line
  for (;;) {
    auto st = reader.next(line);
    if (!st) return st.error().with_context(line_where(reader.line_number() + 1));
    if (*st == ReadStatus::end) return {};
    const std::size_t n = reader.line_number();
    if (*st == ReadStatus::too_long) {
      BAOVE_TRY(too_long_issue(on_invalid, n, o.max_line_bytes));
      continue;
    }
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    const auto parts = split_ws(t);
    Result<std::pair<SignalType, std::string>> v = make_error(ErrorCode::invalid_argument, "");
    if (parts.size() == 1) {
      v = typed_value(parts[0], o.type, false);
    } else if (parts.size() == 2) {
      const auto type = parse_signal_type(parts[0]);
      if (!type) {
        v = unknown_type(parts[0]);
      } else {
        auto c = canonical_value(*type, parts[1]);
        if (c) {
          v = std::pair{*type, std::move(*c)};
        } else {
          v = c.error();
        }
      }
    } else {
      v = make_error(ErrorCode::invalid_argument, "expected '<hex>' or '<type> <hex>'");
    }
    if (!v) {
      BAOVE_TRY(on_invalid(ParseIssue{line_where(n), v.error().message}));
      continue;
    }
    e.type = v->first;
    e.value = std::move(v->second);
    BAOVE_TRY(on_entry(e, line_where(n)));
  }
}

// ---- hashlist ----

Status parse_hashlist(std::istream& in, const ParseOptions& o, const EntryFn& on_entry,
                      const IssueFn& on_invalid) {
  LineReader reader(in, o.max_line_bytes);
  std::string line;
  NewEntry e = base_entry(o);  // reused: only type and value change from line to line
  bool seen_value = false;
  for (;;) {
    auto st = reader.next(line);
    if (!st) return st.error().with_context(line_where(reader.line_number() + 1));
    if (*st == ReadStatus::end) return {};
    const std::size_t n = reader.line_number();
    if (*st == ReadStatus::too_long) {
      BAOVE_TRY(too_long_issue(on_invalid, n, o.max_line_bytes));
      continue;
    }
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    std::string_view first = trim(t.substr(0, t.find(',')));
    if (first.size() >= 2 && first.front() == '"' && first.back() == '"') {
      first = trim(first.substr(1, first.size() - 2));
    }
    if (!seen_value) {
      // A header names its columns ("MD5", "Hash", "md5,category"): letters past 'f'.
      bool header = first.empty();
      for (char c : first) {
        if (!is_hex_char(c)) header = true;
      }
      if (header) continue;
    }
    seen_value = true;
    auto v = typed_value(first, o.type, true);
    if (!v) {
      BAOVE_TRY(on_invalid(ParseIssue{line_where(n), v.error().message}));
      continue;
    }
    e.type = v->first;
    e.value = std::move(v->second);
    BAOVE_TRY(on_entry(e, line_where(n)));
  }
}

// ---- ThreatExchange CSV ----

std::optional<SignalType> te_signal_type(std::string_view name) {
  const std::string l = lower(trim(name));
  if (l == "video_md5" || l == "photo_md5") return SignalType::md5;
  return parse_signal_type(l);
}

Status parse_te_csv(std::istream& in, const ParseOptions& o, const EntryFn& on_entry,
                    const IssueFn& on_invalid) {
  CsvReader reader(in, o.max_line_bytes);
  std::vector<std::string> fields;
  std::string why;
  // The header: the first record.
  int col_type = -1, col_value = -1, col_collab = -1, col_category = -1, col_tags = -1;
  for (;;) {
    auto st = reader.next(fields, why);
    if (!st) return st.error();
    if (*st == ReadStatus::end) {
      return make_error(ErrorCode::invalid_argument,
                        "te-csv: empty input, expected the header " + std::string(kTeHeader));
    }
    if (*st == ReadStatus::record && fields.size() == 1 && trim(fields[0]).empty()) continue;
    if (*st != ReadStatus::record) {
      return make_error(
          ErrorCode::invalid_argument,
          line_where(reader.line_number()) + ": unreadable header (expected " + std::string(kTeHeader) + ")");
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::string name = lower(trim(fields[i]));
      const int idx = static_cast<int>(i);
      if (name == "signal_type") col_type = idx;
      if (name == "signal_str") col_value = idx;
      if (name == "collab") col_collab = idx;
      if (name == "category") col_category = idx;
      if (name == "tags") col_tags = idx;
    }
    if (col_type < 0 || col_value < 0) {
      return make_error(ErrorCode::invalid_argument, line_where(reader.line_number()) +
                                                         ": expected the header " + std::string(kTeHeader) +
                                                         ", got " + shown(fields.empty() ? "" : fields[0]));
    }
    break;
  }
  auto field = [&](int col) -> std::string_view {
    if (col < 0 || static_cast<std::size_t>(col) >= fields.size()) return {};
    return trim(fields[static_cast<std::size_t>(col)]);
  };
  for (;;) {
    auto st = reader.next(fields, why);
    if (!st) return st.error();
    if (*st == ReadStatus::end) return {};
    const std::size_t n = reader.line_number();
    if (*st == ReadStatus::too_long) {
      BAOVE_TRY(too_long_issue(on_invalid, n, o.max_line_bytes));
      continue;
    }
    if (*st == ReadStatus::malformed) {
      BAOVE_TRY(on_invalid(ParseIssue{line_where(n), why}));
      continue;
    }
    if (fields.size() == 1 && trim(fields[0]).empty()) continue;
    const auto type = te_signal_type(field(col_type));
    if (!type) {
      BAOVE_TRY(on_invalid(ParseIssue{line_where(n), unknown_type(field(col_type)).message}));
      continue;
    }
    auto value = canonical_value(*type, field(col_value));
    if (!value) {
      BAOVE_TRY(on_invalid(ParseIssue{line_where(n), value.error().message}));
      continue;
    }
    NewEntry e = base_entry(o);
    e.type = *type;
    e.value = std::move(*value);
    if (!field(col_collab).empty()) e.source.list = std::string(field(col_collab));
    if (!field(col_category).empty()) e.classification = {"threatexchange", std::string(field(col_category))};
    e.note = std::string(field(col_tags));
    BAOVE_TRY(on_entry(e, line_where(n)));
  }
}

// ---- VICS JSON ----

// Streams a VICS document: builds one element of the top-level "value" array at a time.
class VicsSax final : public nlohmann::json_sax<json> {
 public:
  using Element = std::function<bool(json& element, std::size_t index)>;
  using Bad = std::function<bool(std::size_t index, const std::string& reason)>;

  VicsSax(Element on_element, Bad on_bad) : on_element_(std::move(on_element)), on_bad_(std::move(on_bad)) {}

  bool null() override { return scalar(json(nullptr)); }
  bool boolean(bool v) override { return scalar(json(v)); }
  bool number_integer(number_integer_t v) override { return scalar(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return scalar(json(v)); }
  bool string(string_t& v) override {
    bytes_ += v.size();
    return scalar(json(std::move(v)));
  }
  bool binary(binary_t&) override { return scalar(json(nullptr)); }

  bool start_object(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    if (depth_ == 1) top_key_ = k;
    if (capturing_ && !overflow_) {
      bytes_ += k.size() + 16;
      key_ = std::move(k);
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    std::string msg = ex.what();
    const auto p = msg.find("] ");
    if (p != std::string::npos) msg = msg.substr(p + 2);
    fatal_ = "JSON syntax error (byte " + std::to_string(position) + "): " + msg;
    return false;
  }

  bool saw_value() const { return saw_value_; }
  const std::string& fatal() const { return fatal_; }

 private:
  bool fail(std::string why) {
    fatal_ = std::move(why);
    return false;
  }

  bool open(bool object) {
    if (depth_ == 0 && !object) return fail("VICS: the top level must be a JSON object");
    ++depth_;
    if (depth_ == 2 && top_key_ == "value") {
      if (object) return fail("VICS: \"value\" must be an array");
      if (saw_value_) return fail("VICS: \"value\" appears twice");
      saw_value_ = true;
      in_value_ = true;
      return true;
    }
    if (in_value_ && depth_ == 3) {
      if (!object) {
        ++index_;
        overflow_ = true;  // reported as "not an object" at its end
        capturing_ = true;
        not_object_ = true;
        return true;
      }
      capturing_ = true;
      overflow_ = false;
      not_object_ = false;
      bytes_ = 0;
      root_ = json::object();
      stack_.assign(1, &root_);
      return true;
    }
    if (capturing_ && !overflow_) {
      if (stack_.size() >= kMaxJsonDepth) {
        overflow_ = true;
        overflow_reason_ = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
        return true;
      }
      json* child = insert(object ? json::object() : json::array());
      if (child == nullptr) return true;
      stack_.push_back(child);
    }
    return true;
  }

  bool close() {
    if (capturing_ && depth_ == 3) {
      capturing_ = false;
      --depth_;
      if (not_object_) {
        not_object_ = false;
        overflow_ = false;
        return on_bad_(index_ - 1, "not a JSON object");
      }
      const std::size_t idx = index_++;
      if (overflow_) {
        overflow_ = false;
        return on_bad_(idx, overflow_reason_);
      }
      stack_.clear();
      json element = std::move(root_);
      root_ = json();
      return on_element_(element, idx);
    }
    if (capturing_ && !overflow_ && stack_.size() > 1) stack_.pop_back();
    if (in_value_ && depth_ == 2) in_value_ = false;
    --depth_;
    return true;
  }

  bool scalar(json v) {
    if (in_value_ && depth_ == 2) {
      // A scalar element of "value".
      return on_bad_(index_++, "not a JSON object");
    }
    if (capturing_ && !overflow_) insert(std::move(v));
    return true;
  }

  // Adds `v` to the container being built; returns it, or nullptr once over the size limit.
  json* insert(json v) {
    bytes_ += 16;
    if (bytes_ > kMaxJsonElementBytes) {
      overflow_ = true;
      overflow_reason_ = "element larger than " + std::to_string(kMaxJsonElementBytes >> 20) + " MiB";
      return nullptr;
    }
    json* top = stack_.back();
    if (top->is_object()) {
      json& slot = (*top)[key_];
      slot = std::move(v);
      return &slot;
    }
    top->push_back(std::move(v));
    return &top->back();
  }

  Element on_element_;
  Bad on_bad_;
  std::size_t depth_ = 0;
  std::string top_key_;
  bool in_value_ = false;
  bool saw_value_ = false;
  bool capturing_ = false;
  bool overflow_ = false;
  bool not_object_ = false;
  std::string overflow_reason_;
  std::size_t index_ = 0;
  std::size_t bytes_ = 0;
  std::string key_;
  json root_;
  std::vector<json*> stack_;
  std::string fatal_;
};

// A scalar identifier or category as text: numbers and strings; errors for anything else.
Result<std::string> id_text(const json& v, const char* field) {
  if (v.is_null()) return std::string();
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_string()) {
    const std::string s(trim(v.get_ref<const std::string&>()));
    if (s.size() > 200) return make_error(ErrorCode::invalid_argument, std::string(field) + " is too long");
    return s;
  }
  return make_error(ErrorCode::invalid_argument, std::string(field) + " must be a number or a string");
}

// Reads one VICS media object into entries (all or none).
Result<std::vector<NewEntry>> vics_media(const json& m, const ParseOptions& o) {
  if (!m.is_object()) return make_error(ErrorCode::invalid_argument, "not a JSON object");
  NewEntry base = base_entry(o);
  if (auto it = m.find("MediaID"); it != m.end()) {
    auto id = id_text(*it, "MediaID");
    if (!id) return id.error();
    if (!id->empty()) base.source.id = *id;
  }
  if (auto it = m.find("Category"); it != m.end()) {
    auto c = id_text(*it, "Category");
    if (!c) return c.error();
    if (!c->empty()) base.classification = {"projectvic", *c};
  }
  std::vector<NewEntry> out;
  static constexpr std::pair<const char*, SignalType> kFields[] = {
      {"MD5", SignalType::md5}, {"SHA1", SignalType::sha1}, {"SHA256", SignalType::sha256}};
  for (const auto& [name, type] : kFields) {
    auto it = m.find(name);
    if (it == m.end() || it->is_null()) continue;
    if (!it->is_string())
      return make_error(ErrorCode::invalid_argument, std::string(name) + " must be a string");
    const std::string_view hex = trim(it->get_ref<const std::string&>());
    if (hex.empty()) continue;
    auto v = canonical_value(type, hex);
    if (!v) return v.error().with_context(name);
    NewEntry e = base;
    e.type = type;
    e.value = std::move(*v);
    out.push_back(std::move(e));
  }
  if (out.empty()) return make_error(ErrorCode::invalid_argument, "no MD5, SHA1 or SHA256");
  return out;
}

Status parse_vics(std::istream& in, const ParseOptions& o, const EntryFn& on_entry,
                  const IssueFn& on_invalid) {
  Status stop;  // the callback error that stopped parsing, if any
  auto emit = [&](const json& media, const std::string& where) -> bool {
    auto entries = vics_media(media, o);
    if (!entries) {
      Status s = on_invalid(ParseIssue{where, entries.error().message});
      if (!s) stop = s;
      return s.ok();
    }
    for (const NewEntry& e : *entries) {
      Status s = on_entry(e, where);
      if (!s) {
        stop = s;
        return false;
      }
    }
    return true;
  };
  VicsSax sax(
      [&](json& element, std::size_t index) -> bool {
        const std::string where = "value[" + std::to_string(index) + "]";
        auto media = element.find("Media");
        if (media == element.end()) return emit(element, where);
        if (!media->is_array()) {
          Status s = on_invalid(ParseIssue{where + ".Media", "must be an array"});
          if (!s) stop = s;
          return s.ok();
        }
        for (std::size_t j = 0; j < media->size(); ++j) {
          if (!emit((*media)[j], where + ".Media[" + std::to_string(j) + "]")) return false;
        }
        return true;
      },
      [&](std::size_t index, const std::string& reason) -> bool {
        Status s = on_invalid(ParseIssue{"value[" + std::to_string(index) + "]", reason});
        if (!s) stop = s;
        return s.ok();
      });
  const bool ok = json::sax_parse(in, &sax, json::input_format_t::json, true);
  if (!stop) return stop;
  if (!ok || !sax.fatal().empty()) {
    if (in.bad()) return make_error(ErrorCode::io, "read error");
    return make_error(ErrorCode::invalid_argument,
                      sax.fatal().empty() ? "VICS: unreadable JSON" : sax.fatal());
  }
  if (!sax.saw_value()) return make_error(ErrorCode::invalid_argument, "VICS: no \"value\" array");
  return {};
}

// ---- export helpers ----

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos &&
      (s.empty() || (s.front() != ' ' && s.back() != ' '))) {
    return std::string(s);
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

json id_json(const std::string& s) {
  if (all_digits(s)) {
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    if (std::to_string(v) == s) return json(v);
  }
  return json(s);
}

}  // namespace

const char* to_string(Format format) noexcept {
  switch (format) {
    case Format::plain:
      return "plain";
    case Format::te_csv:
      return "te-csv";
    case Format::vics:
      return "vics";
    case Format::hashlist:
      return "hashlist";
  }
  return "unknown";
}

std::optional<Format> parse_format(std::string_view name) noexcept {
  for (Format f : {Format::plain, Format::te_csv, Format::vics, Format::hashlist}) {
    if (name == to_string(f)) return f;
  }
  return std::nullopt;
}

Status parse_entries(Format format, std::istream& in, const ParseOptions& options, const EntryFn& on_entry,
                     const IssueFn& on_invalid) {
  switch (format) {
    case Format::plain:
      return parse_plain(in, options, on_entry, on_invalid);
    case Format::te_csv:
      return parse_te_csv(in, options, on_entry, on_invalid);
    case Format::vics:
      return parse_vics(in, options, on_entry, on_invalid);
    case Format::hashlist:
      return parse_hashlist(in, options, on_entry, on_invalid);
  }
  return make_error(ErrorCode::unsupported, "unknown format");
}

Result<ImportReport> import_entries(BankStore& store, std::int64_t bank_id, std::istream& in,
                                    const ImportOptions& options) {
  auto batch = store.begin_batch(bank_id);
  if (!batch) return batch.error();
  ImportReport report;
  Status parsed = parse_entries(
      options.format, in, options.parse,
      [&](const NewEntry& e, const std::string& where) -> Status {
        auto r = (*batch)->add(e);
        if (!r) return r.error().with_context(where);
        ++(r->added ? report.added : report.duplicates);
        return {};
      },
      [&](const ParseIssue& issue) -> Status {
        if (!options.skip_invalid) return make_error(ErrorCode::invalid_argument, issue.to_string());
        ++report.skipped;
        if (options.on_skipped) options.on_skipped(issue);
        return {};
      });
  if (!parsed) return parsed.error();  // the batch rolls back
  BAOVE_TRY((*batch)->commit());
  return report;
}

Result<ExportReport> export_entries(BankStore& store, std::int64_t bank_id, Format format, std::ostream& out,
                                    const ExportOptions& options) {
  auto bank = store.get_bank(bank_id);
  if (!bank) return bank.error();
  ExportReport report;
  json pending;  // vics: the media object being assembled
  bool first_media = true;
  auto flush_media = [&]() {
    if (pending.is_null()) return;
    out << (first_media ? "\n  " : ",\n  ") << pending.dump(-1, ' ', false, json::error_handler_t::replace);
    first_media = false;
    pending = json();
  };
  switch (format) {
    case Format::plain:
      out << "# baove bank " << bank->name << "\n";
      break;
    case Format::te_csv:
      out << kTeHeader << "\n";
      break;
    case Format::vics:
      out << "{\"@odata.context\": "
             "\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media\",\n"
             "\"value\": [";
      break;
    case Format::hashlist:
      break;
  }
  Status s = store.for_each_entry(bank_id, [&](const Entry& e) -> Status {
    if (e.disabled && !options.include_disabled) {
      ++report.skipped;
      return {};
    }
    switch (format) {
      case Format::plain:
        out << to_string(e.type) << ' ' << e.value << '\n';
        break;
      case Format::te_csv: {
        const std::string category = e.classification.scheme == "threatexchange"
                                         ? e.classification.label
                                         : e.classification.to_string();
        out << to_string(e.type) << ',' << e.value << ',' << csv_field(e.source.list) << ','
            << csv_field(category) << ',' << csv_field(e.note) << '\n';
        break;
      }
      case Format::vics: {
        if (e.type != SignalType::md5 && e.type != SignalType::sha1) {
          ++report.skipped;
          return {};
        }
        const char* field = e.type == SignalType::md5 ? "MD5" : "SHA1";
        const bool projectvic = e.classification.scheme == "projectvic";
        // An md5 and a sha1 of the same media (same id and category) share one object.
        const bool joins =
            !pending.is_null() && !e.source.id.empty() && !pending.contains(field) &&
            pending.value("MediaID", json()) == id_json(e.source.id) &&
            pending.value("Category", json()) == (projectvic ? id_json(e.classification.label) : json());
        if (!joins) {
          flush_media();
          pending = json::object();
          if (!e.source.id.empty()) pending["MediaID"] = id_json(e.source.id);
          if (projectvic) pending["Category"] = id_json(e.classification.label);
        }
        pending[field] = upper(e.value);
        break;
      }
      case Format::hashlist:
        if (e.type == SignalType::pdq) {
          ++report.skipped;
          return {};
        }
        out << e.value << '\n';
        break;
    }
    ++report.written;
    if (!out) return make_error(ErrorCode::io, "write error");
    return {};
  });
  if (!s) return s.error();
  if (format == Format::vics) {
    flush_media();
    out << "\n]}\n";
  }
  out.flush();
  if (!out) return make_error(ErrorCode::io, "write error");
  return report;
}

Result<std::optional<QueryLine>> parse_query_line(std::string_view line) {
  const std::string_view t = trim(line);
  if (t.empty() || t.front() == '#') return std::optional<QueryLine>();
  QueryLine q;
  if (t.find(',') != std::string_view::npos) {
    // hash,quality[,path] as `baove hash` prints.
    const auto c1 = t.find(',');
    const std::string_view hex = trim(t.substr(0, c1));
    std::string_view rest = t.substr(c1 + 1);
    const auto c2 = rest.find(',');
    const std::string_view qual = trim(rest.substr(0, c2));
    const std::string_view path = c2 == std::string_view::npos ? std::string_view() : rest.substr(c2 + 1);
    auto v = canonical_value(SignalType::pdq, hex);
    if (!v) return v.error();
    int quality = -1;
    const auto [p, ec] = std::from_chars(qual.data(), qual.data() + qual.size(), quality);
    if (ec != std::errc() || p != qual.data() + qual.size() || quality < 0 || quality > 100) {
      return make_error(ErrorCode::invalid_argument,
                        "quality must be a number from 0 to 100, got " + shown(qual));
    }
    q.values.emplace_back(SignalType::pdq, *v);
    q.quality = quality;
    q.label = path.empty() ? *v : std::string(path);
    return std::optional<QueryLine>(std::move(q));
  }
  const auto parts = split_ws(t);
  if (parts.size() == 2) {
    const auto type = parse_signal_type(parts[0]);
    if (!type) return unknown_type(parts[0]);
    auto v = canonical_value(*type, parts[1]);
    if (!v) return v.error();
    q.values.emplace_back(*type, *v);
    q.label = *v;
  } else if (parts.size() == 1) {
    if (parts[0].size() == 64) {
      auto v = canonical_value(SignalType::pdq, parts[0]);
      if (!v) return v.error();
      q.values.emplace_back(SignalType::pdq, *v);
      q.values.emplace_back(SignalType::sha256, *v);
      q.label = *v;
    } else {
      auto v = typed_value(parts[0], std::nullopt, true);
      if (!v) return v.error();
      q.label = v->second;
      q.values.push_back(std::move(*v));
    }
  } else {
    return make_error(ErrorCode::invalid_argument, "expected '<hex>', '<type> <hex>' or 'hash,quality,path'");
  }
  return std::optional<QueryLine>(std::move(q));
}

}  // namespace baove::bank
