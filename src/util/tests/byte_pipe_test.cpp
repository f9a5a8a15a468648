// The bounded pipe between a pushing and a pulling thread.
#include "util/byte_pipe.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace baove {
namespace {

TEST(BytePipe, EveryByteArrivesInOrderAndTheProducerWaitsWhenFull) {
  BytePipe pipe(4096);
  std::atomic<std::size_t> pushed{0};
  std::thread producer([&] {
    std::vector<std::uint8_t> piece(1000);
    for (std::size_t i = 0; i < 200; ++i) {
      for (std::size_t j = 0; j < piece.size(); ++j)
        piece[j] = static_cast<std::uint8_t>((i * 1000 + j) % 253);
      ASSERT_TRUE(pipe.push(piece).ok());
      pushed += piece.size();
    }
    pipe.close();
  });
  // Nobody reads yet: the producer stops at the bound.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LE(pushed.load(), 4096u + 1000u);
  std::vector<std::uint8_t> out(777);
  std::size_t total = 0;
  bool in_order = true;
  for (;;) {
    auto got = pipe.pull(out);
    ASSERT_TRUE(got.ok());
    if (*got == 0) break;
    for (std::size_t k = 0; k < *got; ++k) in_order = in_order && out[k] == (total + k) % 253;
    total += *got;
  }
  producer.join();
  EXPECT_EQ(total, 200'000u);
  EXPECT_TRUE(in_order);
}

TEST(BytePipe, TheProducersErrorComesAfterItsBytes) {
  BytePipe pipe;
  const std::vector<std::uint8_t> bytes{1, 2, 3};
  ASSERT_TRUE(pipe.push(bytes).ok());
  pipe.close(make_error(ErrorCode::io, "connection reset"));
  std::vector<std::uint8_t> out(10);
  auto first = pipe.pull(out);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 3u);
  auto second = pipe.pull(out);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "connection reset");
}

TEST(BytePipe, AConsumerThatStopsReleasesTheProducer) {
  BytePipe pipe(10);
  std::thread producer([&] {
    const std::vector<std::uint8_t> piece(8, 7);
    Status s;
    while ((s = pipe.push(piece)).ok()) {
    }
    EXPECT_EQ(s.error().code, ErrorCode::io);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pipe.abort();
  producer.join();
}

}  // namespace
}  // namespace baove
