// Character sets of e-mail text to UTF-8 (internal.hpp).
#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>

#include "intake/internal.hpp"
#include "intake/message.hpp"

namespace baove::intake {

namespace {

// windows-1252's 0x80..0x9F (0: not assigned).
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::string from_cp1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      append_utf8(out, b);  // NUL becomes U+FFFD
    } else if (b < 0xA0) {
      const std::uint16_t cp = kCp1252High[b - 0x80];
      append_utf8(out, cp == 0 ? 0xFFFDu : cp);
    } else {
      append_utf8(out, b);
    }
  }
  return out;
}

struct Alias {
  std::string_view label;
  const char* iconv_name;
};

// MIME labels handed to iconv, and the name iconv knows them by. Other labels never reach iconv.
constexpr Alias kIconvCharsets[] = {{"windows-1250", "CP1250"},
                                    {"cp1250", "CP1250"},
                                    {"windows-1251", "CP1251"},
                                    {"cp1251", "CP1251"},
                                    {"windows-1253", "CP1253"},
                                    {"cp1253", "CP1253"},
                                    {"windows-1254", "CP1254"},
                                    {"cp1254", "CP1254"},
                                    {"windows-1255", "CP1255"},
                                    {"cp1255", "CP1255"},
                                    {"windows-1256", "CP1256"},
                                    {"cp1256", "CP1256"},
                                    {"windows-1257", "CP1257"},
                                    {"cp1257", "CP1257"},
                                    {"windows-1258", "CP1258"},
                                    {"cp1258", "CP1258"},
                                    {"x-cp1258", "CP1258"},
                                    {"iso-8859-2", "ISO-8859-2"},
                                    {"iso-8859-3", "ISO-8859-3"},
                                    {"iso-8859-4", "ISO-8859-4"},
                                    {"iso-8859-5", "ISO-8859-5"},
                                    {"iso-8859-6", "ISO-8859-6"},
                                    {"iso-8859-7", "ISO-8859-7"},
                                    {"iso-8859-8", "ISO-8859-8"},
                                    {"iso-8859-9", "ISO-8859-9"},
                                    {"iso-8859-10", "ISO-8859-10"},
                                    {"iso-8859-13", "ISO-8859-13"},
                                    {"iso-8859-14", "ISO-8859-14"},
                                    {"iso-8859-15", "ISO-8859-15"},
                                    {"iso-8859-16", "ISO-8859-16"},
                                    {"koi8-r", "KOI8-R"},
                                    {"koi8-u", "KOI8-U"},
                                    {"utf-16", "UTF-16"},
                                    {"utf-16le", "UTF-16LE"},
                                    {"utf-16be", "UTF-16BE"},
                                    {"viscii", "VISCII"},
                                    {"tcvn", "TCVN5712-1"},
                                    {"tcvn-5712", "TCVN5712-1"},
                                    {"tcvn5712-1", "TCVN5712-1"},
                                    {"gb2312", "GB18030"},
                                    {"gbk", "GB18030"},
                                    {"gb18030", "GB18030"},
                                    {"big5", "BIG5"},
                                    {"shift_jis", "SHIFT_JIS"},
                                    {"sjis", "SHIFT_JIS"},
                                    {"euc-jp", "EUC-JP"},
                                    {"iso-2022-jp", "ISO-2022-JP"},
                                    {"euc-kr", "CP949"},
                                    {"ks_c_5601-1987", "CP949"},
                                    {"tis-620", "TIS-620"},
                                    {"windows-874", "CP874"}};

std::string with_iconv(std::string_view bytes, const char* from) {
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) return sanitize_utf8(bytes);
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  char buf[4096];
  while (in_left > 0) {
    char* o = buf;
    std::size_t o_left = sizeof buf;
    const std::size_t r = iconv(cd, &in, &in_left, &o, &o_left);
    out.append(buf, static_cast<std::size_t>(o - buf));
    if (r != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    out += "\xEF\xBF\xBD";
    if (errno == EILSEQ) {
      ++in;  // skip the byte that cannot start a character
      --in_left;
      continue;
    }
    break;  // EINVAL: a character cut off at the end
  }
  char* o = buf;
  std::size_t o_left = sizeof buf;
  iconv(cd, nullptr, nullptr, &o, &o_left);  // whatever the converter still holds
  out.append(buf, static_cast<std::size_t>(o - buf));
  iconv_close(cd);
  return sanitize_utf8(out);
}

}  // namespace

std::string charset_to_utf8(std::string_view bytes, std::string_view charset) {
  while (!charset.empty() && (charset.front() == ' ' || charset.front() == '"' || charset.front() == '\'')) {
    charset.remove_prefix(1);
  }
  while (!charset.empty() && (charset.back() == ' ' || charset.back() == '"' || charset.back() == '\'')) {
    charset.remove_suffix(1);
  }
  const std::string label = ascii_lower(charset);
  if (label == "iso-8859-1" || label == "iso8859-1" || label == "iso_8859-1" || label == "latin1" ||
      label == "l1" || label == "windows-1252" || label == "cp1252" || label == "x-cp1252" ||
      label == "cp819") {
    return from_cp1252(bytes);
  }
  for (const auto& a : kIconvCharsets) {
    if (a.label == label) return with_iconv(bytes, a.iconv_name);
  }
  return sanitize_utf8(bytes);  // utf-8, us-ascii, and anything unknown
}

}  // namespace baove::intake
