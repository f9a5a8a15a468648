// PdqIndex::load over arbitrary bytes: it must refuse what is not a valid snapshot with an
// error, never crash, hang or allocate without bound; what it accepts must be searchable and
// survive a save/load round trip unchanged.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "match/pdq_index.hpp"

namespace {

std::filesystem::path scratch_path(const char* suffix) {
  return std::filesystem::temp_directory_path() /
         ("fuzz_pdq_snapshot_" + std::to_string(::getpid()) + suffix);
}

bool write_all(const std::filesystem::path& p, const std::uint8_t* data, std::size_t size) {
  FILE* f = std::fopen(p.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = size == 0 || std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = scratch_path(".in");
  if (!write_all(path, data, size)) return 0;
  auto loaded = baove::match::PdqIndex::load(path);
  std::filesystem::remove(path);
  if (!loaded.ok()) {
    if (loaded.error().message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  // Accepted: a valid snapshot. Search it, save it again and compare.
  baove::match::PdqIndex& index = *loaded;
  baove::match::PdqHash q;
  for (std::size_t i = 0; i < 32 && i < size; ++i) q.w[i / 8] |= std::uint64_t{data[i]} << (8 * (i % 8));
  std::vector<baove::match::PdqHit> hits;
  if (!index.search(q, 64, hits).ok() || hits.size() > index.size()) std::abort();
  for (const auto& h : hits) {
    if (h.distance < 0 || h.distance > 64) std::abort();
  }
  const auto again = scratch_path(".out");
  if (!index.save(again).ok()) std::abort();
  auto reloaded = baove::match::PdqIndex::load(again);
  std::filesystem::remove(again);
  if (!reloaded.ok() || reloaded->size() != index.size()) std::abort();
  std::vector<baove::match::PdqHit> hits2;
  if (!reloaded->search(q, 64, hits2).ok() || hits2 != hits) std::abort();
  return 0;
}
