// libFuzzer target: the bank import parser for the plain format on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "bank_import_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  baove::fuzzing::check_bank_import(baove::bank::Format::plain, data, size);
  return 0;
}
