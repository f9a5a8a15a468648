// The canvas a HEIF/AVIF primary item declares when it is derived ('grid' or 'iovl'), read from
// the ISOBMFF boxes directly: libheif allocates that canvas from the item's own descriptor, which
// need not agree with the item's 'ispe', so the size is checked here before libheif sees it.
#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "hash/decoders.hpp"

namespace baove::hash::detail {

namespace {

using Bytes = std::span<const std::uint8_t>;

// A bounds-checked big-endian reader over one box's payload.
class Reader {
 public:
  explicit Reader(Bytes data) : data_(data) {}

  bool read(std::size_t n, std::uint64_t& out) {
    if (n > 8 || data_.size() - pos_ < n) return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i) out = (out << 8) | data_[pos_ + i];
    pos_ += n;
    return true;
  }
  bool skip(std::size_t n) {
    if (data_.size() - pos_ < n) return false;
    pos_ += n;
    return true;
  }
  bool fourcc(std::array<char, 4>& out) {
    if (data_.size() - pos_ < 4) return false;
    std::memcpy(out.data(), data_.data() + pos_, 4);
    pos_ += 4;
    return true;
  }
  std::size_t position() const { return pos_; }
  Bytes rest() const { return data_.subspan(pos_); }

 private:
  Bytes data_;
  std::size_t pos_ = 0;
};

struct Box {
  std::array<char, 4> type{};
  Bytes payload;
};

// Reads the box at the reader's position; false at the end or on a malformed header.
bool next_box(Reader& reader, Box& box) {
  const Bytes rest = reader.rest();
  if (rest.empty()) return false;
  std::uint64_t size = 0;
  if (!reader.read(4, size) || !reader.fourcc(box.type)) return false;
  std::size_t header = 8;
  if (size == 1) {
    if (!reader.read(8, size)) return false;
    header = 16;
  } else if (size == 0) {
    size = rest.size();
  }
  if (size < header || size > rest.size()) return false;
  box.payload = rest.subspan(header, static_cast<std::size_t>(size) - header);
  reader.skip(static_cast<std::size_t>(size) - header);
  return true;
}

bool is(const Box& box, const char (&type)[5]) { return std::memcmp(box.type.data(), type, 4) == 0; }

struct Location {
  std::uint64_t method = 0;  // 0: file offsets, 1: offsets into 'idat'
  std::uint64_t base = 0;
  std::uint64_t offset = 0;  // the first extent's (a descriptor is a few bytes: one extent holds it)
  std::uint64_t length = 0;
};

std::optional<Location> find_location(Bytes iloc, std::uint64_t item) {
  Reader r(iloc);
  std::uint64_t version = 0, sizes = 0, sizes2 = 0, count = 0;
  if (!r.read(1, version) || !r.skip(3) || version > 2 || !r.read(1, sizes) || !r.read(1, sizes2))
    return std::nullopt;
  const std::size_t offset_size = sizes >> 4, length_size = sizes & 15, base_size = sizes2 >> 4;
  const std::size_t index_size = version >= 1 ? (sizes2 & 15) : 0;
  if (!r.read(version < 2 ? 2 : 4, count)) return std::nullopt;
  for (std::uint64_t i = 0; i < count; ++i) {
    Location loc;
    std::uint64_t id = 0, extents = 0, ignored = 0;
    if (!r.read(version < 2 ? 2 : 4, id)) return std::nullopt;
    if (version >= 1 && !r.read(2, loc.method)) return std::nullopt;
    loc.method &= 15;
    if (!r.read(2, ignored) || !r.read(base_size, loc.base) || !r.read(2, extents)) return std::nullopt;
    for (std::uint64_t e = 0; e < extents; ++e) {
      std::uint64_t offset = 0, length = 0;
      if (!r.read(index_size, ignored) || !r.read(offset_size, offset) || !r.read(length_size, length))
        return std::nullopt;
      if (e == 0) loc.offset = offset, loc.length = length;
    }
    if (id == item) {
      if (extents == 0) return std::nullopt;
      return loc;
    }
  }
  return std::nullopt;
}

// The item type of `item` from 'iinf' (infe version 2 or 3), if listed.
std::optional<std::array<char, 4>> find_type(Bytes iinf, std::uint64_t item) {
  Reader r(iinf);
  std::uint64_t version = 0, count = 0;
  if (!r.read(1, version) || !r.skip(3) || !r.read(version == 0 ? 2 : 4, count)) return std::nullopt;
  Box box;
  while (next_box(r, box)) {
    if (!is(box, "infe")) continue;
    Reader e(box.payload);
    std::uint64_t infe_version = 0, id = 0;
    std::array<char, 4> type{};
    if (!e.read(1, infe_version) || !e.skip(3) || infe_version < 2) continue;
    if (!e.read(infe_version == 2 ? 2 : 4, id) || !e.skip(2) || !e.fourcc(type)) continue;
    if (id == item) return type;
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<HeifCanvas>> heif_derived_canvas(std::span<const std::uint8_t> bytes) {
  Reader top(bytes);
  Box box;
  Bytes meta;
  bool found = false;
  while (next_box(top, box)) {
    if (is(box, "meta")) {
      meta = box.payload;
      found = true;
      break;
    }
  }
  if (!found || meta.size() < 4) return std::optional<HeifCanvas>{};
  Reader children(meta.subspan(4));  // a full box: version and flags first
  Bytes pitm, iinf, iloc, idat;
  while (next_box(children, box)) {
    if (is(box, "pitm")) pitm = box.payload;
    if (is(box, "iinf")) iinf = box.payload;
    if (is(box, "iloc")) iloc = box.payload;
    if (is(box, "idat")) idat = box.payload;
  }
  Reader p(pitm);
  std::uint64_t version = 0, primary = 0;
  if (!p.read(1, version) || !p.skip(3) || !p.read(version == 0 ? 2 : 4, primary))
    return std::optional<HeifCanvas>{};
  const auto type = find_type(iinf, primary);
  if (!type) return std::optional<HeifCanvas>{};
  const bool grid = std::memcmp(type->data(), "grid", 4) == 0;
  const bool overlay = std::memcmp(type->data(), "iovl", 4) == 0;
  if (!grid && !overlay) return std::optional<HeifCanvas>{};
  // From here on the primary image is derived: a canvas that cannot be read is refused rather
  // than left for the decoder to size.
  const auto unreadable = make_error(
      ErrorCode::corrupt, std::string("unreadable ") + (grid ? "grid" : "overlay") + " descriptor");
  const auto loc = find_location(iloc, primary);
  if (!loc) return unreadable;
  if (loc->method > 1) return make_error(ErrorCode::unsupported, "derived image stored by item reference");
  const Bytes source = loc->method == 0 ? bytes : idat;
  const std::uint64_t start = loc->base + loc->offset;
  if (start < loc->base || start > source.size()) return unreadable;
  Bytes data = source.subspan(static_cast<std::size_t>(start));
  if (loc->length != 0 && loc->length < data.size()) data = data.first(static_cast<std::size_t>(loc->length));

  // grid: version, flags, rows - 1, columns - 1, then width and height.
  // iovl: version, flags, four 16-bit fill values, then width and height.
  Reader d(data);
  std::uint64_t flags = 0, width = 0, height = 0;
  if (!d.skip(1) || !d.read(1, flags) || !d.skip(grid ? 2 : 8)) return unreadable;
  const std::size_t field = (flags & 1) != 0 ? 4 : 2;
  if (!d.read(field, width) || !d.read(field, height)) return unreadable;
  return std::optional<HeifCanvas>{HeifCanvas{width, height}};
}

}  // namespace baove::hash::detail
