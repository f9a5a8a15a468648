#include "util/byte_pipe.hpp"

#include <algorithm>
#include <cstring>

namespace baove {

Status BytePipe::push(std::span<const std::uint8_t> bytes) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return buffered_ < max_buffered_ || aborted_; });
  if (aborted_) return make_error(ErrorCode::io, "the consumer stopped reading");
  chunks_.emplace_back(bytes.begin(), bytes.end());
  buffered_ += bytes.size();
  cv_.notify_all();
  return {};
}

void BytePipe::close(std::optional<Error> error) {
  std::lock_guard lock(mu_);
  closed_ = true;
  error_ = std::move(error);
  cv_.notify_all();
}

void BytePipe::abort() {
  std::lock_guard lock(mu_);
  aborted_ = true;
  cv_.notify_all();
}

Result<std::size_t> BytePipe::pull(std::span<std::uint8_t> out) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !chunks_.empty() || closed_; });
  if (chunks_.empty()) {
    if (error_) return *error_;
    return std::size_t{0};
  }
  auto& front = chunks_.front();
  const std::size_t n = std::min(out.size(), front.size() - offset_);
  if (n > 0) std::memcpy(out.data(), front.data() + offset_, n);
  offset_ += n;
  buffered_ -= n;
  if (offset_ == front.size()) {
    chunks_.pop_front();
    offset_ = 0;
  }
  cv_.notify_all();
  return n;
}

}  // namespace baove
