// libFuzzer target: the bank import parser for the plain format on arbitrary bytes. Every
// entry it yields must be well formed, every problem reported as an issue or an error.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "bank/formats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace baove;
  using namespace baove::bank;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (bool skip : {true, false}) {
    std::istringstream in(text);
    ParseOptions options;
    options.max_line_bytes = 4096;
    Status s = parse_entries(
        Format::plain, in, options,
        [](const NewEntry& e, const std::string& where) -> Status {
          auto canon = canonical_value(e.type, e.value);
          if (!canon || *canon != e.value || where.empty()) __builtin_trap();
          return {};
        },
        [skip](const ParseIssue& issue) -> Status {
          if (issue.where.empty() || issue.reason.empty()) __builtin_trap();
          if (skip) return {};
          return make_error(ErrorCode::invalid_argument, issue.to_string());
        });
    if (!s && s.error().message.empty()) __builtin_trap();
  }
  return 0;
}
