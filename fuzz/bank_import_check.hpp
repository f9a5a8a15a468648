// The check every bank-import fuzz target runs: parse arbitrary bytes in one format, with and
// without skipping bad lines. Every entry yielded must be well formed (its value canonical),
// every problem reported with a place and a reason, and every error must say something.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "bank/formats.hpp"

namespace baove::fuzzing {

inline void check_bank_import(bank::Format format, const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (bool skip : {true, false}) {
    std::istringstream in(text);
    bank::ParseOptions options;
    options.max_line_bytes = 4096;
    Status s = bank::parse_entries(
        format, in, options,
        [](const bank::NewEntry& e, const std::string& where) -> Status {
          auto canon = bank::canonical_value(e.type, e.value);
          if (!canon || *canon != e.value || where.empty()) __builtin_trap();
          return {};
        },
        [skip](const bank::ParseIssue& issue) -> Status {
          if (issue.where.empty() || issue.reason.empty()) __builtin_trap();
          if (skip) return {};
          return make_error(ErrorCode::invalid_argument, issue.to_string());
        });
    if (!s && s.error().message.empty()) __builtin_trap();
  }
}

}  // namespace baove::fuzzing
