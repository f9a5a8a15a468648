#include "hotline/zip.hpp"

#include <zlib.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace baove::hotline::zip {
namespace {

constexpr std::uint32_t kLocalSignature = 0x04034b50;
constexpr std::uint32_t kCentralSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint16_t kVersion = 20;                       // 2.0: deflate
constexpr std::uint16_t kUtf8Names = 0x0800;                 // general purpose bit 11
constexpr std::uint16_t kDosTime = 0;                        // 00:00:00
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01

void put16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

Result<std::string> deflate_raw(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return make_error(ErrorCode::internal, "zip: deflate failed to start");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const uLong produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return make_error(ErrorCode::internal, "zip: deflate failed");
  out.resize(produced);
  return out;
}

}  // namespace

Result<std::string> write(std::span<const Entry> entries) {
  constexpr std::size_t kMax32 = std::numeric_limits<std::uint32_t>::max();
  if (entries.size() > 0xFFFF) return make_error(ErrorCode::limit_exceeded, "zip: more than 65535 entries");
  std::string out;
  std::string central;
  for (const Entry& e : entries) {
    if (e.name.empty() || e.name.size() > 0xFFFF || e.name.front() == '/' ||
        e.name.find('\\') != std::string::npos) {
      return make_error(ErrorCode::invalid_argument, "zip: bad entry name");
    }
    if (e.data.size() > kMax32 || out.size() > kMax32) {
      return make_error(ErrorCode::limit_exceeded, "zip: over 4 GiB (no ZIP64)");
    }
    const auto crc = static_cast<std::uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
    std::string packed;
    std::uint16_t method = 0;
    if (e.deflate) {
      auto d = deflate_raw(e.data);
      if (!d.ok()) return d.error();
      packed = std::move(*d);
      method = 8;
    }
    const std::string_view body = e.deflate ? std::string_view(packed) : e.data;
    const auto offset = static_cast<std::uint32_t>(out.size());
    const auto name_len = static_cast<std::uint16_t>(e.name.size());

    put32(out, kLocalSignature);
    put16(out, kVersion);
    put16(out, kUtf8Names);
    put16(out, method);
    put16(out, kDosTime);
    put16(out, kDosDate);
    put32(out, crc);
    put32(out, static_cast<std::uint32_t>(body.size()));
    put32(out, static_cast<std::uint32_t>(e.data.size()));
    put16(out, name_len);
    put16(out, 0);  // extra field length
    out += e.name;
    out += body;

    put32(central, kCentralSignature);
    put16(central, kVersion);  // made by: MS-DOS, 2.0
    put16(central, kVersion);
    put16(central, kUtf8Names);
    put16(central, method);
    put16(central, kDosTime);
    put16(central, kDosDate);
    put32(central, crc);
    put32(central, static_cast<std::uint32_t>(body.size()));
    put32(central, static_cast<std::uint32_t>(e.data.size()));
    put16(central, name_len);
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk number start
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, offset);
    central += e.name;
  }
  if (out.size() + central.size() > kMax32) {
    return make_error(ErrorCode::limit_exceeded, "zip: over 4 GiB (no ZIP64)");
  }
  const auto central_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, kEndSignature);
  put16(out, 0);  // this disk
  put16(out, 0);  // disk with the central directory
  put16(out, static_cast<std::uint16_t>(entries.size()));
  put16(out, static_cast<std::uint16_t>(entries.size()));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, central_offset);
  put16(out, 0);  // comment length
  return out;
}

}  // namespace baove::hotline::zip
