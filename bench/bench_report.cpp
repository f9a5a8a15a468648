// Public reports end to end against the real `baove serve` (a child process on 127.0.0.1 with
// its own data directory, SQLite):
//   1. Reports with one 2 MB photo each (a different JPEG every time), posted as the no-JS form
//      does (multipart/form-data) by several client threads: the server stores, encrypts, hashes
//      (MD5, SHA-1, SHA-256, PDQ), matches, makes previews, audits and answers with a receipt.
//      Figure: reports per second. Goal: >= 100 per second on two cores.
//   2. One upload of a large file (2 GiB by default) streamed by the client: the server's peak
//      resident memory (VmHWM) before and after. Goal: it grows by at most 64 MiB.
// Afterwards the database is checked: every acknowledged report is stored with its evidence.
//
// Usage: bench_report [--seconds N] [--clients N] [--upload-mib N] [--bin PATH] [--dir PATH] [--smoke]
// Exit status: 0 when every answer was as expected (goals are reported, not enforced), 1 on a
// failure, 2 on a usage error.
// jpeglib.h needs FILE declared first.
#include <cstdio>

#include <arpa/inet.h>
#include <jpeglib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "serve_process.hpp"
#include "store/store.hpp"
#include "support/http_client.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  int seconds = 10;
  int clients = 8;
  std::uint64_t upload_mib = 2048;
  std::string bin = BAOVE_BIN;
  std::string dir;
  bool smoke = false;
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_report: %s\n", what.c_str());
  std::exit(1);
}

// A JPEG of about `target` bytes: smooth colour fields plus noise, different for every seed.
std::string make_photo(std::uint32_t seed, std::size_t target) {
  std::mt19937 rng(seed);
  int w = 1000, h = 700;
  std::string out;
  for (int attempt = 0; attempt < 6; ++attempt) {
    std::vector<unsigned char> rgb(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
    const int cx = static_cast<int>(rng() % static_cast<unsigned>(w));
    const int cy = static_cast<int>(rng() % static_cast<unsigned>(h));
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const std::size_t i =
            (static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 3;
        const int d = std::abs(x - cx) + std::abs(y - cy);
        const int noise = static_cast<int>(rng() % 96);
        rgb[i] = static_cast<unsigned char>((d / 4 + noise) & 0xFF);
        rgb[i + 1] = static_cast<unsigned char>((x / 3 + noise) & 0xFF);
        rgb[i + 2] = static_cast<unsigned char>((y / 3 + noise / 2) & 0xFF);
      }
    }
    jpeg_compress_struct c{};
    jpeg_error_mgr err{};
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char* mem = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &mem, &size);
    c.image_width = static_cast<JDIMENSION>(w);
    c.image_height = static_cast<JDIMENSION>(h);
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
      JSAMPROW row = &rgb[static_cast<std::size_t>(c.next_scanline) * static_cast<std::size_t>(w) * 3];
      jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    out.assign(reinterpret_cast<const char*>(mem), size);
    std::free(mem);
    jpeg_destroy_compress(&c);
    if (out.size() >= target * 9 / 10 && out.size() <= target * 11 / 10) break;
    const double scale = std::sqrt(static_cast<double>(target) / static_cast<double>(out.size()));
    w = static_cast<int>(w * scale);
    h = static_cast<int>(h * scale);
  }
  return out;
}

const std::string kBoundary = "----baovebench7d1f";

std::string form_head() {
  std::string b;
  auto field = [&](const char* name, const char* value) {
    b += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
         "\r\n";
  };
  field("lang", "vi");
  field("category", "sexual_abuse");
  field("description", "Có người gửi ảnh này cho em trên mạng");
  field("platform", "facebook");
  field("links", "https://example.com/post/1");
  field("period", "this_week");
  field("age_band", "11_14");
  field("province", "ha_noi");
  field("website", "");
  return b;
}

std::string file_part_head(const std::string& name, const std::string& type) {
  return "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + name +
         "\"\r\nContent-Type: " + type + "\r\n\r\n";
}

std::string form_tail() { return "\r\n--" + kBoundary + "--\r\n"; }

// ---------------------------------------------------------------- the server

// Peak and current resident memory of a process in KiB (VmHWM, VmRSS).
std::pair<long, long> memory_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  long hwm = -1, rss = -1;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.rfind("VmRSS:", 0) == 0) rss = std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return {hwm, rss};
}

// CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; -1 if unreadable.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Width and height of a JPEG, from its header.
std::pair<unsigned, unsigned> jpeg_size(const std::string& jpeg) {
  jpeg_decompress_struct d{};
  jpeg_error_mgr err{};
  d.err = jpeg_std_error(&err);
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, reinterpret_cast<const unsigned char*>(jpeg.data()),
               static_cast<unsigned long>(jpeg.size()));
  jpeg_read_header(&d, TRUE);
  const std::pair<unsigned, unsigned> size{d.image_width, d.image_height};
  jpeg_destroy_decompress(&d);
  return size;
}

// ---------------------------------------------------------------- a streaming client

bool send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Posts a report whose one file is `bytes` bytes generated on the fly; returns the response.
std::string post_streamed(std::uint16_t port, std::uint64_t bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("connect");
  const std::string head = form_head() + file_part_head("video.mp4", "video/mp4");
  const std::string tail = form_tail();
  const std::uint64_t length = head.size() + bytes + tail.size();
  const std::string request =
      "POST /report HTTP/1.1\r\nHost: bench\r\nContent-Type: multipart/form-data; boundary=" + kBoundary +
      "\r\nContent-Length: " + std::to_string(length) + "\r\nConnection: close\r\n\r\n" + head;
  if (!send_all(fd, request.data(), request.size())) fail("send");
  std::vector<char> chunk(1 << 20);
  std::mt19937_64 rng(42);
  std::uint64_t left = bytes;
  while (left > 0) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      const std::uint64_t v = rng();
      std::memcpy(&chunk[i], &v, 8);
    }
    if (!send_all(fd, chunk.data(), n)) fail("the server closed the connection during the upload");
    left -= n;
  }
  if (!send_all(fd, tail.data(), tail.size())) fail("send");
  std::string response;
  char buf[8192];
  for (;;) {
    const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    response.append(buf, static_cast<std::size_t>(r));
  }
  ::close(fd);
  return response;
}

bool has_receipt(const std::string& body) {
  static const std::regex code("BV-[0-9A-Z]{4,}");
  return std::regex_search(body, code);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_report: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seconds")
      o.seconds = std::atoi(next().c_str());
    else if (a == "--clients")
      o.clients = std::atoi(next().c_str());
    else if (a == "--upload-mib")
      o.upload_mib = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--bin")
      o.bin = next();
    else if (a == "--dir")
      o.dir = next();
    else if (a == "--smoke")
      o.smoke = true;
    else {
      std::fprintf(
          stderr,
          "usage: bench_report [--seconds N] [--clients N] [--upload-mib N] [--bin PATH] [--dir PATH] "
          "[--smoke]\n");
      return 2;
    }
  }
  if (o.smoke) {
    o.seconds = 2;
    o.clients = 2;
    o.upload_mib = 64;
  }
  const fs::path dir = o.dir.empty()
                           ? fs::temp_directory_path() / ("bench-report-" + std::to_string(getpid()))
                           : fs::path(o.dir);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path data = dir / "var";

  // The photos are made before the clock starts: 32 different 2 MB JPEGs, each sent with a
  // different trailer after its end marker so that every upload is new content.
  std::printf("making photos...\n");
  std::fflush(stdout);
  std::vector<std::string> photos;
  for (std::uint32_t i = 0; i < (o.smoke ? 4u : 32u); ++i)
    photos.push_back(make_photo(i + 1, 2 * 1000 * 1000));
  const auto [photo_w, photo_h] = jpeg_size(photos[0]);
  std::printf("photo size: %.2f MB, %ux%u pixels (%.1f MP)\n", static_cast<double>(photos[0].size()) / 1e6,
              photo_w, photo_h, static_cast<double>(photo_w) * photo_h / 1e6);

  // Many reports come from one address here: the public rate limit is lifted for the run.
  const fs::path conf = dir / "baove.conf";
  std::ofstream(conf) << "report_rate_per_hour = 1000000\nlog_format = json\n";
  auto server = std::make_unique<baove::testing::ServeProcess>(
      o.bin, data, dir, 0, std::vector<std::string>{"--config", conf.string()});
  if (!server->error().empty()) fail(server->error());
  const pid_t pid = server->pid();
  const std::uint16_t port = server->port();
  std::printf("server pid %d on port %u\n", pid, port);

  // ---- 1. reports with one photo
  std::atomic<long> ok{0}, bad{0};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> seq{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  const double server_cpu0 = cpu_seconds(pid);
  const double client_cpu0 = cpu_seconds(getpid());
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      baove::testing::HttpClient client("127.0.0.1", port);
      const std::string head = form_head();
      while (!stop.load()) {
        const std::uint64_t n = seq.fetch_add(1);
        std::string body = head + file_part_head("anh-" + std::to_string(n) + ".jpg", "image/jpeg");
        body += photos[n % photos.size()];
        body += "bench-" + std::to_string(n) + "-" + std::to_string(c);  // after the JPEG's end marker
        body += form_tail();
        auto r = client.request("POST", "/report", body,
                                {"Content-Type: multipart/form-data; boundary=" + kBoundary});
        if (r && r->status == 201 && has_receipt(r->body)) {
          ok.fetch_add(1);
        } else {
          if (bad.fetch_add(1) < 3) {
            std::fprintf(stderr, "unexpected answer: %d %s\n", r ? r->status : 0,
                         r ? r->body.substr(0, 200).c_str() : client.last_error().c_str());
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  stop.store(true);
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  const double rate = static_cast<double>(ok.load()) / elapsed;
  std::printf(
      "reports with one 2 MB photo: %ld in %.1f s = %.1f reports/s with %d clients (goal >= 100/s: %s); "
      "unexpected answers: %ld\n",
      ok.load(), elapsed, rate, o.clients, rate >= 100 ? "met" : "NOT met", bad.load());
  // Where the time goes: the server's CPU per report bounds the rate the machine's cores allow.
  if (ok.load() > 0) {
    const double per_report = (cpu_seconds(pid) - server_cpu0) / static_cast<double>(ok.load());
    const double client = (cpu_seconds(getpid()) - client_cpu0) / static_cast<double>(ok.load());
    const auto cores = std::thread::hardware_concurrency();
    std::printf(
        "  server CPU per report: %.1f ms (this client: %.1f ms); %u cores at that cost allow at most %.0f "
        "reports/s\n",
        per_report * 1e3, client * 1e3, cores, per_report > 0 ? cores / per_report : 0.0);
  }

  // ---- 2. one large upload
  const auto before = memory_kib(pid);
  const auto u0 = Clock::now();
  const std::string response = post_streamed(port, o.upload_mib << 20);
  const double upload_s = std::chrono::duration<double>(Clock::now() - u0).count();
  const auto after = memory_kib(pid);
  const bool upload_ok = response.rfind("HTTP/1.1 201", 0) == 0 && has_receipt(response);
  const double growth_mib = static_cast<double>(after.first - before.first) / 1024.0;
  std::printf(
      "upload of %llu MiB: %s in %.1f s (%.0f MB/s); server peak memory %.1f -> %.1f MiB, growth %.1f MiB "
      "(goal <= 64 MiB: %s)\n",
      static_cast<unsigned long long>(o.upload_mib), upload_ok ? "stored" : "FAILED", upload_s,
      static_cast<double>(o.upload_mib << 20) / 1e6 / upload_s, static_cast<double>(before.first) / 1024.0,
      static_cast<double>(after.first) / 1024.0, growth_mib, growth_mib <= 64 ? "met" : "NOT met");
  if (!upload_ok) std::fprintf(stderr, "upload answer: %s\n", response.substr(0, 300).c_str());
  server->signal_and_wait(SIGTERM);
  server.reset();

  // ---- every acknowledged report is stored
  auto db = baove::store::open("sqlite:" + (data / "baove.db").string());
  if (!db.ok()) fail("open database: " + db.error().message);
  auto rows = (*db)->query("SELECT COUNT(*) FROM report_reports");
  if (!rows.ok()) fail("count reports: " + rows.error().message);
  const long stored = static_cast<long>(rows->at(0).integer(0));
  const long expected = ok.load() + (upload_ok ? 1 : 0);
  std::printf("reports stored: %ld, acknowledged: %ld (%s)\n", stored, expected,
              stored == expected ? "all kept" : "MISMATCH");
  if (!o.dir.empty())
    std::printf("data kept in %s\n", dir.c_str());
  else
    fs::remove_all(dir);
  return (bad.load() == 0 && upload_ok && stored == expected) ? 0 : 1;
}
