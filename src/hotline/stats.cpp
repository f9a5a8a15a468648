// The ministry's table and the breakdowns: aggregate queries over hotline_contacts.
#include "hotline/stats.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "hotline/internal.hpp"
#include "taxonomy/taxonomy.hpp"

namespace baove::hotline {
namespace {

using detail::RowDef;
using detail::RowKind;
using store::Value;

// The ministry's table (../shared/domain/hotline111_statistics_2020_2023.csv): keys, parents and
// labels exactly as it has them.
constexpr RowDef kRows[] = {
    {{"total_calls", "", "Tổng cuộc gọi đến", "Total incoming calls", true, 0}, RowKind::total, ""},
    {{"recorded_calls", "", "Tổng cuộc gọi được lập hồ sơ", "Calls recorded with a contact file", true, 0},
     RowKind::recorded,
     ""},
    {{"indepth_counselling", "", "Cuộc gọi tư vấn chuyên sâu", "In-depth counselling calls", true, 0},
     RowKind::indepth,
     ""},
    {{"intervention_cases", "", "Ca can thiệp hỗ trợ", "Intervention and support cases", true, 0},
     RowKind::intervention,
     ""},
    {{"online_abuse", "", "Xâm hại trẻ em trên môi trường mạng",
      "Abuse of children in the online environment", true, 0},
     RowKind::online,
     ""},
    {{"online_counselling", "online_abuse", "Cuộc gọi tư vấn", "Counselling calls", true, 0},
     RowKind::online_counselling,
     ""},
    {{"oc_sexual_abuse", "online_counselling", "Xâm hại tình dục trẻ em trên MTM",
      "Online sexual abuse of children", true, 0},
     RowKind::category_counselling,
     "sexual_abuse"},
    {{"oc_violence_bullying", "online_counselling", "Trẻ em bị bạo lực, bắt nạt trên MTM",
      "Children subjected to online violence or bullying", true, 0},
     RowKind::category_counselling,
     "violence_bullying"},
    {{"oc_grooming", "online_counselling", "Trẻ em bị dụ dỗ/gạ gẫm trên MTM",
      "Children enticed or groomed online", true, 0},
     RowKind::category_counselling,
     "grooming"},
    {{"oc_dignity", "online_counselling", "Trẻ em bị xúc phạm danh dự, nhân phẩm trên MTM",
      "Children whose honour or dignity was insulted online", true, 0},
     RowKind::category_counselling,
     "dignity"},
    {{"oc_personal_info", "online_counselling", "Trẻ em bị đưa thông tin cá nhân lên mạng",
      "Children whose personal information was posted online", true, 0},
     RowKind::category_counselling,
     "personal_info"},
    {{"oc_money_fraud", "online_counselling", "Trẻ em bị lừa tiền trên MTM",
      "Children defrauded of money online", true, 0},
     RowKind::category_counselling,
     "money_fraud"},
    {{"oc_safe_use", "online_counselling", "Cách sử dụng internet an toàn cho trẻ em",
      "How children can use the internet safely", true, 0},
     RowKind::category_counselling,
     "safe_use"},
    {{"online_intervention", "online_abuse", "Ca can thiệp", "Intervention cases", true, 0},
     RowKind::online_intervention,
     ""},
    {{"oi_sexual_abuse", "online_intervention", "Xâm hại tình dục trẻ em trên MTM",
      "Online sexual abuse of children", true, 0},
     RowKind::category_intervention,
     "sexual_abuse"},
    {{"oi_enticed_trafficked", "online_intervention", "Trẻ em bị dụ dỗ và lừa bán trên MTM",
      "Children enticed and trafficked online", true, 0},
     RowKind::category_intervention,
     "enticed_trafficked"},
    {{"oi_violence", "online_intervention", "Trẻ em bị bạo lực trên MTM",
      "Children subjected to online violence", true, 0},
     RowKind::category_intervention,
     "violence_bullying"},
    {{"oi_images_dignity", "online_intervention", "Đưa hình ảnh trẻ em lên mạng và xúc phạm nhân phẩm trẻ em",
      "Children's images posted online and their dignity insulted", true, 0},
     RowKind::category_intervention,
     "images_dignity"},
    {{"channel_clip_notices", "online_abuse", "Lượt thông báo về kênh/clip có nội dung liên quan",
      "Notices about channels or clips with related content", false, 0},
     RowKind::clip_notices,
     ""},
};

constexpr std::array<TableRow, std::size(kRows)> make_table_rows() {
  std::array<TableRow, std::size(kRows)> out{};
  for (std::size_t i = 0; i < std::size(kRows); ++i) out[i] = kRows[i].row;
  return out;
}
constexpr std::array<TableRow, std::size(kRows)> kTableRows = make_table_rows();

Error invalid(const std::string& message) { return make_error(ErrorCode::invalid_argument, message); }

bool valid_unit(std::string_view s) {
  if (s.size() > kMaxIdLength) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
           ch == '_' || ch == ':' || ch == '-';
  });
}

// The WHERE conditions of a period and a filter: start_us in [$1, $2) and, with a unit, $3.
// `recorded` is for the pass over recorded contacts, which the partial index
// hotline_contacts_recorded serves: on SQLite the unit term is written "+unit_id" so that the
// planner keeps that index (and filters units inside it) rather than the unit index.
struct Where {
  std::string all;
  std::string recorded;
  std::vector<Value> params;
};
Result<Where> where_of(store::Engine engine, Timestamp from, Timestamp to, const StatsFilter& filter) {
  if (from > to) return invalid("period: from is after to");
  if (!valid_unit(filter.unit_id)) return invalid("filter: unit_id is not an identifier");
  Where w;
  w.all = "start_us >= $1 AND start_us < $2";
  w.recorded = w.all + " AND recorded = 1";
  w.params = {detail::micros(from), detail::micros(to)};
  if (!filter.unit_id.empty()) {
    const std::string units = " IN (SELECT descendant_id FROM auth_unit_closure WHERE ancestor_id = $3)";
    w.all += " AND unit_id" + units;
    w.recorded += std::string(engine == store::Engine::sqlite ? " AND +unit_id" : " AND unit_id") + units;
    w.params.emplace_back(filter.unit_id);
  }
  return w;
}

std::string bit_test(int bit) {
  return "(categories & " + std::to_string(std::uint64_t{1} << bit) + ") <> 0";
}

constexpr int kOnlineCategories = 9;  // bits 0..8 (kOnlineHarmMask)
static_assert(kOnlineHarmMask == (std::uint64_t{1} << kOnlineCategories) - 1);

// One statement (one snapshot): the period's count and one pass over its recorded contacts.
//   0 total, 1 recorded, 2 indepth, 3 intervention, 4 online, 5 online intervention,
//   6 + 2k: category bit k, 7 + 2k: category bit k and intervention (k < 9), then the clip notices.
// (A second pass over the intervention contacts alone, to spare the outcome tests, reads the index
// range twice and is no faster.)
std::string table_sql(const Where& w) {
  const std::string iv = "outcome = 'intervention'";
  const std::string online = "(categories & " + std::to_string(kOnlineHarmMask) + ") <> 0";
  std::string s = "SELECT (SELECT COUNT(*) FROM hotline_contacts WHERE " + w.all + "), COUNT(*)";
  s += ", COUNT(*) FILTER (WHERE indepth = 1)";
  s += ", COUNT(*) FILTER (WHERE " + iv + ")";
  s += ", COUNT(*) FILTER (WHERE " + online + ")";
  s += ", COUNT(*) FILTER (WHERE " + iv + " AND " + online + ")";
  for (int k = 0; k < kOnlineCategories; ++k) {
    s += ", COUNT(*) FILTER (WHERE " + bit_test(k) + ")";
    s += ", COUNT(*) FILTER (WHERE " + iv + " AND " + bit_test(k) + ")";
  }
  s += ", COALESCE(CAST(SUM(clip_notices) AS BIGINT), 0)";
  s += " FROM hotline_contacts WHERE " + w.recorded;
  return s;
}

const taxonomy::Term kNoOutcome{"none", "Chưa có kết quả", "No outcome yet"};

std::span<const taxonomy::Term> terms_of(Dimension d) {
  switch (d) {
    case Dimension::category:
      return taxonomy::categories();
    case Dimension::channel:
      return taxonomy::channels();
    case Dimension::province:
      return taxonomy::provinces();
    case Dimension::age_band:
      return taxonomy::age_bands();
    case Dimension::gender:
      return taxonomy::genders();
    case Dimension::outcome:
      return taxonomy::outcomes();
  }
  return {};
}

// One period: [from, to) with its label.
struct Slice {
  Timestamp from;
  Timestamp to;
  std::string label;
};

Result<std::vector<Slice>> slices(Timestamp from, Timestamp to, const BreakdownOptions& o) {
  using namespace std::chrono;
  if (o.by == Period::whole) return std::vector<Slice>{{from, to, ""}};
  if (o.utc_offset < -hours(14) || o.utc_offset > hours(14))
    return invalid("utc_offset: outside -14..+14 hours");
  std::vector<Slice> out;
  Timestamp at = from;
  while (at < to) {
    const auto local = at + o.utc_offset;
    const year_month_day ymd{floor<days>(local)};
    year_month_day next{};
    char label[16];
    if (o.by == Period::year) {
      next = year_month_day{ymd.year() + years(1), January, day(1)};
      std::snprintf(label, sizeof label, "%04d", static_cast<int>(ymd.year()));
    } else {
      const year_month ym = year_month{ymd.year(), ymd.month()} + months(1);
      next = year_month_day{ym.year(), ym.month(), day(1)};
      std::snprintf(label, sizeof label, "%04d-%02u", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()));
    }
    const Timestamp boundary =
        time_point_cast<microseconds>(sys_days(next)) - duration_cast<microseconds>(o.utc_offset);
    const Timestamp end = std::min(boundary, to);
    if (out.size() == kMaxPeriods)
      return make_error(ErrorCode::limit_exceeded, "breakdown: too many periods");
    out.push_back({at, end, label});
    at = end;
  }
  return out;
}

// Counts by key for one period.
Result<std::vector<std::pair<std::string, std::int64_t>>> count_keys(store::Connection& c, Dimension d,
                                                                     const Where& w) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  if (d == Dimension::category) {
    const auto cats = taxonomy::categories();
    std::string s = "SELECT COUNT(*)";
    for (const auto& t : cats) {
      const auto bit = category_bit(t.key);
      s += bit ? ", COUNT(*) FILTER (WHERE " + bit_test(*bit) + ")" : std::string(", 0");
    }
    s += " FROM hotline_contacts WHERE " + w.recorded;
    auto rows = c.query(s, w.params);
    if (!rows.ok()) return rows.error();
    for (std::size_t i = 0; i < cats.size(); ++i) out.emplace_back(cats[i].key, rows->front().integer(i + 1));
    return out;
  }
  std::string column;
  bool recorded_only = true;
  switch (d) {
    case Dimension::channel:
      column = "channel";
      recorded_only = false;
      break;
    case Dimension::outcome:
      column = "outcome";
      recorded_only = false;
      break;
    case Dimension::province:
      column = "province";
      break;
    case Dimension::age_band:
      column = "age_band";
      break;
    case Dimension::gender:
      column = "gender";
      break;
    case Dimension::category:
      break;
  }
  const std::string s = "SELECT " + column + ", COUNT(*) FROM hotline_contacts WHERE " +
                        (recorded_only ? w.recorded : w.all) + " GROUP BY " + column;
  auto rows = c.query(s, w.params);
  if (!rows.ok()) return rows.error();
  for (const store::Row& r : *rows) {
    std::string key = r.is_null(0) ? std::string(d == Dimension::outcome ? "none" : "unknown") : r.text(0);
    out.emplace_back(std::move(key), r.integer(1));
  }
  return out;
}

}  // namespace

namespace detail {
std::span<const RowDef> row_defs() noexcept { return kRows; }
}  // namespace detail

std::int64_t Table::count(std::string_view key) const noexcept {
  for (const TableRow& r : rows) {
    if (r.key == key) return r.count;
  }
  return -1;
}

std::span<const TableRow> table_rows() noexcept { return kTableRows; }

Result<Table> hotline_table(store::Connection& c, Timestamp from, Timestamp to, const StatsFilter& filter) {
  auto w = where_of(c.engine(), from, to, filter);
  if (!w.ok()) return w.error();
  auto rows = c.query(table_sql(*w), w->params);
  if (!rows.ok()) return rows.error();
  if (rows->size() != 1) return make_error(ErrorCode::internal, "statistics: the aggregate returned no row");
  const store::Row& r = rows->front();
  auto at = [&](std::size_t i) { return r.integer(i); };
  auto category = [&](std::string_view key, bool intervention) -> std::int64_t {
    const auto bit = category_bit(key);
    if (!bit || *bit >= kOnlineCategories) return 0;
    const std::int64_t all = at(6 + 2 * static_cast<std::size_t>(*bit));
    const std::int64_t iv = at(7 + 2 * static_cast<std::size_t>(*bit));
    return intervention ? iv : all - iv;
  };
  Table t;
  t.from = from;
  t.to = to;
  for (const RowDef& d : kRows) {
    TableRow row = d.row;
    switch (d.kind) {
      case RowKind::total:
        row.count = at(0);
        break;
      case RowKind::recorded:
        row.count = at(1);
        break;
      case RowKind::indepth:
        row.count = at(2);
        break;
      case RowKind::intervention:
        row.count = at(3);
        break;
      case RowKind::online:
        row.count = at(4);
        break;
      case RowKind::online_counselling:
        row.count = at(4) - at(5);
        break;
      case RowKind::online_intervention:
        row.count = at(5);
        break;
      case RowKind::category_counselling:
        row.count = category(d.category, false);
        break;
      case RowKind::category_intervention:
        row.count = category(d.category, true);
        break;
      case RowKind::clip_notices:
        row.count = at(6 + 2 * kOnlineCategories);
        break;
    }
    t.rows.push_back(row);
  }
  return t;
}

const char* to_string(Dimension d) noexcept {
  switch (d) {
    case Dimension::category:
      return "category";
    case Dimension::channel:
      return "channel";
    case Dimension::province:
      return "province";
    case Dimension::age_band:
      return "age_band";
    case Dimension::gender:
      return "gender";
    case Dimension::outcome:
      return "outcome";
  }
  return "unknown";
}

bool is_partition(Dimension d) noexcept { return d != Dimension::category; }

Result<std::vector<CountRow>> breakdown(store::Connection& c, Timestamp from, Timestamp to,
                                        Dimension dimension, const BreakdownOptions& options) {
  auto check = where_of(c.engine(), from, to, options.filter);
  if (!check.ok()) return check.error();
  auto periods = slices(from, to, options);
  if (!periods.ok()) return periods.error();
  const auto terms = terms_of(dimension);
  std::vector<CountRow> out;
  for (const Slice& p : *periods) {
    auto w = where_of(c.engine(), p.from, p.to, options.filter);
    if (!w.ok()) return w.error();
    auto counts = count_keys(c, dimension, *w);
    if (!counts.ok()) return counts.error();
    auto take = [&](std::string_view key) {
      std::int64_t n = 0;
      for (auto& kv : *counts) {
        if (kv.first == key) {
          n += kv.second;
          kv.second = 0;
          kv.first.clear();  // taken
        }
      }
      return n;
    };
    for (const taxonomy::Term& t : terms) {
      out.push_back({p.label, std::string(t.key), std::string(t.vi), std::string(t.en), take(t.key)});
    }
    if (dimension == Dimension::outcome) {
      out.push_back({p.label, std::string(kNoOutcome.key), std::string(kNoOutcome.vi),
                     std::string(kNoOutcome.en), take(kNoOutcome.key)});
    }
    for (const auto& [key, n] : *counts) {
      if (key.empty()) continue;  // a key the taxonomy no longer lists: shown as itself
      out.push_back({p.label, key, key, key, n});
    }
  }
  return out;
}

}  // namespace baove::hotline
