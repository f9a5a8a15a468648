// Contacts: schema, validation, storing (one or many), reading and the counsellors' searches.
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "hotline/internal.hpp"
#include "taxonomy/taxonomy.hpp"
#include "util/hex.hpp"

namespace baove::hotline {
namespace {

using detail::micros;
using store::Value;

// SQLite keeps contacts clustered by start time (WITHOUT ROWID, primary key (start_us, id)), so
// that a period is one contiguous range; PostgreSQL has a heap table with an index on start_us.
// The notes, accounts and report links live in tables of their own so the contact rows stay small.
// "categories" is a bit mask (category_bit()). The statistics read the recorded contacts (a few
// percent of all) from the partial index hotline_contacts_recorded alone, which holds every
// column they need.
constexpr store::Migration kMigrations[] = {
    {1, "hotline contacts", R"SQL(
CREATE TABLE hotline_contacts (
  id TEXT NOT NULL,
  start_us BIGINT NOT NULL,
  duration_s BIGINT NOT NULL,
  channel TEXT NOT NULL,
  unit_id TEXT NOT NULL,
  owner_id TEXT,
  recorded BIGINT NOT NULL CHECK (recorded IN (0, 1)),
  age_band TEXT,
  gender TEXT,
  province TEXT,
  categories BIGINT NOT NULL,
  indepth BIGINT NOT NULL CHECK (indepth IN (0, 1)),
  outcome TEXT,
  clip_notices BIGINT NOT NULL,
  phone_hash BLOB,
  created_us BIGINT NOT NULL,
  PRIMARY KEY (start_us, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX hotline_contacts_id ON hotline_contacts (id);
CREATE INDEX hotline_contacts_unit ON hotline_contacts (unit_id, start_us);
CREATE INDEX hotline_contacts_phone ON hotline_contacts (phone_hash) WHERE phone_hash IS NOT NULL;
CREATE INDEX hotline_contacts_recorded ON hotline_contacts (start_us, unit_id, categories, indepth, outcome,
  clip_notices, province, age_band, gender) WHERE recorded = 1;
CREATE TABLE hotline_contact_notes (
  contact_id TEXT PRIMARY KEY REFERENCES hotline_contacts (id),
  sealed BLOB NOT NULL
);
CREATE TABLE hotline_contact_accounts (
  account_hash BLOB NOT NULL,
  contact_id TEXT NOT NULL REFERENCES hotline_contacts (id),
  PRIMARY KEY (account_hash, contact_id)
);
CREATE INDEX hotline_contact_accounts_contact ON hotline_contact_accounts (contact_id);
CREATE TABLE hotline_contact_reports (
  contact_id TEXT NOT NULL REFERENCES hotline_contacts (id),
  report_id TEXT NOT NULL,
  PRIMARY KEY (contact_id, report_id)
);
)SQL",
     R"SQL(
CREATE TABLE hotline_contacts (
  id TEXT PRIMARY KEY,
  start_us BIGINT NOT NULL,
  duration_s BIGINT NOT NULL,
  channel TEXT NOT NULL,
  unit_id TEXT NOT NULL,
  owner_id TEXT,
  recorded BIGINT NOT NULL CHECK (recorded IN (0, 1)),
  age_band TEXT,
  gender TEXT,
  province TEXT,
  categories BIGINT NOT NULL,
  indepth BIGINT NOT NULL CHECK (indepth IN (0, 1)),
  outcome TEXT,
  clip_notices BIGINT NOT NULL,
  phone_hash BYTEA,
  created_us BIGINT NOT NULL
);
CREATE INDEX hotline_contacts_start ON hotline_contacts (start_us);
CREATE INDEX hotline_contacts_unit ON hotline_contacts (unit_id, start_us);
CREATE INDEX hotline_contacts_phone ON hotline_contacts (phone_hash) WHERE phone_hash IS NOT NULL;
CREATE INDEX hotline_contacts_recorded ON hotline_contacts (start_us, unit_id, categories, indepth, outcome,
  clip_notices, province, age_band, gender) WHERE recorded = 1;
CREATE TABLE hotline_contact_notes (
  contact_id TEXT PRIMARY KEY REFERENCES hotline_contacts (id),
  sealed BYTEA NOT NULL
);
CREATE TABLE hotline_contact_accounts (
  account_hash BYTEA NOT NULL,
  contact_id TEXT NOT NULL REFERENCES hotline_contacts (id),
  PRIMARY KEY (account_hash, contact_id)
);
CREATE INDEX hotline_contact_accounts_contact ON hotline_contact_accounts (contact_id);
CREATE TABLE hotline_contact_reports (
  contact_id TEXT NOT NULL REFERENCES hotline_contacts (id),
  report_id TEXT NOT NULL,
  PRIMARY KEY (contact_id, report_id)
);
)SQL"},
};

// 9999-12-31T23:59:59Z: the latest start accepted.
constexpr std::int64_t kMaxStartUs = 253402300799000000;
// Rows per INSERT statement. SQLite's parser spends time quadratic in the number of placeholders:
// 32 rows (512 parameters) there. PostgreSQL takes each column as one array parameter.
constexpr std::size_t kSqliteBatchRows = 32;
constexpr std::size_t kPgBatchRows = 5000;
// Ids per query when reading linked reports.
constexpr std::size_t kIdsPerQuery = 500;
constexpr std::uint8_t kSealVersion = 1;

Error invalid(const std::string& message) { return make_error(ErrorCode::invalid_argument, message); }

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdLength) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
           ch == '_' || ch == ':' || ch == '-';
  });
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((b & 0xE0) == 0xC0) {
      n = 1;
      cp = b & 0x1Fu;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2;
      cp = b & 0x0Fu;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3;
      cp = b & 0x07u;
    } else {
      return false;
    }
    if (n >= s.size() - i) return false;  // truncated
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;  // overlong or beyond Unicode
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogates
    i += n + 1;
  }
  return true;
}

bool key_or_empty(std::span<const taxonomy::Term> list, std::string_view key) {
  return key.empty() || taxonomy::find(list, key) != nullptr;
}

Status validate_one(const NewContact& n) {
  const Contact& c = n.contact;
  if (taxonomy::find(taxonomy::channels(), c.channel) == nullptr)
    return invalid("channel: unknown channel key");
  if (micros(c.start) < 0 || micros(c.start) > kMaxStartUs) return invalid("start: outside 1970..9999");
  if (c.duration_s < 0 || c.duration_s > kMaxDurationSeconds) return invalid("duration: outside 0..24 hours");
  if (!valid_id(c.unit_id)) return invalid("unit_id: missing or not an identifier");
  if (!c.counsellor_id.empty() && !valid_id(c.counsellor_id))
    return invalid("counsellor_id: not an identifier");
  if (!key_or_empty(taxonomy::outcomes(), c.outcome)) return invalid("outcome: unknown outcome key");
  if (!c.recorded) {
    if (c.child != Child{} || !c.categories.empty() || c.indepth || c.clip_notices != 0 ||
        !c.report_ids.empty() || !n.notes.empty() || !n.caller_phone.empty() || !n.accounts.empty()) {
      return invalid(
          "recorded: a contact without a contact file carries only channel, start, duration, unit, "
          "counsellor "
          "and outcome");
    }
    if (!c.outcome.empty() && c.outcome != "information" && c.outcome != "no_action") {
      return invalid("outcome: a contact without a contact file can only be information or no_action");
    }
    return {};
  }
  if (!key_or_empty(taxonomy::age_bands(), c.child.age_band))
    return invalid("age_band: unknown age band key");
  if (!key_or_empty(taxonomy::genders(), c.child.gender)) return invalid("gender: unknown gender key");
  if (!key_or_empty(taxonomy::provinces(), c.child.province))
    return invalid("province: unknown province key");
  if (auto m = detail::category_mask(c.categories); !m.ok()) return m.error();
  if (c.outcome == "indepth_counselling" && !c.indepth) {
    return invalid("indepth: the outcome indepth_counselling needs the in-depth flag");
  }
  if (c.clip_notices < 0 || c.clip_notices > kMaxClipNotices)
    return invalid("clip_notices: outside 0..10000");
  if (c.report_ids.size() > kMaxReportIds)
    return make_error(ErrorCode::limit_exceeded, "report_ids: too many");
  for (const std::string& r : c.report_ids) {
    if (!valid_id(r)) return invalid("report_ids: not an identifier");
  }
  if (n.notes.size() > kMaxNotesBytes) return make_error(ErrorCode::limit_exceeded, "notes: too long");
  if (!valid_utf8(n.notes)) return invalid("notes: not UTF-8 text");
  if (!n.caller_phone.empty()) {
    if (auto p = normalise_phone(n.caller_phone); !p.ok()) return p.error();
  }
  if (n.accounts.size() > kMaxAccounts) return make_error(ErrorCode::limit_exceeded, "accounts: too many");
  for (const std::string& a : n.accounts) {
    if (auto x = normalise_account(a); !x.ok()) return x.error();
  }
  return {};
}

// The id of a contact that began at `start`, with 8 random bytes taken from `random`.
std::string new_id(Timestamp start, const std::uint8_t* random) {
  const auto ms = static_cast<std::uint64_t>(micros(start) / 1000);
  std::uint8_t b[14];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  std::copy(random, random + 8, b + 6);
  return "c" + to_hex(std::span<const std::uint8_t>(b, sizeof b));
}

store::Blob seal(const Keys& keys, std::string_view id, std::string_view notes) {
  store::Blob out(1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + notes.size() +
                  crypto_aead_xchacha20poly1305_ietf_ABYTES);
  out[0] = kSealVersion;
  unsigned char* nonce = out.data() + 1;
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                             &clen, reinterpret_cast<const unsigned char*>(notes.data()),
                                             notes.size(), reinterpret_cast<const unsigned char*>(id.data()),
                                             id.size(), nullptr, nonce, keys.notes.data());
  return out;
}

Result<std::string> open_sealed(const Keys& keys, std::string_view id, const store::Blob& sealed) {
  constexpr std::size_t kOverhead =
      1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < kOverhead || sealed[0] != kSealVersion) {
    return make_error(ErrorCode::corrupt, "notes: stored notes are malformed");
  }
  if (sodium_init() < 0) return make_error(ErrorCode::internal, "libsodium failed to initialise");
  std::string plain(sealed.size() - kOverhead, '\0');
  unsigned long long mlen = 0;
  const unsigned char* nonce = sealed.data() + 1;
  const unsigned char* cipher = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &mlen, nullptr, cipher,
          sealed.size() - 1 - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          reinterpret_cast<const unsigned char*>(id.data()), id.size(), nonce, keys.notes.data()) != 0) {
    return make_error(ErrorCode::corrupt, "notes: authentication failed (wrong key or altered data)");
  }
  plain.resize(static_cast<std::size_t>(mlen));
  return plain;
}

store::Blob blob_of(const LookupHash& h) { return store::Blob(h.begin(), h.end()); }

enum class ColumnType { text, bigint, bytea };
struct Column {
  std::string_view name;
  ColumnType type;
  bool empty_is_null = false;  // "" (text) or an empty blob (bytea) is stored as NULL
};

constexpr Column kContactColumnsIn[] = {
    {"id", ColumnType::text},
    {"start_us", ColumnType::bigint},
    {"duration_s", ColumnType::bigint},
    {"channel", ColumnType::text},
    {"unit_id", ColumnType::text},
    {"owner_id", ColumnType::text, true},
    {"recorded", ColumnType::bigint},
    {"age_band", ColumnType::text, true},
    {"gender", ColumnType::text, true},
    {"province", ColumnType::text, true},
    {"categories", ColumnType::bigint},
    {"indepth", ColumnType::bigint},
    {"outcome", ColumnType::text, true},
    {"clip_notices", ColumnType::bigint},
    {"phone_hash", ColumnType::bytea, true},
    {"created_us", ColumnType::bigint},
};
constexpr Column kNoteColumns[] = {{"contact_id", ColumnType::text}, {"sealed", ColumnType::bytea}};
constexpr Column kAccountColumns[] = {{"account_hash", ColumnType::bytea}, {"contact_id", ColumnType::text}};
constexpr Column kReportColumns[] = {{"contact_id", ColumnType::text}, {"report_id", ColumnType::text}};

// Inserts rows into one table, many per statement. SQLite: multi-row VALUES of kSqliteBatchRows
// rows. PostgreSQL: kPgBatchRows rows per statement, each column sent as one array literal and
// unnested on the server (a handful of parameters instead of thousands).
class BatchInsert {
 public:
  BatchInsert(store::Connection& c, std::string_view table, std::span<const Column> columns)
      : c_(c), table_(table), columns_(columns), pg_(c.engine() == store::Engine::postgresql) {
    batch_ = pg_ ? kPgBatchRows : kSqliteBatchRows;
    if (pg_) arrays_.assign(columns_.size(), "{");
  }

  std::size_t pending() const { return rows_; }

  // Appends one row (values in column order); runs the statement when the batch is full.
  Status add(std::span<Value> row) {
    if (row.size() != columns_.size())
      return make_error(ErrorCode::internal, "hotline: row of the wrong width");
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (pg_) {
        append_element(i, row[i]);
      } else {
        params_.push_back(std::move(row[i]));
      }
    }
    if (++rows_ == batch_) return flush();
    return {};
  }

  Status flush() {
    if (rows_ == 0) return {};
    Result<std::int64_t> done = std::int64_t{0};
    if (pg_) {
      std::vector<Value> params;
      params.reserve(arrays_.size());
      for (std::string& a : arrays_) {
        a += '}';
        params.emplace_back(std::move(a));
        a = "{";
      }
      if (pg_sql_.empty()) pg_sql_ = pg_statement();
      done = c_.execute(pg_sql_, params);
    } else {
      std::string* sql = &partial_;
      if (rows_ == batch_) {
        if (full_.empty()) full_ = values_statement(batch_);
        sql = &full_;
      } else {
        partial_ = values_statement(rows_);
      }
      done = c_.execute(*sql, params_);
      params_.clear();
    }
    rows_ = 0;
    if (!done.ok()) return done.error();
    return {};
  }

 private:
  std::string head() const {
    std::string s = "INSERT INTO " + std::string(table_) + " (";
    for (std::size_t i = 0; i < columns_.size(); ++i)
      s += (i == 0 ? "" : ", ") + std::string(columns_[i].name);
    return s + ") ";
  }

  // SQLite: VALUES ($1, NULLIF($2, ''), ...), (...) for `rows` rows.
  std::string values_statement(std::size_t rows) const {
    std::string s = head() + "VALUES ";
    std::size_t next = 1;
    for (std::size_t r = 0; r < rows; ++r) {
      s += r == 0 ? "(" : ", (";
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        const std::string p = "$" + std::to_string(next++);
        if (i > 0) s += ", ";
        if (!columns_[i].empty_is_null) {
          s += p;
        } else {
          s += "NULLIF(" + p + (columns_[i].type == ColumnType::bytea ? ", X'')" : ", '')");
        }
      }
      s += ')';
    }
    return s;
  }

  // PostgreSQL: SELECT * FROM unnest($1::text[], $2::bigint[], ...).
  std::string pg_statement() const {
    std::string s = head() + "SELECT * FROM unnest(";
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      static constexpr std::string_view kTypes[] = {"::text[]", "::bigint[]", "::bytea[]"};
      s += (i == 0 ? "$" : ", $") + std::to_string(i + 1) +
           std::string(kTypes[static_cast<int>(columns_[i].type)]);
    }
    return s + ")";
  }

  // One element of a PostgreSQL array literal: NULL, a number, or a double-quoted string with
  // '"' and '\' escaped (bytea as "\\x<hex>").
  void append_element(std::size_t i, const Value& v) {
    std::string& a = arrays_[i];
    if (rows_ > 0) a += ',';
    const Column& col = columns_[i];
    switch (v.index()) {
      case 1:
        a += std::to_string(std::get<std::int64_t>(v));
        return;
      case 3: {
        const std::string& t = std::get<std::string>(v);
        if (t.empty() && col.empty_is_null) break;
        a += '"';
        for (char ch : t) {
          if (ch == '"' || ch == '\\') a += '\\';
          a += ch;
        }
        a += '"';
        return;
      }
      case 4: {
        const store::Blob& b = std::get<store::Blob>(v);
        if (b.empty() && col.empty_is_null) break;
        a += "\"\\\\x";
        a += to_hex(b);
        a += '"';
        return;
      }
      default:
        break;
    }
    a += "NULL";
  }

  store::Connection& c_;
  std::string_view table_;
  std::span<const Column> columns_;
  bool pg_;
  std::size_t batch_ = 0;
  std::size_t rows_ = 0;
  std::vector<Value> params_;        // SQLite
  std::vector<std::string> arrays_;  // PostgreSQL: one literal per column
  std::string full_;
  std::string partial_;
  std::string pg_sql_;
};

Result<std::int64_t> insert_contacts(store::Connection& c, const Keys& keys,
                                     std::span<const NewContact> contacts, Timestamp now,
                                     std::string* first_id) {
  for (std::size_t i = 0; i < contacts.size(); ++i) {
    if (Status s = validate_one(contacts[i]); !s.ok()) {
      return contacts.size() == 1 ? s.error() : s.error().with_context("contact " + std::to_string(i));
    }
  }
  if (sodium_init() < 0) return make_error(ErrorCode::internal, "libsodium failed to initialise");
  // The random part of every id at once (one system call rather than one per contact).
  std::vector<std::uint8_t> random(8 * contacts.size());
  randombytes_buf(random.data(), random.size());
  // In start order, so that the clustered table and the time-prefixed ids grow at their ends.
  std::vector<std::size_t> order(contacts.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return contacts[a].contact.start < contacts[b].contact.start;
  });

  BatchInsert rows(c, "hotline_contacts", kContactColumnsIn);
  BatchInsert notes(c, "hotline_contact_notes", kNoteColumns);
  BatchInsert accounts(c, "hotline_contact_accounts", kAccountColumns);
  BatchInsert reports(c, "hotline_contact_reports", kReportColumns);

  store::Transaction tx(c);
  if (!tx.started().ok()) return tx.started().error();
  const std::int64_t created = micros(now);
  std::vector<std::pair<std::size_t, std::string>> children;  // recorded contacts of this batch, by id
  auto flush_children = [&]() -> Status {
    // Children after their contacts' batch (foreign keys).
    BAOVE_TRY(rows.flush());
    for (const auto& [index, id] : children) {
      const NewContact& n = contacts[index];
      if (!n.notes.empty()) {
        Value row[] = {id, seal(keys, id, n.notes)};
        BAOVE_TRY(notes.add(row));
      }
      std::vector<LookupHash> seen;
      for (const std::string& a : n.accounts) {
        auto h = account_hash(keys, a);
        if (!h.ok()) return h.error();
        if (std::find(seen.begin(), seen.end(), *h) != seen.end()) continue;
        seen.push_back(*h);
        Value row[] = {blob_of(*h), id};
        BAOVE_TRY(accounts.add(row));
      }
      std::vector<std::string> links = n.contact.report_ids;
      std::sort(links.begin(), links.end());
      links.erase(std::unique(links.begin(), links.end()), links.end());
      for (std::string& r : links) {
        Value row[] = {id, std::move(r)};
        BAOVE_TRY(reports.add(row));
      }
    }
    children.clear();
    BAOVE_TRY(notes.flush());
    BAOVE_TRY(accounts.flush());
    BAOVE_TRY(reports.flush());
    return {};
  };

  for (std::size_t index : order) {
    const NewContact& n = contacts[index];
    const Contact& k = n.contact;
    std::string id = new_id(k.start, random.data() + 8 * index);
    if (first_id != nullptr && first_id->empty()) *first_id = id;
    store::Blob phone;
    if (!n.caller_phone.empty()) {
      auto h = phone_hash(keys, n.caller_phone);
      if (!h.ok()) return h.error();
      phone = blob_of(*h);
    }
    auto mask = detail::category_mask(k.categories);
    if (!mask.ok()) return mask.error();
    Value row[] = {id,
                   micros(k.start),
                   k.duration_s,
                   k.channel,
                   k.unit_id,
                   k.counsellor_id,
                   std::int64_t{k.recorded ? 1 : 0},
                   k.child.age_band,
                   k.child.gender,
                   k.child.province,
                   static_cast<std::int64_t>(*mask),
                   std::int64_t{k.indepth ? 1 : 0},
                   k.outcome,
                   k.clip_notices,
                   std::move(phone),
                   created};
    if (k.recorded && (!n.notes.empty() || !n.accounts.empty() || !k.report_ids.empty())) {
      children.emplace_back(index, std::move(id));
    }
    BAOVE_TRY(rows.add(row));
    if (rows.pending() == 0 && !children.empty()) BAOVE_TRY(flush_children());
  }
  BAOVE_TRY(flush_children());
  BAOVE_TRY(tx.commit());
  return static_cast<std::int64_t>(contacts.size());
}

Error not_found() { return make_error(ErrorCode::not_found, "contact not found"); }

Status check_limit(std::size_t limit) {
  if (limit == 0 || limit > kMaxListLimit) return invalid("limit: outside 1..1000");
  return {};
}

Result<std::vector<Contact>> run_list(store::Connection& c, detail::Sql& q, const std::string& where,
                                      std::size_t limit) {
  const std::string sql = "SELECT " + std::string(detail::kContactColumns) + " FROM hotline_contacts WHERE " +
                          q.access() + " AND " + where + " ORDER BY start_us DESC, id DESC LIMIT " +
                          std::to_string(limit);
  auto rows = c.query(sql, q.params());
  if (!rows.ok()) return rows.error();
  return detail::read_contacts(c, *rows);
}

}  // namespace

namespace detail {

const std::string_view kContactColumns =
    "id, start_us, duration_s, channel, unit_id, owner_id, recorded, age_band, gender, province, categories, "
    "indepth, outcome, clip_notices, CASE WHEN phone_hash IS NULL THEN 0 ELSE 1 END, created_us";

Result<Sql> Sql::with_access(const auth::SqlFilter& access) {
  if (access.where.empty()) return invalid("access filter: empty");
  const std::string& w = access.where;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] != '$') continue;
    std::size_t j = i + 1;
    std::size_t n = 0;
    while (j < w.size() && w[j] >= '0' && w[j] <= '9' && n <= 100000)
      n = n * 10 + static_cast<std::size_t>(w[j++] - '0');
    if (j == i + 1 || n == 0 || n > access.params.size()) {
      return invalid("access filter: placeholders must be $1..$N for its N parameters");
    }
    i = j - 1;
  }
  Sql q;
  q.access_ = "(" + w + ")";
  q.params_ = access.params;
  return q;
}

std::string Sql::param(store::Value v) {
  params_.push_back(std::move(v));
  return "$" + std::to_string(params_.size());
}

Result<std::vector<Contact>> read_contacts(store::Connection& c, const std::vector<store::Row>& rows) {
  std::vector<Contact> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) {
    Contact k;
    k.id = r.text(0);
    k.start = from_micros(r.integer(1));
    k.duration_s = r.integer(2);
    k.channel = r.text(3);
    k.unit_id = r.text(4);
    k.counsellor_id = r.opt_text(5).value_or("");
    k.recorded = r.integer(6) != 0;
    k.child.age_band = r.opt_text(7).value_or("");
    k.child.gender = r.opt_text(8).value_or("");
    k.child.province = r.opt_text(9).value_or("");
    k.categories = category_keys(static_cast<std::uint64_t>(r.integer(10)));
    k.indepth = r.integer(11) != 0;
    k.outcome = r.opt_text(12).value_or("");
    k.clip_notices = r.integer(13);
    k.has_caller_phone = r.integer(14) != 0;
    k.created = from_micros(r.integer(15));
    out.push_back(std::move(k));
  }
  // Linked reports, for the recorded contacts, a few hundred ids per query.
  std::vector<std::size_t> recorded;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].recorded) recorded.push_back(i);
  }
  for (std::size_t start = 0; start < recorded.size(); start += kIdsPerQuery) {
    const std::size_t end = std::min(recorded.size(), start + kIdsPerQuery);
    std::vector<Value> ids;
    std::string in;
    for (std::size_t i = start; i < end; ++i) {
      ids.emplace_back(out[recorded[i]].id);
      in += (i == start ? "$" : ", $") + std::to_string(ids.size());
    }
    auto links = c.query("SELECT contact_id, report_id FROM hotline_contact_reports WHERE contact_id IN (" +
                             in + ") ORDER BY contact_id, report_id",
                         ids);
    if (!links.ok()) return links.error();
    for (const store::Row& l : *links) {
      for (std::size_t i = start; i < end; ++i) {
        Contact& k = out[recorded[i]];
        if (k.id == l.text(0)) {
          k.report_ids.push_back(l.text(1));
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace detail

Status migrate(store::Connection& c) { return store::migrate(c, "hotline", kMigrations); }

Status validate(const NewContact& contact) { return validate_one(contact); }

Result<std::string> create(store::Connection& c, const Keys& keys, const NewContact& contact, Timestamp now) {
  std::string id;
  auto n = insert_contacts(c, keys, std::span<const NewContact>(&contact, 1), now, &id);
  if (!n.ok()) return n.error();
  return id;
}

Result<std::int64_t> create_many(store::Connection& c, const Keys& keys, std::span<const NewContact> contacts,
                                 Timestamp now) {
  if (contacts.empty()) return std::int64_t{0};
  return insert_contacts(c, keys, contacts, now, nullptr);
}

Result<Contact> get(store::Connection& c, std::string_view id, const auth::SqlFilter& access) {
  if (!valid_id(id)) return not_found();
  auto q = detail::Sql::with_access(access);
  if (!q.ok()) return q.error();
  const std::string where = "id = " + q->param(std::string(id));
  auto found = run_list(c, *q, where, 1);
  if (!found.ok()) return found.error();
  if (found->empty()) return not_found();
  return std::move(found->front());
}

Result<std::string> read_notes(store::Connection& c, const Keys& keys, std::string_view id,
                               const auth::SqlFilter& access) {
  if (!valid_id(id)) return not_found();
  auto q = detail::Sql::with_access(access);
  if (!q.ok()) return q.error();
  const std::string sql =
      "SELECT n.sealed FROM hotline_contacts LEFT JOIN hotline_contact_notes n ON n.contact_id = "
      "hotline_contacts.id WHERE " +
      q->access() + " AND hotline_contacts.id = " + q->param(std::string(id));
  auto rows = c.query(sql, q->params());
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return not_found();
  if (rows->front().is_null(0)) return std::string();
  return open_sealed(keys, id, rows->front().blob(0));
}

Result<std::vector<Contact>> list(store::Connection& c, Timestamp from, Timestamp to,
                                  const auth::SqlFilter& access, std::size_t limit) {
  BAOVE_TRY(check_limit(limit));
  auto q = detail::Sql::with_access(access);
  if (!q.ok()) return q.error();
  std::string where = "start_us >= " + q->param(micros(from));
  where += " AND start_us < " + q->param(micros(to));
  return run_list(c, *q, where, limit);
}

Result<std::vector<Contact>> search_by_phone(store::Connection& c, const Keys& keys, std::string_view phone,
                                             const auth::SqlFilter& access, std::size_t limit) {
  BAOVE_TRY(check_limit(limit));
  auto h = phone_hash(keys, phone);
  if (!h.ok()) return h.error();
  auto q = detail::Sql::with_access(access);
  if (!q.ok()) return q.error();
  const std::string where = "phone_hash = " + q->param(blob_of(*h));
  return run_list(c, *q, where, limit);
}

Result<std::vector<Contact>> search_by_account(store::Connection& c, const Keys& keys,
                                               std::string_view account, const auth::SqlFilter& access,
                                               std::size_t limit) {
  BAOVE_TRY(check_limit(limit));
  auto h = account_hash(keys, account);
  if (!h.ok()) return h.error();
  auto q = detail::Sql::with_access(access);
  if (!q.ok()) return q.error();
  const std::string where =
      "id IN (SELECT contact_id FROM hotline_contact_accounts WHERE account_hash = " + q->param(blob_of(*h)) +
      ")";
  return run_list(c, *q, where, limit);
}

Result<std::vector<Contact>> repeat_contacts(store::Connection& c, const CallerHashes& caller,
                                             Timestamp before, const auth::SqlFilter& access,
                                             std::size_t limit) {
  BAOVE_TRY(check_limit(limit));
  if (caller.accounts.size() > kMaxAccounts)
    return make_error(ErrorCode::limit_exceeded, "accounts: too many");
  if (!caller.phone && caller.accounts.empty()) return std::vector<Contact>{};
  auto q = detail::Sql::with_access(access);
  if (!q.ok()) return q.error();
  std::string who;
  if (caller.phone) who = "phone_hash = " + q->param(blob_of(*caller.phone));
  if (!caller.accounts.empty()) {
    if (!who.empty()) who += " OR ";
    who += "id IN (SELECT contact_id FROM hotline_contact_accounts WHERE account_hash IN (";
    for (std::size_t i = 0; i < caller.accounts.size(); ++i) {
      who += (i == 0 ? "" : ", ") + q->param(blob_of(caller.accounts[i]));
    }
    who += "))";
  }
  const std::string where = "start_us < " + q->param(micros(before)) + " AND (" + who + ")";
  return run_list(c, *q, where, limit);
}

Result<std::vector<Contact>> repeat_contacts_of(store::Connection& c, std::string_view id,
                                                const auth::SqlFilter& access, std::size_t limit) {
  BAOVE_TRY(check_limit(limit));
  if (!valid_id(id)) return not_found();
  auto q = detail::Sql::with_access(access);
  if (!q.ok()) return q.error();
  const std::string sql = "SELECT phone_hash, start_us FROM hotline_contacts WHERE " + q->access() +
                          " AND id = " + q->param(std::string(id));
  auto rows = c.query(sql, q->params());
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return not_found();
  CallerHashes caller;
  if (!rows->front().is_null(0)) {
    const store::Blob b = rows->front().blob(0);
    if (b.size() != 32) return make_error(ErrorCode::corrupt, "contact: stored phone hash is malformed");
    caller.phone.emplace();
    std::copy(b.begin(), b.end(), caller.phone->begin());
  }
  const Timestamp start = detail::from_micros(rows->front().integer(1));
  const Value cid[] = {std::string(id)};
  auto accounts = c.query("SELECT account_hash FROM hotline_contact_accounts WHERE contact_id = $1", cid);
  if (!accounts.ok()) return accounts.error();
  for (const store::Row& r : *accounts) {
    const store::Blob b = r.blob(0);
    if (b.size() != 32) return make_error(ErrorCode::corrupt, "contact: stored account hash is malformed");
    LookupHash h{};
    std::copy(b.begin(), b.end(), h.begin());
    caller.accounts.push_back(h);
  }
  return repeat_contacts(c, caller, start, access, limit);
}

}  // namespace baove::hotline
