#include "test_support.hpp"

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <openssl/evp.h>
#include <png.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>

#include "support/postgres_server.hpp"

namespace baove::report::testing {
namespace {

namespace fs = std::filesystem;

// RGB samples: gradients, a disc and stripes, shifted by the seed.
std::vector<std::uint8_t> pattern(std::uint32_t w, std::uint32_t h, std::uint32_t seed) {
  std::vector<std::uint8_t> px(std::size_t{w} * h * 3);
  const double cx = w * (0.3 + 0.4 * ((seed * 37u) % 100) / 100.0);
  const double cy = h * (0.3 + 0.4 * ((seed * 61u) % 100) / 100.0);
  const double r = std::min(w, h) * (0.15 + 0.2 * ((seed * 17u) % 100) / 100.0);
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      const double dx = x - cx, dy = y - cy;
      const bool disc = dx * dx + dy * dy < r * r;
      const bool stripe = ((x + seed * 7u) / (4 + seed % 9)) % 2 == 0;
      std::uint8_t* p = &px[(std::size_t{y} * w + x) * 3];
      p[0] = static_cast<std::uint8_t>((x * 255u) / std::max(1u, w - 1) ^ (disc ? 0xA0u : 0u));
      p[1] = static_cast<std::uint8_t>((y * 255u) / std::max(1u, h - 1) + (stripe ? 40u : 0u));
      p[2] = static_cast<std::uint8_t>(((x + y + seed * 13u) * 3u) & 0xFFu);
    }
  }
  return px;
}

void png_write(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + length);
}
void png_flush(png_structp) {}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "baove-report-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

const Result<std::string>& postgres_url() {
  return baove::testing::shared_postgres_database("baove_report_test_" + std::to_string(getpid()));
}

Result<std::unique_ptr<store::Connection>> fresh_database(store::Engine engine, const fs::path& dir) {
  if (engine == store::Engine::sqlite) return store::open("sqlite:" + (dir / "report.db").string());
  const auto& url = postgres_url();
  if (!url) return url.error();
  auto c = store::open(*url);
  if (!c) return c.error();
  BAOVE_TRY((*c)->exec_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
  return c;
}

std::vector<std::uint8_t> make_png(std::uint32_t w, std::uint32_t h, std::uint32_t seed) {
  const auto px = pattern(w, h, seed);
  std::vector<std::uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) std::abort();
  png_set_write_fn(png, &out, png_write, png_flush);
  png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (std::uint32_t y = 0; y < h; ++y) {
    png_write_row(png, const_cast<png_bytep>(&px[std::size_t{y} * w * 3]));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::vector<std::uint8_t> make_jpeg(std::uint32_t w, std::uint32_t h, std::uint32_t seed) {
  const auto px = pattern(w, h, seed);
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 90, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(&px[std::size_t{cinfo.next_scanline} * w * 3]);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::vector<std::uint8_t> out(buffer, buffer + size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);
  return out;
}

std::string openssl_digest(const char* name, std::span<const std::uint8_t> bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_get_digestbyname(name), nullptr) != 1)
    std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::uint64_t peak_memory() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

bool reset_peak_memory() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

bool any_file_contains(const fs::path& dir, std::span<const std::uint8_t> needle) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const auto bytes = read_bytes(entry.path());
    if (std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end()) return true;
  }
  return false;
}

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace baove::report::testing
