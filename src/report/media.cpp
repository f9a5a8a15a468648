// What a file is, from its first bytes; and whether a client's claim about it is true.
#include <algorithm>
#include <array>
#include <cstring>

#include "hash/image.hpp"
#include "report/ingest.hpp"
#include "report/internal.hpp"

namespace baove::report {
namespace {

using Bytes = std::span<const std::uint8_t>;

bool at(Bytes b, std::size_t offset, std::string_view magic) {
  if (b.size() < offset + magic.size()) return false;
  return std::memcmp(b.data() + offset, magic.data(), magic.size()) == 0;
}

bool contains(Bytes b, std::string_view needle) {
  const auto* begin = reinterpret_cast<const char*>(b.data());
  return std::string_view(begin, b.size()).find(needle) != std::string_view::npos;
}

MediaInfo info(const char* type, MediaKind kind) { return MediaInfo{type, kind}; }

// ISO base media files (MP4, QuickTime, 3GP, HEIF): "ftyp" at offset 4, the major brand after it.
std::optional<MediaInfo> sniff_bmff(Bytes b) {
  if (!at(b, 4, "ftyp") || b.size() < 12) return std::nullopt;
  const std::string_view brand(reinterpret_cast<const char*>(b.data()) + 8, 4);
  if (brand == "qt  ") return info("video/quicktime", MediaKind::video);
  if (brand.substr(0, 3) == "3gp" || brand.substr(0, 3) == "3g2") return info("video/3gpp", MediaKind::video);
  if (brand == "M4A " || brand == "M4B ") return info("audio/mp4", MediaKind::audio);
  return info("video/mp4", MediaKind::video);
}

// UTF-8 text without NUL bytes or control characters other than white space and escape; a
// character cut off at the end of the sample is allowed.
bool looks_like_text(Bytes b) {
  if (b.empty()) return false;
  const std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t len = detail::utf8_next(s, i, cp);
    if (len == 0) return s.size() - i < 4 && static_cast<std::uint8_t>(s[i]) >= 0xC0;  // a cut character
    if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\f' && cp != 0x1B) return false;
    if (cp == 0x7F) return false;
    i += len;
  }
  return true;
}

}  // namespace

const char* to_string(MediaKind k) noexcept {
  switch (k) {
    case MediaKind::image:
      return "image";
    case MediaKind::video:
      return "video";
    case MediaKind::audio:
      return "audio";
    case MediaKind::document:
      return "document";
    case MediaKind::text:
      return "text";
    case MediaKind::archive:
      return "archive";
    case MediaKind::executable:
      return "executable";
    case MediaKind::other:
      break;
  }
  return "other";
}

MediaInfo sniff_media(Bytes b) noexcept {
  switch (hash::sniff_format(b)) {
    case hash::ImageFormat::jpeg:
      return info("image/jpeg", MediaKind::image);
    case hash::ImageFormat::png:
      return info("image/png", MediaKind::image);
    case hash::ImageFormat::gif:
      return info("image/gif", MediaKind::image);
    case hash::ImageFormat::webp:
      return info("image/webp", MediaKind::image);
    case hash::ImageFormat::heif:
      return info("image/heic", MediaKind::image);
    case hash::ImageFormat::avif:
      return info("image/avif", MediaKind::image);
    case hash::ImageFormat::unknown:
      break;
  }
  if (auto bmff = sniff_bmff(b)) return *bmff;
  if (at(b, 0, "BM") && b.size() >= 14 && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0)
    return info("image/bmp", MediaKind::image);
  if (at(b, 0, std::string_view("II*\0", 4)) || at(b, 0, std::string_view("MM\0*", 4)))
    return info("image/tiff", MediaKind::image);
  if (at(b, 0, "RIFF") && at(b, 8, "AVI ")) return info("video/x-msvideo", MediaKind::video);
  if (at(b, 0, "RIFF") && at(b, 8, "WAVE")) return info("audio/wav", MediaKind::audio);
  if (at(b, 0, "\x1A\x45\xDF\xA3"))
    return contains(b, "webm") ? info("video/webm", MediaKind::video)
                               : info("video/x-matroska", MediaKind::video);
  if (at(b, 0, std::string_view("\x00\x00\x01\xBA", 4)) || at(b, 0, std::string_view("\x00\x00\x01\xB3", 4)))
    return info("video/mpeg", MediaKind::video);
  if (at(b, 0, "FLV\x01")) return info("video/x-flv", MediaKind::video);
  if (at(b, 0, "\x30\x26\xB2\x75\x8E\x66\xCF\x11")) return info("video/x-ms-asf", MediaKind::video);
  if (b.size() > 188 && b[0] == 0x47 && b[188] == 0x47) return info("video/mp2t", MediaKind::video);
  if (at(b, 0, "OggS")) return info("audio/ogg", MediaKind::audio);
  if (at(b, 0, "fLaC")) return info("audio/flac", MediaKind::audio);
  if (at(b, 0, "ID3") || (b.size() >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0))
    return info("audio/mpeg", MediaKind::audio);
  if (at(b, 0, "%PDF-")) return info("application/pdf", MediaKind::document);
  if (at(b, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
    return info("application/x-ole-storage", MediaKind::document);
  if (at(b, 0, "PK\x03\x04") || at(b, 0, "PK\x05\x06") || at(b, 0, "PK\x07\x08"))
    return info("application/zip", MediaKind::archive);
  if (at(b, 0, "Rar!\x1A\x07")) return info("application/vnd.rar", MediaKind::archive);
  if (at(b, 0, "7z\xBC\xAF\x27\x1C")) return info("application/x-7z-compressed", MediaKind::archive);
  if (at(b, 0, "\x1F\x8B")) return info("application/gzip", MediaKind::archive);
  if (at(b, 0, "BZh")) return info("application/x-bzip2", MediaKind::archive);
  if (at(b, 0,
         std::string_view("\xFD"
                          "7zXZ\x00",
                          6)))
    return info("application/x-xz", MediaKind::archive);
  if (at(b, 0, "\x28\xB5\x2F\xFD")) return info("application/zstd", MediaKind::archive);
  if (at(b, 257, "ustar")) return info("application/x-tar", MediaKind::archive);
  if (at(b, 0,
         "\x7F"
         "ELF"))
    return info("application/x-executable", MediaKind::executable);
  if (at(b, 0, "MZ")) return info("application/vnd.microsoft.portable-executable", MediaKind::executable);
  if (at(b, 0, "\xFE\xED\xFA\xCE") || at(b, 0, "\xFE\xED\xFA\xCF") || at(b, 0, "\xCE\xFA\xED\xFE") ||
      at(b, 0, "\xCF\xFA\xED\xFE") || at(b, 0, "\xCA\xFE\xBA\xBE"))
    return info("application/x-mach-binary", MediaKind::executable);
  if (at(b, 0, "dex\n")) return info("application/vnd.android.dex", MediaKind::executable);
  if (at(b, 0, "#!")) return info("text/x-shellscript", MediaKind::executable);
  if (looks_like_text(b)) return info("text/plain", MediaKind::text);
  return MediaInfo{};
}

namespace {

// Names clients use for the types sniff_media() reports, mapped to its names.
constexpr std::array<std::pair<std::string_view, std::string_view>, 31> kAliases{{
    {"image/jpg", "image/jpeg"},
    {"image/pjpeg", "image/jpeg"},
    {"image/heif", "image/heic"},
    {"image/heic-sequence", "image/heic"},
    {"image/heif-sequence", "image/heic"},
    {"image/x-ms-bmp", "image/bmp"},
    {"image/x-bmp", "image/bmp"},
    {"video/x-m4v", "video/mp4"},
    {"video/3gpp2", "video/3gpp"},
    {"video/x-ms-wmv", "video/x-ms-asf"},
    {"video/avi", "video/x-msvideo"},
    {"video/msvideo", "video/x-msvideo"},
    {"audio/x-wav", "audio/wav"},
    {"audio/wave", "audio/wav"},
    {"audio/vnd.wave", "audio/wav"},
    {"audio/mp3", "audio/mpeg"},
    {"audio/x-flac", "audio/flac"},
    {"audio/m4a", "audio/mp4"},
    {"audio/x-m4a", "audio/mp4"},
    {"application/x-zip-compressed", "application/zip"},
    {"application/x-zip", "application/zip"},
    {"application/x-rar-compressed", "application/vnd.rar"},
    {"application/x-rar", "application/vnd.rar"},
    {"application/x-gzip", "application/gzip"},
    {"application/x-msdownload", "application/vnd.microsoft.portable-executable"},
    {"application/x-msdos-program", "application/vnd.microsoft.portable-executable"},
    {"application/x-dosexec", "application/vnd.microsoft.portable-executable"},
    {"application/msword", "application/x-ole-storage"},
    {"application/vnd.ms-excel", "application/x-ole-storage"},
    {"application/x-sh", "text/x-shellscript"},
    {"text/x-sh", "text/x-shellscript"},
}};

// File-name extensions and the type they claim.
constexpr std::array<std::pair<std::string_view, std::string_view>, 44> kExtensions{{
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"jpe", "image/jpeg"},
    {"jfif", "image/jpeg"},
    {"png", "image/png"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"heic", "image/heic"},
    {"heif", "image/heic"},
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},
    {"mov", "video/quicktime"},
    {"3gp", "video/3gpp"},
    {"3g2", "video/3gpp"},
    {"webm", "video/webm"},
    {"mkv", "video/x-matroska"},
    {"avi", "video/x-msvideo"},
    {"mpg", "video/mpeg"},
    {"mpeg", "video/mpeg"},
    {"flv", "video/x-flv"},
    {"wmv", "video/x-ms-asf"},
    {"mp3", "audio/mpeg"},
    {"m4a", "audio/mp4"},
    {"wav", "audio/wav"},
    {"ogg", "audio/ogg"},
    {"flac", "audio/flac"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"rar", "application/vnd.rar"},
    {"7z", "application/x-7z-compressed"},
    {"gz", "application/gzip"},
    {"tgz", "application/gzip"},
    {"bz2", "application/x-bzip2"},
    {"xz", "application/x-xz"},
    {"tar", "application/x-tar"},
    {"exe", "application/vnd.microsoft.portable-executable"},
    {"dll", "application/vnd.microsoft.portable-executable"},
    {"sh", "text/x-shellscript"},
    {"txt", "text/plain"},
    {"doc", "application/x-ole-storage"},
}};

// The types sniff_media() can report (a claim of one of these can be checked).
bool known_type(std::string_view t) {
  for (const auto& [ext, type] : kExtensions) {
    if (type == t) return true;
  }
  return t == "video/mp2t" || t == "application/vnd.android.dex" || t == "application/zstd" ||
         t == "application/x-mach-binary";
}

std::string_view canonical(std::string_view t) {
  for (const auto& [alias, type] : kAliases) {
    if (alias == t) return type;
  }
  return t;
}

// Types sniffing cannot always tell apart: the ISO media family, and Matroska with WebM.
int family(std::string_view t) {
  if (t == "video/mp4" || t == "video/quicktime" || t == "video/3gpp" || t == "audio/mp4") return 1;
  if (t == "video/webm" || t == "video/x-matroska") return 2;
  if (t == "text/plain" || t == "text/x-shellscript") return 3;  // a script without "#!" is text
  return 0;
}

bool contradicts(std::string_view claim, const MediaInfo& actual) {
  claim = canonical(claim);
  if (claim.empty() || claim == "application/octet-stream" || claim == "binary/octet-stream") return false;
  if (claim == actual.media_type) return false;
  if (family(claim) != 0 && family(claim) == family(actual.media_type)) return false;
  if (known_type(claim)) {
    // Text in another encoding than UTF-8 sniffs as unknown.
    if (claim == "text/plain" && actual.kind == MediaKind::other) return false;
    return true;
  }
  // A type sniffing cannot check: only a program or an archive dressed as media or text is caught.
  const bool media_claim = claim.starts_with("image/") || claim.starts_with("video/") ||
                           claim.starts_with("audio/") || claim.starts_with("text/");
  return media_claim && (actual.kind == MediaKind::executable || actual.kind == MediaKind::archive);
}

}  // namespace

// Lower case, parameters (";charset=...") and white space removed; "" for something that is not a
// media type.
std::string normalize_declared_type(std::string_view t) {
  if (const auto semi = t.find(';'); semi != std::string_view::npos) t = t.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.empty() || t.size() > 100) return "";
  std::string out;
  for (char c : t) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '+' ||
                    c == '-' || c == '_';
    if (!ok) return "";
    out.push_back(c);
  }
  if (std::count(out.begin(), out.end(), '/') != 1 || out.front() == '/' || out.back() == '/') return "";
  return out;
}

bool claims_other_type(std::string_view declared_type, std::string_view file_name, const MediaInfo& actual) {
  if (contradicts(normalize_declared_type(declared_type), actual)) return true;
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= file_name.size()) return false;
  std::string ext;
  for (char c : file_name.substr(dot + 1))
    ext.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  for (const auto& [e, type] : kExtensions) {
    if (e == ext) return contradicts(type, actual);
  }
  return false;
}

}  // namespace baove::report
