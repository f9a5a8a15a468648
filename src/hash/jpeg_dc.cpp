#include "hash/jpeg_dc.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "hash/decoders.hpp"

namespace baove::hash::detail {
namespace {

constexpr int kLookupBits = 11;

Error corrupt(const char* what) { return make_error(ErrorCode::corrupt, what); }
Error unsupported(const char* what) { return make_error(ErrorCode::unsupported, what); }

// A canonical Huffman table with a lookup of the first kLookupBits bits. For AC tables each
// lookup entry also folds in the coefficient's extra bits when they fit, so one lookup skips
// a whole coefficient.
struct HuffTable {
  bool defined = false;
  // Fast entries: 0 = no fast decode; else bits 0..4 the length to consume, bits 8..15 the
  // symbol (DC: size; AC: run/size byte), bit 16 set when that length includes the extra bits.
  std::array<std::uint32_t, 1 << kLookupBits> fast{};
  std::array<std::int32_t, 18> maxcode{};  // per code length, -1 when none
  std::array<std::int32_t, 17> valptr{};
  std::array<std::uint16_t, 17> mincode{};
  std::array<std::uint8_t, 256> values{};
};

Status build_table(HuffTable& t, const std::uint8_t counts[16], const std::uint8_t* values, int nvalues,
                   bool ac) {
  t = HuffTable{};
  std::copy(values, values + nvalues, t.values.begin());
  int code = 0, k = 0;
  for (int len = 1; len <= 16; ++len) {
    const int n = counts[len - 1];
    if (code + n > (1 << len)) return corrupt("invalid Huffman table");  // more codes than the length allows
    t.valptr[static_cast<std::size_t>(len)] = k;
    t.mincode[static_cast<std::size_t>(len)] = static_cast<std::uint16_t>(code);
    t.maxcode[static_cast<std::size_t>(len)] = n ? code + n - 1 : -1;
    for (int i = 0; i < n; ++i, ++code, ++k) {
      if (len <= kLookupBits) {
        const int sym = values[k];
        const int extra = ac ? (sym & 15) : sym;
        const int shift = kLookupBits - len;
        for (int fill = 0; fill < (1 << shift); ++fill) {
          const int idx = (code << shift) | fill;
          std::uint32_t e;
          if (len + extra <= kLookupBits) {
            e = static_cast<std::uint32_t>((len + extra) | (sym << 8) | (1 << 16));
          } else {
            e = static_cast<std::uint32_t>(len | (sym << 8));
          }
          t.fast[static_cast<std::size_t>(idx)] = e;
        }
      }
    }
    code <<= 1;
  }
  t.maxcode[17] = 0x7fffffff;
  t.defined = true;
  return {};
}

// Reads entropy-coded bits: removes byte stuffing, stops at markers (feeding zero bits past
// them, which the caller detects as truncation).
class BitReader {
 public:
  BitReader(const std::uint8_t* p, const std::uint8_t* end) : p_(p), end_(end) {}

  // Makes sure at least 32 bits are buffered (the most one coefficient takes).
  [[gnu::always_inline]] void ensure32() {
    if (bits_ < 32) refill();
  }

  [[gnu::always_inline]] void refill() {
    while (bits_ <= 56) {
      // Fast path: eight bytes with no 0xFF among them.
      if (!at_marker_ && end_ - p_ >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p_, 8);
        const std::uint64_t inv = ~w;
        if (((inv - 0x0101010101010101ull) & ~inv & 0x8080808080808080ull) == 0) {
          const int take = (64 - bits_) >> 3;
          const std::uint64_t be = __builtin_bswap64(w);
          acc_ |= (be >> (64 - 8 * take)) << (64 - bits_ - 8 * take);
          bits_ += 8 * take;
          p_ += take;
          continue;
        }
      }
      std::uint64_t b = 0;
      if (!at_marker_ && p_ < end_) {
        b = *p_;
        if (b == 0xFF) {
          if (p_ + 1 < end_ && p_[1] == 0x00) {
            p_ += 2;
          } else {
            at_marker_ = true;  // a marker (or the end): feed zeros from here
            b = 0;
          }
        } else {
          ++p_;
        }
      } else {
        at_marker_ = true;
      }
      if (at_marker_) zeros_ += 8;
      acc_ |= b << (56 - bits_);
      bits_ += 8;
    }
  }
  [[gnu::always_inline]] std::uint32_t peek(int n) const {
    return static_cast<std::uint32_t>(acc_ >> (64 - n));
  }
  [[gnu::always_inline]] void skip(int n) {
    acc_ <<= n;
    bits_ -= n;
  }
  std::uint32_t get(int n) {
    if (n == 0) return 0;
    const std::uint32_t v = peek(n);
    skip(n);
    return v;
  }
  // True when bits beyond the real data (past a marker or the end) were consumed.
  bool overrun() const { return at_marker_ && bits_ < zeros_; }
  // Drops buffered bits and positions at the next marker; for restart intervals.
  const std::uint8_t* reset_to_marker() {
    // Bytes fully loaded into acc but not consumed belong to padding only at a marker boundary.
    acc_ = 0;
    bits_ = 0;
    zeros_ = 0;
    at_marker_ = false;
    return p_;
  }
  void reposition(const std::uint8_t* p) { p_ = p; }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::uint64_t acc_ = 0;
  int bits_ = 0;
  int zeros_ = 0;
  bool at_marker_ = false;
};

// Decodes one Huffman symbol. When the lookup entry also covers the symbol's extra bits,
// nothing is consumed and *fast_total says how many bits code and extra bits take together;
// otherwise the code is consumed and *fast_total is 0.
[[gnu::always_inline]] inline int decode_symbol(BitReader& br, const HuffTable& t, int* fast_total) {
  const std::uint32_t e = t.fast[br.peek(kLookupBits)];
  if (e != 0) {
    const int n = static_cast<int>(e & 31);
    if (e & (1u << 16)) {
      *fast_total = n;
    } else {
      *fast_total = 0;
      br.skip(n);
    }
    return static_cast<int>((e >> 8) & 0xff);
  }
  *fast_total = 0;
  int len = kLookupBits + 1;
  std::int32_t code = static_cast<std::int32_t>(br.peek(len));
  while (len <= 16 && code > t.maxcode[static_cast<std::size_t>(len)]) {
    ++len;
    code = static_cast<std::int32_t>(br.peek(len));
  }
  if (len > 16) return -1;
  br.skip(len);
  const int idx = t.valptr[static_cast<std::size_t>(len)] + code - t.mincode[static_cast<std::size_t>(len)];
  if (idx < 0 || idx > 255) return -1;
  return t.values[static_cast<std::size_t>(idx)];
}

inline int extend(std::uint32_t v, int s) {
  return s == 0 ? 0 : (v < (1u << (s - 1)) ? static_cast<int>(v) - (1 << s) + 1 : static_cast<int>(v));
}

struct Component {
  int id = 0, h = 1, v = 1, tq = 0;
  int dc_table = 0, ac_table = 0;
};

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

}  // namespace

Status decode_jpeg_dc_luma(std::span<const std::uint8_t> bytes, const DecodeOptions& options, RowSink& sink,
                           std::uint32_t min_side) {
  const std::uint8_t* p = bytes.data();
  const std::uint8_t* const end = p + bytes.size();
  if (bytes.size() < 4 || p[0] != 0xFF || p[1] != 0xD8) return corrupt("not a JPEG file");
  p += 2;

  std::array<HuffTable, 4> dc_tables, ac_tables;
  std::array<std::array<std::uint16_t, 64>, 4> qt{};
  std::array<bool, 4> qt_defined{};
  std::vector<Component> comps;
  std::uint32_t width = 0, height = 0;
  bool progressive = false, have_frame = false, adobe_rgb_or_ycck = false;
  int restart_interval = 0;
  int orientation = 1;
  std::vector<std::uint8_t> plane;  // the luminance means, 1/8 scale
  std::uint32_t pw = 0, ph = 0;
  int hmax = 1, vmax = 1;

  for (;;) {
    // Next marker.
    while (p < end && *p != 0xFF) ++p;
    while (p < end && *p == 0xFF) ++p;
    if (p >= end) return corrupt("truncated JPEG data");
    const int marker = *p++;
    if (marker == 0x00) continue;  // a stuffed byte inside entropy-coded data being skipped
    if (marker == 0xD9) return corrupt("truncated JPEG data");  // EOI before the luminance scan
    if (marker >= 0xD0 && marker <= 0xD7) continue;
    if (end - p < 2) return corrupt("truncated JPEG data");
    const std::uint16_t len = be16(p);
    if (len < 2 || len > end - p) return corrupt("truncated JPEG data");
    const std::uint8_t* seg = p + 2;
    const int seglen = len - 2;
    p += len;
    switch (marker) {
      case 0xC0:
      case 0xC1:
      case 0xC2: {
        if (have_frame) return corrupt("two frames in one JPEG");
        if (seglen < 6) return corrupt("bad frame header");
        if (seg[0] != 8) return unsupported("JPEG precision other than 8 bits");
        height = be16(seg + 1);
        width = be16(seg + 3);
        const int nc = seg[5];
        if (nc < 1 || nc > 4 || seglen < 6 + 3 * nc) return corrupt("bad frame header");
        if (nc == 2 || nc == 4) return unsupported("not a luminance JPEG");
        for (int i = 0; i < nc; ++i) {
          Component c;
          c.id = seg[6 + 3 * i];
          c.h = seg[7 + 3 * i] >> 4;
          c.v = seg[7 + 3 * i] & 15;
          c.tq = seg[8 + 3 * i];
          if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3) return corrupt("bad frame header");
          hmax = std::max(hmax, c.h);
          vmax = std::max(vmax, c.v);
          comps.push_back(c);
        }
        if (nc == 3 && comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B') {
          return unsupported("RGB JPEG");
        }
        if (height == 0) return unsupported("JPEG height defined later (DNL)");
        BAOVE_TRY(check_dimensions(width, height, options));
        progressive = marker == 0xC2;
        have_frame = true;
        const std::uint64_t cw =
            (std::uint64_t{width} * static_cast<unsigned>(comps[0].h) + static_cast<unsigned>(hmax) - 1) /
            static_cast<unsigned>(hmax);
        const std::uint64_t ch =
            (std::uint64_t{height} * static_cast<unsigned>(comps[0].v) + static_cast<unsigned>(vmax) - 1) /
            static_cast<unsigned>(vmax);
        pw = static_cast<std::uint32_t>((cw + 7) / 8);
        ph = static_cast<std::uint32_t>((ch + 7) / 8);
        if (pw < min_side || ph < min_side) return unsupported("image too small for DC-only decoding");
        plane.assign(std::size_t{pw} * ph, 128);
        break;
      }
      case 0xC3:
      case 0xC5:
      case 0xC6:
      case 0xC7:
      case 0xC9:
      case 0xCA:
      case 0xCB:
      case 0xCD:
      case 0xCE:
      case 0xCF:
        return unsupported("lossless, hierarchical or arithmetic-coded JPEG");
      case 0xC4: {  // DHT
        const std::uint8_t* q = seg;
        const std::uint8_t* qe = seg + seglen;
        while (q < qe) {
          if (qe - q < 17) return corrupt("bad Huffman table");
          const int tc = q[0] >> 4, th = q[0] & 15;
          if (tc > 1 || th > 3) return corrupt("bad Huffman table");
          int n = 0;
          for (int i = 0; i < 16; ++i) n += q[1 + i];
          if (n > 256 || qe - q < 17 + n) return corrupt("bad Huffman table");
          BAOVE_TRY(build_table(
              tc ? ac_tables[static_cast<std::size_t>(th)] : dc_tables[static_cast<std::size_t>(th)], q + 1,
              q + 17, n, tc == 1));
          q += 17 + n;
        }
        break;
      }
      case 0xDB: {  // DQT
        const std::uint8_t* q = seg;
        const std::uint8_t* qe = seg + seglen;
        while (q < qe) {
          const int pq = q[0] >> 4, tq = q[0] & 15;
          if (tq > 3 || pq > 1) return corrupt("bad quantisation table");
          const int size = pq ? 128 : 64;
          if (qe - q < 1 + size) return corrupt("bad quantisation table");
          // Only the DC entry (first in zigzag order) matters here.
          qt[static_cast<std::size_t>(tq)][0] = pq ? be16(q + 1) : q[1];
          qt_defined[static_cast<std::size_t>(tq)] = true;
          q += 1 + size;
        }
        break;
      }
      case 0xDD:
        if (seglen < 2) return corrupt("bad restart interval");
        restart_interval = be16(seg);
        break;
      case 0xE1:
        if (seglen >= 6 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
          orientation =
              exif_orientation(std::span<const std::uint8_t>(seg + 6, static_cast<std::size_t>(seglen - 6)));
        }
        break;
      case 0xEE:  // Adobe: transform 0 with 3 components means RGB, 2 means YCCK
        if (seglen >= 12 && std::memcmp(seg, "Adobe", 5) == 0 && seg[11] != 1 && comps.size() != 1) {
          adobe_rgb_or_ycck = true;
        }
        break;
      case 0xDA: {  // SOS
        if (!have_frame) return corrupt("scan before frame header");
        if (adobe_rgb_or_ycck && comps.size() == 3) return unsupported("RGB JPEG");
        if (seglen < 1) return corrupt("bad scan header");
        const int ns = seg[0];
        if (ns < 1 || ns > 4 || seglen < 1 + 2 * ns + 3) return corrupt("bad scan header");
        std::vector<int> scomp;
        for (int i = 0; i < ns; ++i) {
          const int id = seg[1 + 2 * i];
          auto it = std::find_if(comps.begin(), comps.end(), [&](const Component& c) { return c.id == id; });
          if (it == comps.end()) return corrupt("scan names an unknown component");
          it->dc_table = seg[2 + 2 * i] >> 4;
          it->ac_table = seg[2 + 2 * i] & 15;
          if (it->dc_table > 3 || it->ac_table > 3) return corrupt("bad scan header");
          scomp.push_back(static_cast<int>(it - comps.begin()));
        }
        const int ss = seg[1 + 2 * ns], se = seg[2 + 2 * ns], ah = seg[3 + 2 * ns] >> 4,
                  al = seg[3 + 2 * ns] & 15;
        const bool has_luma = std::find(scomp.begin(), scomp.end(), 0) != scomp.end();
        // Progressive: only a first DC scan that includes the luminance is of use.
        const bool wanted = has_luma && (!progressive || (ss == 0 && ah == 0));
        if (!wanted) break;  // the next marker search skips this scan's data
        if (progressive && se != 0) return corrupt("bad progressive scan");
        const Component& y = comps[0];
        if (!qt_defined[static_cast<std::size_t>(y.tq)]) return corrupt("missing quantisation table");
        for (int ci : scomp) {
          const Component& c = comps[static_cast<std::size_t>(ci)];
          if (!dc_tables[static_cast<std::size_t>(c.dc_table)].defined)
            return corrupt("missing Huffman table");
          if (!progressive && !ac_tables[static_cast<std::size_t>(c.ac_table)].defined)
            return corrupt("missing Huffman table");
        }
        const int q0 = qt[static_cast<std::size_t>(y.tq)][0];
        const bool interleaved = ns > 1;
        // MCU grid: interleaved scans use the frame's MCUs; a single-component scan walks the
        // component's own blocks.
        std::uint32_t mcus_x, mcus_y;
        if (interleaved) {
          mcus_x = (width + 8u * static_cast<unsigned>(hmax) - 1) / (8u * static_cast<unsigned>(hmax));
          mcus_y = (height + 8u * static_cast<unsigned>(vmax) - 1) / (8u * static_cast<unsigned>(vmax));
        } else {
          mcus_x = pw;
          mcus_y = ph;
        }
        BitReader br(p, end);
        std::array<int, 4> pred{};
        std::uint32_t mcu_count = 0;
        const std::uint64_t total_mcus = std::uint64_t{mcus_x} * mcus_y;
        for (std::uint64_t m = 0; m < total_mcus; ++m) {
          if (restart_interval && mcu_count == static_cast<std::uint32_t>(restart_interval)) {
            // Expect RSTn: skip to the marker, past it, and reset predictions.
            const std::uint8_t* q = br.reset_to_marker();
            while (q < end && *q != 0xFF) ++q;
            while (q + 1 < end && q[1] == 0xFF) ++q;
            if (q + 1 >= end || q[1] < 0xD0 || q[1] > 0xD7) return corrupt("missing restart marker");
            br.reposition(q + 2);
            pred.fill(0);
            mcu_count = 0;
          }
          ++mcu_count;
          const std::uint32_t mx = static_cast<std::uint32_t>(m % mcus_x),
                              my = static_cast<std::uint32_t>(m / mcus_x);
          for (int ci : scomp) {
            const Component& c = comps[static_cast<std::size_t>(ci)];
            const HuffTable& dct = dc_tables[static_cast<std::size_t>(c.dc_table)];
            const HuffTable& act = ac_tables[static_cast<std::size_t>(c.ac_table)];
            const int bh = interleaved ? c.h : 1, bv = interleaved ? c.v : 1;
            for (int by = 0; by < bv; ++by) {
              for (int bx = 0; bx < bh; ++bx) {
                br.ensure32();
                int fast_total = 0;
                const int s = decode_symbol(br, dct, &fast_total);
                if (s < 0 || s > 11) return corrupt("corrupt JPEG data");
                std::uint32_t raw;
                if (fast_total) {
                  raw = br.get(fast_total) & ((1u << s) - 1);
                } else {
                  raw = br.get(s);
                }
                pred[static_cast<std::size_t>(ci)] += extend(raw, s);
                if (ci == 0) {
                  const std::uint32_t x = mx * static_cast<unsigned>(bh) + static_cast<unsigned>(bx);
                  const std::uint32_t yb = my * static_cast<unsigned>(bv) + static_cast<unsigned>(by);
                  if (x < pw && yb < ph) {
                    const int dc = pred[0] * (1 << (progressive ? al : 0));
                    const int v = ((dc * q0 + 4) >> 3) + 128;
                    plane[std::size_t{yb} * pw + x] = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
                  }
                }
                if (progressive) continue;
                // Skip the AC coefficients.
                for (int k = 1; k < 64;) {
                  br.ensure32();
                  int ft = 0;
                  const int rs = decode_symbol(br, act, &ft);
                  if (rs < 0) return corrupt("corrupt JPEG data");
                  const int r = rs >> 4, sz = rs & 15;
                  if (ft) {
                    br.skip(ft);
                  } else {
                    br.skip(sz);
                  }
                  if (sz == 0) {
                    if (r != 15) break;  // end of block
                    k += 16;
                  } else {
                    k += r + 1;
                  }
                }
                if (br.overrun()) return corrupt("truncated JPEG data");
              }
            }
          }
        }
        if (br.overrun()) return corrupt("truncated JPEG data");
        ImageInfo info;
        info.format = ImageFormat::jpeg;
        info.width = pw;
        info.height = ph;
        info.stored_width = width;
        info.stored_height = height;
        info.channels = 1;
        info.orientation = orientation;
        BAOVE_TRY(sink.begin(info));
        for (std::uint32_t row = 0; row < ph; ++row) sink.row(row, plane.data() + std::size_t{row} * pw);
        return {};
      }
      default:
        break;  // APPn, COM and the like
    }
  }
}

}  // namespace baove::hash::detail
