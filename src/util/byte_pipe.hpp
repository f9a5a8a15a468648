// A bounded byte pipe between two threads: a producer that pushes (a download's or a decryption's
// callback) and a consumer that pulls (an upload into the vault, an HTTP response body). At most
// max_buffered bytes (plus one pushed piece) wait in between, so a fast side waits for a slow one
// instead of filling memory.
//
// Ending: the producer calls close() (with an error, or none for a clean end); the consumer sees
// the rest of the bytes, then the error or 0. A consumer that stops early calls abort(): the
// producer's next push() fails, so its thread can finish. Every call is thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "util/result.hpp"

namespace baove {

class BytePipe {
 public:
  explicit BytePipe(std::size_t max_buffered = 1 << 20) : max_buffered_(max_buffered) {}
  BytePipe(const BytePipe&) = delete;
  BytePipe& operator=(const BytePipe&) = delete;

  // Copies `bytes` in, waiting while the pipe is full; io when the consumer aborted.
  Status push(std::span<const std::uint8_t> bytes);
  // The producer is done: `error` when it failed, nullopt for a clean end.
  void close(std::optional<Error> error = std::nullopt);
  // Fills the front of `out` with the next bytes, waiting for some; 0 at a clean end, the
  // producer's error after the bytes it pushed.
  Result<std::size_t> pull(std::span<std::uint8_t> out);
  // The consumer stops: pending and later pushes fail.
  void abort();

 private:
  const std::size_t max_buffered_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<std::uint8_t>> chunks_;
  std::size_t offset_ = 0;
  std::size_t buffered_ = 0;
  bool closed_ = false;
  bool aborted_ = false;
  std::optional<Error> error_;
};

}  // namespace baove
