// libFuzzer target: the bank import parser for the te_csv format on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "bank_import_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  baove::fuzzing::check_bank_import(baove::bank::Format::te_csv, data, size);
  return 0;
}
