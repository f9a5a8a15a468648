// Fills a data directory's queue for bench/queue_paint.mjs: `bench_queue_seed DATA_DIR UNIT_ID COUNT`
// stores COUNT waiting reports for UNIT_ID as the public form and the channels would (a mix of
// channels, categories, ages; one in fifty a child in danger now), received over the last days,
// in one transaction. Prints the number stored.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "platform/platform.hpp"
#include "report/keys.hpp"
#include "report/report.hpp"
#include "store/store.hpp"
#include "taxonomy/taxonomy.hpp"

using namespace baove;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_queue_seed DATA_DIR UNIT_ID COUNT\n");
    return 2;
  }
  platform::Config config;
  config.data_dir = argv[1];
  const std::string unit = argv[2];
  const long count = std::strtol(argv[3], nullptr, 10);
  auto p = platform::Platform::open(config);
  if (!p.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", argv[1], p.error().message.c_str());
    return 1;
  }
  auto keys = report::Keys::load_or_create(config.data_dir / "keys" / "report.key");
  auto db = (*p)->connect();
  if (!keys.ok() || !db.ok()) {
    std::fprintf(stderr, "cannot open the report keys or the database\n");
    return 1;
  }
  std::mt19937 rng(42);
  const auto channels = taxonomy::channels();
  const auto categories = taxonomy::categories();
  const auto ages = taxonomy::age_bands();
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  store::Transaction tx(**db);
  if (!tx.started().ok()) return 1;
  for (long i = 0; i < count; ++i) {
    report::NewReport r;
    r.channel = std::string(channels[1 + rng() % 4].key);  // web, zalo, facebook, email
    r.category = std::string(categories[rng() % categories.size()].key);
    r.age_band = std::string(ages[rng() % ages.size()].key);
    if (r.age_band == "unknown") r.age_band.clear();
    r.description = "Báo cáo thử nghiệm số " + std::to_string(i);
    r.danger_now = rng() % 50 == 0;
    r.unit = unit;
    const auto received = now - std::chrono::seconds(rng() % (3 * 24 * 3600));
    auto receipt = report::create(**db, *keys, r, received);
    if (!receipt.ok()) {
      std::fprintf(stderr, "report %ld: %s\n", i, receipt.error().message.c_str());
      return 1;
    }
  }
  if (!tx.commit().ok()) return 1;
  std::printf("%ld\n", count);
  return 0;
}
