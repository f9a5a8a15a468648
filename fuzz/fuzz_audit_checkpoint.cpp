// libFuzzer target: the checkpoint file parser on arbitrary bytes. Every checkpoint it accepts
// must print back to the line it came from; every refusal must say why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "audit/audit.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace baove::audit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = parse_checkpoint_file(text);
  if (!file) {
    if (file.error().message.empty()) __builtin_trap();
    return 0;
  }
  for (const Checkpoint& cp : *file) {
    auto again = Checkpoint::from_line(cp.to_line());
    if (!again || !(*again == cp)) __builtin_trap();
    // Verifying a signature of arbitrary content must simply say no (or yes), never crash.
    (void)cp.signature_valid(PublicKey{});
  }
  return 0;
}
