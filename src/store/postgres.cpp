// The PostgreSQL engine: libpq, statements prepared once per connection (keyed by SQL text and
// parameter types), integers/reals/blobs sent in binary, results read in text form and typed by
// column OID.
#include <libpq-fe.h>

#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <list>
#include <unordered_map>

#include "store/engines.hpp"

namespace baove::store::detail {
namespace {

// Type OIDs (catalog/pg_type_d.h, which libpq-dev does not ship; these never change).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

constexpr std::size_t kStatementCacheSize = 128;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

ErrorCode map_sqlstate(std::string_view state) {
  if (state == "23505") return ErrorCode::conflict;
  if (state == "3D000") return ErrorCode::not_found;
  if (state == "XX001" || state == "XX002") return ErrorCode::corrupt;
  std::string_view cls = state.substr(0, 2);
  if (cls == "22" || cls == "23" || cls == "42" || cls == "2B" || cls == "44")
    return ErrorCode::invalid_argument;
  if (cls == "0A") return ErrorCode::unsupported;
  if (cls == "54") return ErrorCode::limit_exceeded;
  if (cls == "08" || cls == "28" || cls == "40" || cls == "53" || cls == "55" || cls == "57" || cls == "58") {
    return ErrorCode::io;
  }
  return ErrorCode::internal;
}

// Data exceptions (class 22) quote the offending input ('invalid input syntax for type integer:
// "abc"'), which may be a bound value: drop quoted text and byte dumps from them.
std::string redact_values(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '"') {
      std::size_t close = message.find('"', i + 1);
      out += "\"(value)\"";
      if (close == std::string_view::npos) break;
      i = close;
    } else if (message.substr(i, 2) == "0x") {
      out += "(bytes)";
      while (i + 1 < message.size() && message[i + 1] != ',' && message[i + 1] != ';') ++i;
    } else {
      out += message[i];
    }
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Error result_error(PGconn* conn, const PGresult* res) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (state == nullptr || primary == nullptr) {
    // A client-side failure (lost connection, protocol error): libpq's own message.
    return make_error(ErrorCode::io, "postgresql: " + trim(PQerrorMessage(conn)));
  }
  std::string_view sqlstate(state);
  std::string message = sqlstate.substr(0, 2) == "22" ? redact_values(primary) : std::string(primary);
  return make_error(map_sqlstate(sqlstate),
                    "postgresql: " + message + " (SQLSTATE " + std::string(sqlstate) + ")");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Every spelling of the passwords in `url` (userinfo and password= parameters, raw and
// percent-decoded), so that they can be removed from libpq's messages.
std::vector<std::string> passwords_in(std::string_view url) {
  std::vector<std::string> out;
  std::string redacted = redact_url(url);
  // Compare the URL with its redaction: each "***" stands for one password.
  std::size_t u = 0;
  std::size_t r = 0;
  while (u < url.size() && r < redacted.size()) {
    if (url[u] == redacted[r]) {
      ++u;
      ++r;
      continue;
    }
    if (redacted.compare(r, 3, "***") != 0) break;
    std::size_t end = url.find_first_of("@&# ", u);
    if (end == std::string_view::npos) end = url.size();
    out.emplace_back(url.substr(u, end - u));
    u = end;
    r += 3;
  }
  std::size_t n = out.size();
  for (std::size_t i = 0; i < n; ++i) out.push_back(percent_decode(out[i]));
  return out;
}

std::string strip_passwords(std::string message, std::string_view url) {
  for (const std::string& p : passwords_in(url)) {
    if (p.empty() || p == "***") continue;
    for (std::size_t pos = 0; (pos = message.find(p, pos)) != std::string::npos; pos += 3)
      message.replace(pos, p.size(), "***");
  }
  return message;
}

void put_be64(char* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xFFu);
    v >>= 8;
  }
}

Result<Value> parse_value(Oid type, const char* text, int length) {
  const char* end = text + length;
  switch (type) {
    case kBoolOid:
      return Value{std::int64_t{length > 0 && text[0] == 't' ? 1 : 0}};
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(text, end, v);
      if (ec != std::errc() || p != end) break;
      return Value{v};
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double v = 0;
      auto [p, ec] = std::from_chars(text, end, v);
      if (ec == std::errc::result_out_of_range) return Value{v};  // numeric beyond double: best effort
      if (ec != std::errc() || p != end) break;
      return Value{v};
    }
    case kByteaOid: {
      std::size_t n = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
      if (raw == nullptr) return make_error(ErrorCode::internal, "postgresql: out of memory decoding bytea");
      Blob b(raw, raw + n);
      PQfreemem(raw);
      return Value{std::move(b)};
    }
    default:
      return Value{std::string(text, static_cast<std::size_t>(length))};
  }
  return make_error(ErrorCode::corrupt, "postgresql: unreadable value of type " + std::to_string(type));
}

struct Prepared {
  std::string name;
  int parameters = 0;  // as the server counts them
};

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Engine engine() const override { return Engine::postgresql; }

  Status exec_script(std::string_view sql) override {
    BAOVE_TRY(ensure_connected());
    std::string text(sql);
    PgResult res(PQexec(conn_, text.c_str()));
    sync_transaction_state();
    ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
      return result_error(conn_, res.get());
    }
    return {};
  }

  Result<std::vector<Row>> query(std::string_view sql, std::span<const Value> params) override {
    auto res = run(sql, params);
    if (!res.ok()) return res.error();
    PGresult* r = res->get();
    const int nrows = PQntuples(r);
    const int ncols = PQnfields(r);
    std::vector<Row> rows;
    rows.reserve(static_cast<std::size_t>(nrows));
    for (int i = 0; i < nrows; ++i) {
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(r, i, c) != 0) {
          values.emplace_back(std::monostate{});
          continue;
        }
        auto v = parse_value(PQftype(r, c), PQgetvalue(r, i, c), PQgetlength(r, i, c));
        if (!v.ok()) return v.error();
        values.push_back(std::move(*v));
      }
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) override {
    auto res = run(sql, params);
    if (!res.ok()) return res.error();
    std::string_view count(PQcmdTuples(res->get()));
    std::int64_t n = 0;
    if (!count.empty()) std::from_chars(count.data(), count.data() + count.size(), n);
    return n;
  }

  bool in_transaction() const override {
    const PGTransactionStatusType t = PQtransactionStatus(conn_);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
  }

  Status begin() override {
    BAOVE_TRY(simple("BEGIN"));
    return {};
  }

  Status commit() override {
    auto res = simple("COMMIT");
    if (!res.ok()) return res.error();
    // COMMIT of a transaction in which a statement failed rolls back and says so.
    if (std::strcmp(PQcmdStatus(res->get()), "ROLLBACK") == 0) {
      return make_error(ErrorCode::invalid_argument,
                        "postgresql: transaction rolled back because a statement in it failed");
    }
    return {};
  }

  Status rollback() override {
    if (PQstatus(conn_) == CONNECTION_BAD) {
      in_transaction_ = false;  // the server dropped the transaction with the connection
      return {};
    }
    BAOVE_TRY(simple("ROLLBACK"));
    return {};
  }

 private:
  using Lru = std::list<std::pair<std::string, Prepared>>;

  void sync_transaction_state() {
    PGTransactionStatusType t = PQtransactionStatus(conn_);
    if (t == PQTRANS_IDLE) in_transaction_ = false;
    if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR) in_transaction_ = true;
  }

  // Reconnects a dropped connection between transactions; inside one, reports the loss.
  Status ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return {};
    if (in_transaction_) {
      return make_error(ErrorCode::io, "postgresql: connection lost inside a transaction (rolled back)");
    }
    lru_.clear();
    index_.clear();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return make_error(ErrorCode::io, "postgresql: connection lost: " + trim(PQerrorMessage(conn_)));
    }
    return {};
  }

  Result<PgResult> simple(const char* sql) {
    BAOVE_TRY(ensure_connected());
    PgResult res(PQexec(conn_, sql));
    sync_transaction_state();
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return result_error(conn_, res.get());
    return res;
  }

  Result<PgResult> run(std::string_view sql, std::span<const Value> params) {
    BAOVE_TRY(ensure_connected());
    const std::size_t n = params.size();
    if (n > 65535) return make_error(ErrorCode::limit_exceeded, "postgresql: more than 65535 parameters");
    types_.assign(n, 0);
    values_.assign(n, nullptr);
    lengths_.assign(n, 0);
    formats_.assign(n, 0);
    scalars_.resize(n);
    static constexpr char kEmpty[1] = {0};
    // The cache key: SQL text, then the parameter types (a statement is prepared with them).
    key_.assign(sql);
    key_ += '\0';
    for (std::size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      switch (v.index()) {
        case 0:
          key_ += 'n';
          break;
        case 1:
          types_[i] = kInt8Oid;
          put_be64(scalars_[i].data(), static_cast<std::uint64_t>(std::get<std::int64_t>(v)));
          values_[i] = scalars_[i].data();
          lengths_[i] = 8;
          formats_[i] = 1;
          key_ += 'i';
          break;
        case 2:
          types_[i] = kFloat8Oid;
          put_be64(scalars_[i].data(), std::bit_cast<std::uint64_t>(std::get<double>(v)));
          values_[i] = scalars_[i].data();
          lengths_[i] = 8;
          formats_[i] = 1;
          key_ += 'r';
          break;
        case 3: {
          const std::string& t = std::get<std::string>(v);
          BAOVE_TRY(check_text_param(t, i + 1));
          values_[i] = t.c_str();  // text format: NUL-terminated, type inferred by the server
          key_ += 't';
          break;
        }
        default: {
          const Blob& b = std::get<Blob>(v);
          if (b.size() > 0x7FFFFFFF)
            return make_error(ErrorCode::limit_exceeded, "postgresql: blob over 2 GiB");
          types_[i] = kByteaOid;
          values_[i] = b.empty() ? kEmpty : reinterpret_cast<const char*>(b.data());
          lengths_[i] = static_cast<int>(b.size());
          formats_[i] = 1;
          key_ += 'b';
          break;
        }
      }
    }
    for (int attempt = 0;; ++attempt) {
      auto prepared = prepare(sql);
      if (!prepared.ok()) return prepared.error();
      if (static_cast<std::size_t>((*prepared)->parameters) != n) {
        return make_error(ErrorCode::invalid_argument, "postgresql: statement takes " +
                                                           std::to_string((*prepared)->parameters) +
                                                           " parameters, " + std::to_string(n) + " given");
      }
      PgResult res(PQexecPrepared(conn_, (*prepared)->name.c_str(), static_cast<int>(n), values_.data(),
                                  lengths_.data(), formats_.data(), 0));
      sync_transaction_state();
      ExecStatusType st = PQresultStatus(res.get());
      if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
      // A table changed shape under a prepared statement: prepare afresh (outside a transaction,
      // which the failure would have aborted).
      const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
      if (attempt == 0 && state != nullptr && std::strcmp(state, "0A000") == 0) {
        forget(key_);
        if (!in_transaction_) continue;
      }
      return result_error(conn_, res.get());
    }
  }

  void forget(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    PgResult(PQexec(conn_, ("DEALLOCATE " + it->second->second.name).c_str()));
    lru_.erase(it->second);
    index_.erase(it);
  }

  // The prepared statement for key_ (SQL text and parameter types).
  Result<const Prepared*> prepare(std::string_view sql) {
    if (auto it = index_.find(key_); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return &it->second->second;
    }
    std::string name = "baove_" + std::to_string(next_id_++);
    std::string text(sql);
    PgResult res(
        PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types_.size()), types_.data()));
    sync_transaction_state();
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return result_error(conn_, res.get());
    PgResult described(PQdescribePrepared(conn_, name.c_str()));
    if (PQresultStatus(described.get()) != PGRES_COMMAND_OK) return result_error(conn_, described.get());
    if (lru_.size() >= kStatementCacheSize) forget(lru_.back().first);
    lru_.emplace_front(key_, Prepared{name, PQnparams(described.get())});
    index_.emplace(key_, lru_.begin());
    return &lru_.front().second;
  }

  PGconn* conn_;
  bool in_transaction_ = false;
  std::uint64_t next_id_ = 1;
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> index_;
  // Scratch space for one call's parameters, kept to avoid allocating per statement.
  std::string key_;
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<std::array<char, 8>> scalars_;
};

void ignore_notice(void*, const char*) {}

}  // namespace

Result<std::unique_ptr<Connection>> open_postgresql(const std::string& url) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    std::string message = parse_error != nullptr ? trim(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return make_error(ErrorCode::invalid_argument, "postgresql: bad connection URL " + redact_url(url) +
                                                       ": " + strip_passwords(message, url));
  }
  PQconninfoFree(options);
  // connect_timeout comes before the URL so that the URL can override it.
  const char* keys[] = {"connect_timeout", "dbname", "client_encoding", "fallback_application_name", nullptr};
  const char* values[] = {"10", url.c_str(), "UTF8", "baove", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) return make_error(ErrorCode::internal, "postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = strip_passwords(trim(PQerrorMessage(conn)), url);
    PQfinish(conn);
    return make_error(ErrorCode::io, "postgresql: cannot connect to " + redact_url(url) + ": " + message);
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return std::unique_ptr<Connection>(std::make_unique<PgConnection>(conn));
}

}  // namespace baove::store::detail
