// The ministry's table and the breakdowns on both engines: the definitions on small hand-made
// records, and the whole published table (2020 to August 2023) rebuilt from generated records.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>

#include "hotline/export.hpp"
#include "hotline/stats.hpp"
#include "taxonomy/taxonomy.hpp"
#include "test_env.hpp"

namespace baove::hotline {
namespace {

using testing::DbTest;
using namespace std::chrono;

Timestamp at(std::int64_t unix_seconds) { return Timestamp(seconds(unix_seconds)); }
// Midnight in Viet Nam (UTC+7) at the start of the given day.
Timestamp vn_midnight(int y, unsigned m, unsigned d) {
  return time_point_cast<microseconds>(sys_days(year_month_day{year(y), month(m), day(d)})) - hours(7);
}

NewContact minimal(const std::string& unit, Timestamp start, const std::string& channel = "phone") {
  NewContact n;
  n.contact.channel = channel;
  n.contact.start = start;
  n.contact.unit_id = unit;
  return n;
}

NewContact file(const std::string& unit, Timestamp start, std::vector<std::string> categories,
                const std::string& outcome = "counselled") {
  NewContact n = minimal(unit, start);
  n.contact.recorded = true;
  n.contact.categories = std::move(categories);
  n.contact.outcome = outcome;
  return n;
}

class StatsTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (HasFatalFailure()) return;
    root_ = unit("Hotline 111");
    north_ = unit("North", root_);
    south_ = unit("South", root_);
  }
  void store(const std::vector<NewContact>& contacts) {
    auto n = create_many(*db_, keys_, contacts, at(1700000000));
    ASSERT_TRUE(n.ok()) << n.error().message;
  }
  Table table(Timestamp from, Timestamp to, const std::string& unit = "") {
    auto t = hotline_table(*db_, from, to, StatsFilter{unit});
    EXPECT_TRUE(t.ok()) << t.error().message;
    return t.ok() ? *t : Table{};
  }
  std::string root_, north_, south_;
};

TEST_P(StatsTest, EachRowCountsWhatTheDefinitionSays) {
  const Timestamp t0 = vn_midnight(2024, 1, 1);
  std::vector<NewContact> c;
  c.push_back(minimal(north_, t0));                            // an unrecorded call, at the very start
  c.push_back(minimal(north_, t0 + hours(1), "zalo"));         // another
  c.push_back(file(north_, t0 + hours(2), {"sexual_abuse"}));  // online counselling
  c.push_back(file(north_, t0 + hours(3), {"grooming", "sexual_abuse"}));  // one contact, two categories
  c.push_back(file(south_, t0 + hours(4), {"violence_bullying"}, "intervention"));  // online intervention
  c.push_back(file(south_, t0 + hours(5), {"grooming"}, "intervention"));  // intervention without an oi_ row
  c.push_back(file(south_, t0 + hours(6), {"other"}, "intervention"));     // intervention, not online
  c.push_back(file(south_, t0 + hours(7), {}, ""));                        // recorded, nothing else
  c.back().contact.indepth = true;
  c.push_back(file(north_, t0 + hours(8), {"safe_use"}, "indepth_counselling"));
  c.back().contact.indepth = true;
  c.back().contact.clip_notices = 3;
  c[2].contact.clip_notices = 1;
  c.push_back(minimal(north_, vn_midnight(2025, 1, 1)));  // at the end: outside [from, to)
  c.push_back(minimal(north_, t0 - microseconds(1)));     // just before
  store(c);

  const Table t = table(t0, vn_midnight(2025, 1, 1));
  EXPECT_EQ(t.count("total_calls"), 9);
  EXPECT_EQ(t.count("recorded_calls"), 7);
  EXPECT_EQ(t.count("indepth_counselling"), 2);
  EXPECT_EQ(t.count("intervention_cases"), 3);
  EXPECT_EQ(t.count("online_abuse"), 5);  // c2, c3, c4, c5, c8
  EXPECT_EQ(t.count("online_counselling"), 3);
  EXPECT_EQ(t.count("oc_sexual_abuse"), 2);
  EXPECT_EQ(t.count("oc_grooming"), 1);
  EXPECT_EQ(t.count("oc_safe_use"), 1);
  EXPECT_EQ(t.count("oc_violence_bullying"), 0);
  EXPECT_EQ(t.count("online_intervention"), 2);
  EXPECT_EQ(t.count("oi_violence"), 1);
  EXPECT_EQ(t.count("oi_sexual_abuse"), 0);
  EXPECT_EQ(t.count("oi_enticed_trafficked"), 0);
  EXPECT_EQ(t.count("oi_images_dignity"), 0);
  EXPECT_EQ(t.count("channel_clip_notices"), 4);
  EXPECT_EQ(t.count("no_such_row"), -1);
  EXPECT_EQ(t.count("online_abuse"), t.count("online_counselling") + t.count("online_intervention"));

  // The unit filter: a unit and the units below it.
  const Table north = table(t0, vn_midnight(2025, 1, 1), north_);
  const Table south = table(t0, vn_midnight(2025, 1, 1), south_);
  const Table all = table(t0, vn_midnight(2025, 1, 1), root_);
  EXPECT_EQ(north.count("total_calls"), 5);
  EXPECT_EQ(south.count("intervention_cases"), 3);
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    EXPECT_EQ(all.rows[i].count, t.rows[i].count) << t.rows[i].key;
    EXPECT_EQ(north.rows[i].count + south.rows[i].count, t.rows[i].count) << t.rows[i].key;
  }
  EXPECT_EQ(table(t0, t0).count("total_calls"), 0);
  EXPECT_EQ(hotline_table(*db_, t0 + hours(1), t0).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(hotline_table(*db_, t0, t0, StatsFilter{"bad unit id"}).error().code,
            ErrorCode::invalid_argument);
}

TEST_P(StatsTest, BreakdownsByDimensionAndPeriod) {
  std::vector<NewContact> c;
  c.push_back(minimal(north_, vn_midnight(2022, 12, 31) + hours(23), "zalo"));  // local 2022, UTC 2022
  c.push_back(minimal(north_, vn_midnight(2023, 1, 1), "zalo"));  // local 2023, UTC still 2022-12-31
  c.push_back(file(north_, vn_midnight(2023, 3, 5), {"sexual_abuse", "grooming"}));
  c.back().contact.child = {"11_14", "girl", "da_nang"};
  c.push_back(file(south_, vn_midnight(2023, 3, 9), {"sexual_abuse"}));
  c.back().contact.child = {"", "boy", "da_nang"};
  store(c);
  const Timestamp from = vn_midnight(2022, 1, 1), to = vn_midnight(2024, 1, 1);

  auto by_channel = breakdown(*db_, from, to, Dimension::channel, {Period::year, hours(7), {}});
  ASSERT_TRUE(by_channel.ok()) << by_channel.error().message;
  std::map<std::pair<std::string, std::string>, std::int64_t> got;
  for (const CountRow& r : *by_channel) got[{r.period, r.key}] = r.count;
  EXPECT_EQ(by_channel->size(), 2 * taxonomy::channels().size());  // every channel, both years
  EXPECT_EQ((got[{"2022", "zalo"}]), 1);
  EXPECT_EQ((got[{"2023", "zalo"}]), 1);
  EXPECT_EQ((got[{"2023", "phone"}]), 2);
  EXPECT_EQ((got[{"2022", "phone"}]), 0);
  // In UTC both calls fall in 2022.
  auto utc = breakdown(*db_, from, to, Dimension::channel, {Period::year, minutes(0), {}});
  ASSERT_TRUE(utc.ok());
  for (const CountRow& r : *utc) {
    if (r.key == "zalo") {
      EXPECT_EQ(r.count, r.period == "2022" ? 2 : 0) << r.period;
    }
  }

  auto by_category = breakdown(*db_, from, to, Dimension::category);
  ASSERT_TRUE(by_category.ok());
  ASSERT_EQ(by_category->size(), taxonomy::categories().size());
  EXPECT_EQ(by_category->at(0).key, "sexual_abuse");
  EXPECT_EQ(by_category->at(0).count, 2);
  EXPECT_EQ(by_category->at(0).period, "");
  for (const CountRow& r : *by_category) {
    if (r.key == "grooming") {
      EXPECT_EQ(r.count, 1);
    }
    EXPECT_EQ(r.label_vi, taxonomy::find(taxonomy::categories(), r.key)->vi);
  }

  auto by_province = breakdown(*db_, from, to, Dimension::province, {Period::month, hours(7), {}});
  ASSERT_TRUE(by_province.ok());
  EXPECT_EQ(by_province->size(), 24 * taxonomy::provinces().size());
  std::int64_t da_nang_march = 0, total = 0;
  for (const CountRow& r : *by_province) {
    total += r.count;
    if (r.period == "2023-03" && r.key == "da_nang") da_nang_march = r.count;
  }
  EXPECT_EQ(da_nang_march, 2);
  EXPECT_EQ(total, 2) << "recorded contacts only";

  auto by_age = breakdown(*db_, from, to, Dimension::age_band, {Period::whole, hours(7), {south_}});
  ASSERT_TRUE(by_age.ok());
  for (const CountRow& r : *by_age) EXPECT_EQ(r.count, r.key == "unknown" ? 1 : 0) << r.key;

  auto by_outcome = breakdown(*db_, from, to, Dimension::outcome);
  ASSERT_TRUE(by_outcome.ok());
  ASSERT_EQ(by_outcome->back().key, "none");
  EXPECT_EQ(by_outcome->back().count, 2);

  EXPECT_EQ(
      breakdown(*db_, at(0), at(4000000000), Dimension::channel, {Period::month, hours(7), {}}).error().code,
      ErrorCode::limit_exceeded);
}

// ---- the published table, rebuilt ----

// Under the sanitizers (ten times slower) the test loads every recorded contact but one in 25 of
// the unrecorded calls, and expects total_calls to match; the release build checks the published
// table exactly (and bench_stats loads a million contacts).
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kCallsScale = 25;
#else
constexpr std::size_t kCallsScale = 1;
#endif

struct Column {
  std::string title;
  Timestamp from, to;
  std::map<std::string, std::int64_t> counts;
};

// "2020" is the year; "2023_jan_aug" January to August (local time).
Column period_of(const std::string& title) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  Column c;
  c.title = title;
  const int y = std::stoi(title.substr(0, 4));
  unsigned first = 1, last = 12;
  if (title.size() > 4) {
    auto month_of = [&](const std::string& m) {
      for (unsigned i = 0; i < 12; ++i) {
        if (m == kMonths[i]) return i + 1;
      }
      ADD_FAILURE() << "unknown month in column " << title;
      return 1u;
    };
    first = month_of(title.substr(5, 3));
    last = month_of(title.substr(9, 3));
  }
  c.from = vn_midnight(y, first, 1);
  c.to = last == 12 ? vn_midnight(y + 1, 1, 1) : vn_midnight(y, last + 1, 1);
  return c;
}

// Contacts whose table is the column's: the counts come from the CSV, everything else at random.
class Generator {
 public:
  Generator(const Column& col, std::vector<std::string> units, std::uint64_t seed)
      : col_(col), units_(std::move(units)), rng_(seed) {}

  std::int64_t n(const std::string& key) const {
    auto it = col_.counts.find(key);
    EXPECT_NE(it, col_.counts.end()) << key;
    return it == col_.counts.end() ? 0 : it->second;
  }

  // The recorded contacts (a few tens of thousands).
  std::vector<NewContact> recorded() {
    std::vector<std::pair<std::string, std::int64_t>> oc, oi;
    for (const auto& [key, count] : col_.counts) {
      if (key.starts_with("oc_")) oc.emplace_back(key.substr(3), count);
      if (key.starts_with("oi_"))
        oi.emplace_back(key == "oi_violence" ? "violence_bullying" : key.substr(3), count);
    }
    const auto sum = [](const auto& v) {
      return std::accumulate(v.begin(), v.end(), std::int64_t{0},
                             [](std::int64_t a, const auto& p) { return a + p.second; });
    };
    // The published table is consistent: the generator relies on it.
    EXPECT_EQ(sum(oc), n("online_counselling"));
    EXPECT_EQ(sum(oi), n("online_intervention"));
    EXPECT_EQ(n("online_abuse"), n("online_counselling") + n("online_intervention"));
    EXPECT_LE(n("intervention_cases") + n("online_counselling"), n("recorded_calls"));
    EXPECT_LE(n("online_intervention"), n("intervention_cases"));
    EXPECT_LE(n("indepth_counselling"), n("recorded_calls"));

    std::vector<NewContact> out;
    for (const auto& [category, count] : oi) {
      for (std::int64_t i = 0; i < count; ++i) out.push_back(file({category}, "intervention"));
    }
    for (const auto& [category, count] : oc) {
      for (std::int64_t i = 0; i < count; ++i) {
        out.push_back(file({category}, pick({"counselled", "information", "referred", ""})));
      }
    }
    for (std::int64_t i = n("online_intervention"); i < n("intervention_cases"); ++i) {
      out.push_back(file(pick_offline(), "intervention"));
    }
    const std::size_t online = static_cast<std::size_t>(n("online_abuse"));
    while (static_cast<std::int64_t>(out.size()) < n("recorded_calls")) {
      out.push_back(file(pick_offline(), pick({"counselled", "information", "referred", "no_action", ""})));
    }
    // In-depth counselling on a random subset of the recorded contacts.
    std::vector<std::size_t> order(out.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), rng_);
    for (std::int64_t i = 0; i < n("indepth_counselling"); ++i) {
      Contact& k = out[order[static_cast<std::size_t>(i)]].contact;
      k.indepth = true;
      if (k.outcome != "intervention" && coin()) k.outcome = "indepth_counselling";
    }
    // Clip notices on random online contacts (the first `online` of `out`).
    for (std::int64_t i = 0; i < n("channel_clip_notices"); ++i) {
      const std::size_t span = online > 0 ? online : out.size();
      out[uniform(span)].contact.clip_notices += 1;
    }
    return out;
  }

  // `count` unrecorded calls at random times in [from, to) (a part of the column's period).
  std::vector<NewContact> unrecorded(std::size_t count, Timestamp from, Timestamp to) {
    std::vector<NewContact> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      NewContact c = base(from, to);
      c.contact.outcome = pick({"", "", "no_action", "information"});
      out.push_back(std::move(c));
    }
    return out;
  }

 private:
  std::size_t uniform(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool coin() { return uniform(2) == 0; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[uniform(v.size())];
  }
  std::string pick(std::initializer_list<const char*> v) {
    return std::string(*(v.begin() + uniform(v.size())));
  }
  std::vector<std::string> pick_offline() {
    return coin() ? std::vector<std::string>{} : std::vector<std::string>{"other"};
  }

  NewContact base(Timestamp from, Timestamp to) {
    NewContact c;
    const auto span = static_cast<std::uint64_t>((to - from).count());
    c.contact.start = from + microseconds(std::uniform_int_distribution<std::uint64_t>(0, span - 1)(rng_));
    c.contact.channel = std::string(taxonomy::channels()[uniform(taxonomy::channels().size())].key);
    c.contact.unit_id = pick(units_);
    c.contact.duration_s = static_cast<std::int64_t>(uniform(1800));
    return c;
  }
  NewContact file(std::vector<std::string> categories, const std::string& outcome) {
    NewContact c = base(col_.from, col_.to);
    c.contact.recorded = true;
    c.contact.categories = std::move(categories);
    c.contact.outcome = outcome;
    c.contact.counsellor_id = "user-" + std::to_string(uniform(40));
    c.contact.child.province = std::string(taxonomy::provinces()[uniform(taxonomy::provinces().size())].key);
    c.contact.child.age_band = std::string(taxonomy::age_bands()[uniform(taxonomy::age_bands().size())].key);
    c.contact.child.gender = std::string(taxonomy::genders()[uniform(taxonomy::genders().size())].key);
    return c;
  }

  const Column& col_;
  std::vector<std::string> units_;
  std::mt19937_64 rng_;
};

TEST_P(StatsTest, ThePublishedTableIsRebuiltFromRecords) {
  const std::string text = testing::read_shared_csv();
  ASSERT_FALSE(text.empty()) << "the shared statistics table is missing";
  auto csv = testing::parse_csv(text);
  ASSERT_GE(csv.size(), 2u);
  const auto header = csv[0];
  ASSERT_GE(header.size(), 5u);
  ASSERT_EQ((std::vector<std::string>(header.begin(), header.begin() + 4)),
            (std::vector<std::string>{"key", "parent", "label_vi", "label_en"}));
  std::vector<Column> columns;
  for (std::size_t i = 4; i < header.size(); ++i) columns.push_back(period_of(header[i]));
  std::map<std::string, std::size_t> row_of;
  for (std::size_t r = 1; r < csv.size(); ++r) row_of[csv[r][0]] = r - 1;
  for (std::size_t r = 1; r < csv.size(); ++r) {
    ASSERT_EQ(csv[r].size(), header.size()) << "row " << r;
    for (std::size_t i = 4; i < header.size(); ++i) columns[i - 4].counts[csv[r][0]] = std::stoll(csv[r][i]);
  }

  // Load every column's contacts: about 1.8 million, mostly unrecorded calls. The calls come in
  // chunks of consecutive parts of the period, as a call log is imported (random times inside
  // each part).
  const auto started = steady_clock::now();
  std::int64_t loaded = 0;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    Generator g(columns[i], {north_, south_}, 111 + i);
    auto files = g.recorded();
    store(files);
    loaded += static_cast<std::int64_t>(files.size());
    const auto calls = static_cast<std::size_t>(g.n("total_calls") - g.n("recorded_calls")) / kCallsScale;
    if (kCallsScale > 1) {
      columns[i].counts["total_calls"] = g.n("recorded_calls") + static_cast<std::int64_t>(calls);
      csv[1 + row_of.at("total_calls")][4 + i] = std::to_string(columns[i].counts["total_calls"]);
    }
    const std::size_t parts = (calls + 99999) / 100000;
    const auto span = columns[i].to - columns[i].from;
    for (std::size_t part = 0, done = 0; part < parts; ++part) {
      const std::size_t chunk = calls * (part + 1) / parts - done;
      store(g.unrecorded(
          chunk, columns[i].from + span * static_cast<std::int64_t>(part) / static_cast<std::int64_t>(parts),
          columns[i].from + span * static_cast<std::int64_t>(part + 1) / static_cast<std::int64_t>(parts)));
      done += chunk;
      loaded += static_cast<std::int64_t>(chunk);
    }
    if (HasFatalFailure()) return;
  }
  const double seconds_taken = duration<double>(steady_clock::now() - started).count();
  std::printf("[ info ] %s: %lld contacts loaded in %.1f s\n", testing::engine_name({GetParam(), 0}).c_str(),
              static_cast<long long>(loaded), seconds_taken);

  // Every row, every column: keys, parents, labels and counts as published.
  std::vector<Table> tables;
  for (const Column& col : columns) {
    const auto q = steady_clock::now();
    Table t = table(col.from, col.to);
    std::printf("[ info ] table %s in %.0f ms\n", col.title.c_str(),
                duration<double, std::milli>(steady_clock::now() - q).count());
    ASSERT_EQ(t.rows.size(), csv.size() - 1);
    for (std::size_t r = 1; r < csv.size(); ++r) {
      const TableRow& row = t.rows[r - 1];
      EXPECT_EQ(row.key, csv[r][0]);
      EXPECT_EQ(row.parent, csv[r][1]) << row.key;
      EXPECT_EQ(row.label_vi, csv[r][2]) << row.key;
      EXPECT_EQ(row.label_en, csv[r][3]) << row.key;
      EXPECT_EQ(row.count, col.counts.at(csv[r][0])) << col.title << " " << row.key;
    }
    // Both offices together make the whole.
    const Table north = table(col.from, col.to, north_);
    const Table south = table(col.from, col.to, south_);
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      EXPECT_EQ(north.rows[r].count + south.rows[r].count, t.rows[r].count)
          << col.title << " " << t.rows[r].key;
    }
    tables.push_back(std::move(t));
  }

  // The CSV export of the four tables is the published file again (cell for cell).
  std::vector<std::string> titles;
  for (const Column& col : columns) titles.push_back(col.title);
  auto exported = table_export(tables, titles);
  ASSERT_TRUE(exported.ok()) << exported.error().message;
  auto bytes = to_csv(*exported);
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(bytes->starts_with("\xEF\xBB\xBF"));
  EXPECT_EQ(testing::parse_csv(std::string_view(*bytes).substr(3)), csv);

  // Breakdowns agree with the table.
  auto by_channel = breakdown(*db_, columns[0].from, columns[0].to, Dimension::channel);
  ASSERT_TRUE(by_channel.ok());
  std::int64_t sum = 0;
  for (const CountRow& r : *by_channel) sum += r.count;
  EXPECT_EQ(sum, columns[0].counts.at("total_calls"));
  auto by_province = breakdown(*db_, columns[0].from, columns[0].to, Dimension::province);
  ASSERT_TRUE(by_province.ok());
  sum = 0;
  for (const CountRow& r : *by_province) sum += r.count;
  EXPECT_EQ(sum, columns[0].counts.at("recorded_calls"));
  // Categories: every recorded contact with the category, counselling or intervention alike.
  const Column& last = columns.back();
  auto by_category = breakdown(*db_, last.from, last.to, Dimension::category);
  ASSERT_TRUE(by_category.ok());
  for (const CountRow& r : *by_category) {
    if (r.key == "safe_use") {
      EXPECT_EQ(r.count, last.counts.at("oc_safe_use"));
    }
    if (r.key == "sexual_abuse") {
      EXPECT_EQ(r.count, last.counts.at("oc_sexual_abuse") + last.counts.at("oi_sexual_abuse"));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, StatsTest,
                         ::testing::Values(store::Engine::sqlite, store::Engine::postgresql),
                         testing::engine_name);

}  // namespace
}  // namespace baove::hotline
