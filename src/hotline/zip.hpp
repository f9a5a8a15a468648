// A minimal ZIP writer (PKWARE APPNOTE 6.3): local headers, stored or deflated (zlib, raw
// deflate) entries with CRC-32, the central directory and its end record; no ZIP64, no
// encryption. Timestamps are fixed (1980-01-01 00:00) so equal input gives equal bytes. Used for
// the XLSX export; not part of the module's interface.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace baove::hotline::zip {

struct Entry {
  std::string name;  // UTF-8 path with "/" separators, 1..65535 bytes, no leading "/"
  std::string_view data;
  bool deflate = true;
};

// The archive's bytes. limit_exceeded past ZIP's 32-bit sizes or 65535 entries;
// invalid_argument for a bad name; internal if zlib fails.
Result<std::string> write(std::span<const Entry> entries);

}  // namespace baove::hotline::zip
