// Benchmark of the hotline statistics (hotline/stats.hpp) on both engines.
//
//   bench_stats [--contacts N] [--smoke] [--no-postgres] [--postgres-url URL] [--dir DIR]
//               [--no-worst-case]
//
// For each engine it loads N contacts (default 1,000,000) that began in one year (2020, Viet Nam
// time) through hotline::create_many, in one transaction, in chunks of 100,000 covering
// consecutive parts of the year (as a call log is imported), and prints the load rate, the time of
// the ministry's table for that year (the first run and the best of five), the same table for
// one unit and the units below it, and two breakdowns. The contacts follow the published 2020
// column (../shared/domain/hotline111_statistics_2020_2023.csv): the same share of recorded
// contacts, in-depth counselling, interventions and online-harm categories, with random times,
// channels, provinces and units. The worst case follows: N contacts that are all recorded, each
// with online-harm categories (--no-worst-case skips it). The line "goal: ..." compares the
// one-year table with the goal: under 1 s over 1,000,000 contacts.
//
// SQLite's file goes in --dir (default: the temporary directory). PostgreSQL is a throw-away
// server (tests/support/postgres_server.hpp; fsync off, which changes the load, not the queries)
// unless --postgres-url names one; after the load it runs VACUUM ANALYZE, as autovacuum would
// after a bulk load. --smoke loads 20,000 contacts and runs each query once.
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "auth/auth.hpp"
#include "hotline/hotline.hpp"
#include "hotline/stats.hpp"
#include "store/store.hpp"
#include "support/postgres_server.hpp"
#include "taxonomy/taxonomy.hpp"

namespace {

namespace hl = baove::hotline;
using Clock = std::chrono::steady_clock;
using namespace std::chrono;

constexpr double kGoalMs = 1000;
constexpr std::int64_t kGoalContacts = 1000000;
constexpr std::size_t kChunk = 100000;

double ms_since(Clock::time_point t) { return duration<double, std::milli>(Clock::now() - t).count(); }

hl::Timestamp vn_midnight(int y, unsigned m, unsigned d) {
  return time_point_cast<microseconds>(sys_days(year_month_day{year(y), month(m), day(d)})) - hours(7);
}

// Shares of the published 2020 column.
struct Mix {
  double recorded = 0;      // of all contacts
  double indepth = 0;       // of recorded
  double intervention = 0;  // of recorded
  double online = 0;        // of recorded: with an online-harm category
  double clip_notices = 0;  // notices per online contact
};

std::optional<Mix> read_mix() {
  std::ifstream in(std::string(BAOVE_SHARED_DIR) + "/domain/hotline111_statistics_2020_2023.csv");
  if (!in) return std::nullopt;
  std::map<std::string, double> v;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    // key is the first field; the 2020 count is the fifth field counted from the end of the line
    // backwards (labels may hold quoted commas).
    std::vector<std::string> tail;
    std::string rest = line;
    for (int i = 0; i < 4; ++i) {
      const auto comma = rest.rfind(',');
      if (comma == std::string::npos) return std::nullopt;
      tail.push_back(rest.substr(comma + 1));
      rest.resize(comma);
    }
    v[line.substr(0, line.find(','))] = std::stod(tail.back());
  }
  Mix m;
  if (v["total_calls"] <= 0 || v["recorded_calls"] <= 0) return std::nullopt;
  m.recorded = v["recorded_calls"] / v["total_calls"];
  m.indepth = v["indepth_counselling"] / v["recorded_calls"];
  m.intervention = v["intervention_cases"] / v["recorded_calls"];
  m.online = v["online_abuse"] / v["recorded_calls"];
  m.clip_notices = v["online_abuse"] > 0 ? v["channel_clip_notices"] / v["online_abuse"] : 0;
  return m;
}

class Generator {
 public:
  Generator(const Mix& mix, bool worst, std::vector<std::string> units, std::uint64_t seed)
      : mix_(mix), worst_(worst), units_(std::move(units)), rng_(seed) {}

  std::vector<hl::NewContact> next(std::size_t n, hl::Timestamp from, hl::Timestamp to) {
    std::vector<hl::NewContact> out(n);
    const auto span = static_cast<std::uint64_t>((to - from).count());
    const auto cats = baove::taxonomy::categories();
    for (auto& c : out) {
      hl::Contact& k = c.contact;
      k.start = from + microseconds(std::uniform_int_distribution<std::uint64_t>(0, span - 1)(rng_));
      k.channel = std::string(pick(baove::taxonomy::channels()).key);
      k.unit_id = units_[uniform(units_.size())];
      k.duration_s = static_cast<std::int64_t>(uniform(1800));
      if (!worst_ && !chance(mix_.recorded)) continue;
      k.recorded = true;
      k.counsellor_id = "user-" + std::to_string(uniform(40));
      k.child = {std::string(pick(baove::taxonomy::age_bands()).key),
                 std::string(pick(baove::taxonomy::genders()).key),
                 std::string(pick(baove::taxonomy::provinces()).key)};
      k.indepth = chance(mix_.indepth);
      k.outcome = chance(mix_.intervention) ? "intervention" : "counselled";
      if (worst_ || chance(mix_.online)) {
        k.categories.emplace_back(cats[uniform(cats.size() - 1)].key);  // not "other"
        if (worst_ && chance(0.3)) {
          const std::string second(cats[uniform(cats.size())].key);
          if (second != k.categories.front()) k.categories.push_back(second);
        }
        k.clip_notices = chance(mix_.clip_notices) ? 1 : 0;
      } else if (chance(0.5)) {
        k.categories.emplace_back("other");
      }
    }
    return out;
  }

 private:
  std::size_t uniform(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  const baove::taxonomy::Term& pick(std::span<const baove::taxonomy::Term> list) {
    return list[uniform(list.size())];
  }

  Mix mix_;
  bool worst_;
  std::vector<std::string> units_;
  std::mt19937_64 rng_;
};

struct Options {
  std::int64_t contacts = kGoalContacts;
  bool smoke = false;
  bool postgres = true;
  bool worst_case = true;
  std::string postgres_url;
  std::string dir;
};

struct Figures {
  double load_s = 0;
  double table_first_ms = 0;
  double table_best_ms = 0;
  double table_unit_ms = 0;
  double channel_ms = 0;
  double province_ms = 0;
};

bool fail(const std::string& label, const std::string& what, const baove::Error& e) {
  std::fprintf(stderr, "%s: %s: %s\n", label.c_str(), what.c_str(), e.message.c_str());
  return false;
}

bool run(const std::string& label, baove::store::Connection& c, const Options& o, const Mix& mix, bool worst,
         Figures& f) {
  if (auto s = baove::audit::migrate(c); !s.ok()) return fail(label, "migrate audit", s.error());
  if (auto s = baove::auth::Service::migrate(c); !s.ok()) return fail(label, "migrate auth", s.error());
  if (auto s = hl::migrate(c); !s.ok()) return fail(label, "migrate hotline", s.error());
  baove::audit::Log log(baove::audit::SigningKey::generate(), baove::audit::LogOptions{});
  baove::auth::Service auth(c, log, baove::auth::Options{});
  const baove::auth::Actor root{"", "", {}, ""};
  auto hotline = auth.create_unit(root, "Hotline 111", baove::auth::UnitKind::hotline, "");
  if (!hotline.ok()) return fail(label, "unit", hotline.error());
  std::vector<std::string> units;
  for (const char* name : {"North", "Centre", "South"}) {
    auto u = auth.create_unit(root, name, baove::auth::UnitKind::provincial_department, hotline->id);
    if (!u.ok()) return fail(label, "unit", u.error());
    units.push_back(u->id);
  }

  hl::Keys keys;
  randombytes_buf(keys.notes.data(), keys.notes.size());
  randombytes_buf(keys.lookup.data(), keys.lookup.size());
  const hl::Timestamp from = vn_midnight(2020, 1, 1), to = vn_midnight(2021, 1, 1);
  Generator gen(mix, worst, units, 2020);
  double generating_ms = 0;
  auto start = Clock::now();
  {
    baove::store::Transaction tx(c);
    if (!tx.started().ok()) return fail(label, "begin", tx.started().error());
    // In chunks of consecutive parts of the year, as a call log is imported.
    const std::int64_t parts =
        (o.contacts + static_cast<std::int64_t>(kChunk) - 1) / static_cast<std::int64_t>(kChunk);
    for (std::int64_t part = 0, left = o.contacts; left > 0; ++part) {
      const std::size_t n = std::min<std::size_t>(kChunk, static_cast<std::size_t>(left));
      const auto g = Clock::now();
      const auto batch =
          gen.next(n, from + (to - from) * part / parts, from + (to - from) * (part + 1) / parts);
      generating_ms += ms_since(g);
      auto stored = hl::create_many(c, keys, batch, hl::Timestamp(seconds(1700000000)));
      if (!stored.ok()) return fail(label, "load", stored.error());
      left -= static_cast<std::int64_t>(n);
    }
    if (auto s = tx.commit(); !s.ok()) return fail(label, "commit", s.error());
  }
  f.load_s = (ms_since(start) - generating_ms) / 1000;
  if (c.engine() == baove::store::Engine::postgresql) {
    if (auto s = c.exec_script("VACUUM ANALYZE hotline_contacts"); !s.ok())
      return fail(label, "vacuum", s.error());
  }

  const int runs = o.smoke ? 1 : 5;
  std::int64_t total = -1;
  for (int i = 0; i < runs; ++i) {
    const auto q = Clock::now();
    auto t = hl::hotline_table(c, from, to);
    const double ms = ms_since(q);
    if (!t.ok()) return fail(label, "table", t.error());
    total = t->count("total_calls");
    if (i == 0) f.table_first_ms = ms;
    f.table_best_ms = i == 0 ? ms : std::min(f.table_best_ms, ms);
  }
  if (total != o.contacts) {
    std::fprintf(stderr, "%s: the table counts %lld contacts, %lld were loaded\n", label.c_str(),
                 static_cast<long long>(total), static_cast<long long>(o.contacts));
    return false;
  }
  for (int i = 0; i < std::min(runs, 3); ++i) {
    const auto q = Clock::now();
    auto t = hl::hotline_table(c, from, to, hl::StatsFilter{hotline->id});
    const double ms = ms_since(q);
    if (!t.ok()) return fail(label, "table for a unit", t.error());
    f.table_unit_ms = i == 0 ? ms : std::min(f.table_unit_ms, ms);
  }
  auto q = Clock::now();
  auto by_channel = hl::breakdown(c, from, to, hl::Dimension::channel, {hl::Period::month, hours(7), {}});
  f.channel_ms = ms_since(q);
  if (!by_channel.ok()) return fail(label, "breakdown", by_channel.error());
  q = Clock::now();
  auto by_province = hl::breakdown(c, from, to, hl::Dimension::province);
  f.province_ms = ms_since(q);
  if (!by_province.ok()) return fail(label, "breakdown", by_province.error());
  return true;
}

void print(const std::string& label, const Options& o, const Figures& f) {
  std::printf("%-22s load %lld contacts: %.1f s (%.0f contacts/s)\n", label.c_str(),
              static_cast<long long>(o.contacts), f.load_s, static_cast<double>(o.contacts) / f.load_s);
  std::printf("%-22s table for the year: first %.0f ms, best %.0f ms\n", label.c_str(), f.table_first_ms,
              f.table_best_ms);
  std::printf("%-22s table for a unit and below: %.0f ms\n", label.c_str(), f.table_unit_ms);
  std::printf("%-22s breakdown by channel and month: %.0f ms; by province: %.0f ms\n", label.c_str(),
              f.channel_ms, f.province_ms);
  std::fflush(stdout);
}

std::filesystem::path sqlite_path(const Options& o, const std::string& name) {
  const std::filesystem::path dir =
      o.dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(o.dir);
  return dir / ("bench-stats-" + std::to_string(getpid()) + "-" + name + ".db");
}

void remove_sqlite(const std::filesystem::path& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix, ec);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--contacts") {
      o.contacts = std::atoll(value().c_str());
    } else if (a == "--smoke") {
      o.smoke = true;
      o.contacts = 20000;
    } else if (a == "--no-postgres") {
      o.postgres = false;
    } else if (a == "--no-worst-case") {
      o.worst_case = false;
    } else if (a == "--postgres-url") {
      o.postgres_url = value();
    } else if (a == "--dir") {
      o.dir = value();
    } else {
      std::fprintf(
          stderr,
          "usage: bench_stats [--contacts N] [--smoke] [--no-postgres] [--postgres-url URL] [--dir DIR] "
          "[--no-worst-case]\n");
      return 2;
    }
  }
  if (o.contacts <= 0) {
    std::fprintf(stderr, "--contacts must be positive\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;
  const auto mix = read_mix();
  if (!mix) {
    std::fprintf(stderr, "cannot read the published table under %s/domain\n", BAOVE_SHARED_DIR);
    return 1;
  }
  std::printf(
      "bench_stats: %lld contacts in one year (2020); mix of the published 2020 column: %.1f%% recorded, "
      "of which %.1f%% in-depth, %.1f%% interventions, %.1f%% online harm\n",
      static_cast<long long>(o.contacts), 100 * mix->recorded, 100 * mix->indepth, 100 * mix->intervention,
      100 * mix->online);

  std::unique_ptr<baove::testing::PostgresServer> server;
  std::string pg_url = o.postgres_url;
  if (o.postgres && pg_url.empty()) {
    auto s = baove::testing::PostgresServer::start();
    if (!s.ok()) {
      std::fprintf(stderr, "postgresql: %s\n", s.error().message.c_str());
      return 1;
    }
    server = std::move(*s);
    pg_url = server->url();
  }

  struct Outcome {
    std::string label;
    double best_ms;
  };
  std::vector<Outcome> results;
  bool ok = true;
  for (const bool worst : {false, true}) {
    if (worst && !o.worst_case) continue;
    const std::string set = worst ? " (all recorded)" : "";
    {
      const auto path = sqlite_path(o, worst ? "worst" : "mix");
      remove_sqlite(path);
      auto c = baove::store::open("sqlite:" + path.string());
      if (!c.ok()) {
        std::fprintf(stderr, "sqlite: %s\n", c.error().message.c_str());
        return 1;
      }
      Figures f;
      if (run("sqlite" + set, **c, o, *mix, worst, f)) {
        print("sqlite" + set, o, f);
        results.push_back({"sqlite" + set, f.table_best_ms});
      } else {
        ok = false;
      }
      c->reset();
      remove_sqlite(path);
    }
    if (o.postgres) {
      std::string url = pg_url;
      if (server) {
        auto db = server->create_database(worst ? "bench_stats_worst" : "bench_stats_mix");
        if (!db.ok()) {
          std::fprintf(stderr, "postgresql: %s\n", db.error().message.c_str());
          return 1;
        }
        url = *db;
      }
      auto c = baove::store::open(url);
      if (!c.ok()) {
        std::fprintf(stderr, "postgresql: %s\n", c.error().message.c_str());
        return 1;
      }
      if (!o.postgres_url.empty()) {
        // An existing server: start from an empty schema.
        (void)(*c)->exec_script(
            "DROP TABLE IF EXISTS hotline_contact_reports, hotline_contact_accounts, "
            "hotline_contact_notes, hotline_contacts CASCADE");
        (void)(*c)->exec_script("DELETE FROM schema_migrations WHERE component = 'hotline'");
      }
      Figures f;
      if (run("postgresql" + set, **c, o, *mix, worst, f)) {
        print("postgresql" + set, o, f);
        results.push_back({"postgresql" + set, f.table_best_ms});
      } else {
        ok = false;
      }
    }
  }
  std::printf("goal: the table for one year over %s contacts in under %.0f ms:", "1,000,000", kGoalMs);
  for (const auto& r : results) {
    std::printf(" %s %.0f ms (%s);", r.label.c_str(), r.best_ms, r.best_ms < kGoalMs ? "met" : "NOT met");
  }
  if (o.contacts != kGoalContacts) {
    std::printf(" [measured over %lld contacts, not the goal's size]", static_cast<long long>(o.contacts));
  }
  std::printf("\n");
  return ok ? 0 : 1;
}
