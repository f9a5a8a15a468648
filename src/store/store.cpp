// Row accessors, open() by URL, Transaction, and URL redaction.
#include <cstdio>
#include <cstdlib>

#include "store/engines.hpp"
#include "store/store.hpp"

namespace baove::store {
namespace {

const char* type_name(const Value& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return "integer";
    case 2:
      return "real";
    case 3:
      return "text";
    default:
      return "blob";
  }
}

[[noreturn]] void misuse(const char* accessor, std::size_t i, const Value& v) {
  std::fprintf(stderr, "baove::store::Row::%s(%zu): the column holds %s\n", accessor, i, type_name(v));
  std::abort();
}

const Value& column(const std::vector<Value>& values, std::size_t i, const char* accessor) {
  if (i >= values.size()) {
    std::fprintf(stderr, "baove::store::Row::%s(%zu): the row has %zu columns\n", accessor, i, values.size());
    std::abort();
  }
  return values[i];
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

std::int64_t Row::integer(std::size_t i) const {
  const Value& v = column(values_, i, "integer");
  if (const auto* p = std::get_if<std::int64_t>(&v)) return *p;
  misuse("integer", i, v);
}

double Row::real(std::size_t i) const {
  const Value& v = column(values_, i, "real");
  if (const auto* p = std::get_if<double>(&v)) return *p;
  if (const auto* p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  misuse("real", i, v);
}

const std::string& Row::text(std::size_t i) const {
  const Value& v = column(values_, i, "text");
  if (const auto* p = std::get_if<std::string>(&v)) return *p;
  misuse("text", i, v);
}

Blob Row::blob(std::size_t i) const {
  const Value& v = column(values_, i, "blob");
  if (const auto* p = std::get_if<Blob>(&v)) return *p;
  if (const auto* p = std::get_if<std::string>(&v)) return Blob(p->begin(), p->end());
  misuse("blob", i, v);
}

std::optional<std::int64_t> Row::opt_integer(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return integer(i);
}

std::optional<std::string> Row::opt_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

Result<std::unique_ptr<Connection>> open(const std::string& url) {
  if (starts_with(url, "sqlite:")) {
    std::string path = url.substr(7);
    if (path.empty()) return make_error(ErrorCode::invalid_argument, "database URL 'sqlite:' names no file");
    return detail::open_sqlite(path);
  }
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://"))
    return detail::open_postgresql(url);
  return make_error(ErrorCode::invalid_argument,
                    "database URL must start with sqlite:, postgresql:// or postgres:// (got '" +
                        redact_url(url.substr(0, 40)) + "')");
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  // userinfo password: scheme://user:PASSWORD@host
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    std::size_t start = scheme + 3;
    std::size_t end = out.find_first_of("/?#", start);
    if (end == std::string::npos) end = out.size();
    std::size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      std::size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // query parameter: ?password=... or &password=...
  for (std::size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
    if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&' && out[pos - 1] != ' ') {
      pos += 9;
      continue;
    }
    std::size_t value = pos + 9;
    std::size_t end = out.find_first_of("& #", value);
    if (end == std::string::npos) end = out.size();
    out.replace(value, end - value, "***");
    pos = value + 3;
  }
  return out;
}

Transaction::Transaction(Connection& c)
    : c_(c),
      nested_(c.in_transaction()),
      started_(nested_ ? c.exec_script("SAVEPOINT baove_nested") : c.begin()) {}

Transaction::~Transaction() {
  if (!started_.ok() || done_) return;
  if (nested_) {
    (void)c_.exec_script("ROLLBACK TO SAVEPOINT baove_nested; RELEASE SAVEPOINT baove_nested");
  } else {
    (void)c_.rollback();
  }
}

Status Transaction::commit() {
  if (!started_.ok()) return started_.error();
  if (done_) return make_error(ErrorCode::internal, "transaction already committed");
  Status s = nested_ ? c_.exec_script("RELEASE SAVEPOINT baove_nested") : c_.commit();
  if (s.ok()) done_ = true;
  return s;
}

namespace detail {

Status check_text_param(std::string_view text, std::size_t number) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  auto bad = [number](const char* what) {
    return make_error(ErrorCode::invalid_argument, "text parameter $" + std::to_string(number) + " " + what);
  };
  for (std::size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == 0) return bad("contains a NUL character (use a blob)");
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return bad("is not valid UTF-8");
    }
    if (i + len > n) return bad("is not valid UTF-8");
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char cc = p[i + k];
      if ((cc & 0xC0u) != 0x80u) return bad("is not valid UTF-8");
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return bad("is not valid UTF-8");
    }
    i += len;
  }
  return {};
}

}  // namespace detail
}  // namespace baove::store
