// libFuzzer target: form bodies. The input's first line is a Content-Type value and the rest a
// body. The boundary comes from the Content-Type when multipart_boundary() accepts it (else a fixed
// one); the body is parsed in one piece and again in pieces of sizes drawn from the input, and
// both runs must give the same parts, headers, data and error. Checks: callbacks come in order
// (begin, data..., end); no part's data holds the delimiter; limits hold; a finished body holds a
// closing delimiter; a callback's error comes back unchanged and sticks. The whole input is also
// read as an urlencoded form, whose pairs must survive being encoded and parsed again.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/multipart.hpp"

namespace {

using namespace baove;

struct Part {
  http::PartHeader header;
  std::string data;
  bool ended = false;
};

struct Outcome {
  std::vector<Part> parts;
  std::optional<Error> error;
};

constexpr std::size_t kMaxParts = 16;
constexpr std::size_t kMaxHeader = 1024;

Outcome parse(std::string_view boundary, std::string_view body, std::uint32_t seed) {
  Outcome out;
  http::MultipartParser::Callbacks cb;
  cb.on_part_begin = [&](const http::PartHeader& h) {
    if (!out.parts.empty() && !out.parts.back().ended) __builtin_trap();
    out.parts.push_back(Part{h, {}, false});
    return Status{};
  };
  cb.on_part_data = [&](std::span<const std::uint8_t> bytes) {
    if (out.parts.empty() || out.parts.back().ended || bytes.empty()) __builtin_trap();
    out.parts.back().data.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return Status{};
  };
  cb.on_part_end = [&] {
    if (out.parts.empty() || out.parts.back().ended) __builtin_trap();
    out.parts.back().ended = true;
    return Status{};
  };
  http::MultipartParser parser(std::string(boundary), cb, {kMaxHeader, kMaxParts});
  std::uint32_t state = seed;
  while (!body.empty()) {
    std::size_t n = body.size();
    if (seed != 0) {
      state = state * 1103515245u + 12345u;
      n = std::min<std::size_t>(n, 1 + (state >> 16) % 97);
    }
    auto st = parser.feed(body.substr(0, n));
    body.remove_prefix(n);
    if (!st) {
      out.error = st.error();
      return out;
    }
  }
  auto st = parser.finish();
  if (!st) out.error = st.error();
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.error.has_value() != b.error.has_value() || a.parts.size() != b.parts.size()) return false;
  if (a.error && (a.error->code != b.error->code || a.error->message != b.error->message)) return false;
  for (std::size_t i = 0; i < a.parts.size(); ++i) {
    const auto& p = a.parts[i];
    const auto& q = b.parts[i];
    if (p.header.name != q.header.name || p.header.filename != q.header.filename ||
        p.header.content_type != q.header.content_type || p.data != q.data || p.ended != q.ended)
      return false;
  }
  return true;
}

void check_callback_error(std::string_view boundary, std::string_view body) {
  int calls = 0;
  http::MultipartParser::Callbacks cb;
  cb.on_part_data = [&](std::span<const std::uint8_t>) -> Status {
    if (++calls > 1) __builtin_trap();  // nothing after an error
    return make_error(ErrorCode::io, "sink failed");
  };
  http::MultipartParser parser(std::string(boundary), cb);
  auto st = parser.feed(body);
  if (calls == 0) return;
  if (st.ok() || st.error().code != ErrorCode::io || st.error().message != "sink failed") __builtin_trap();
  auto again = parser.finish();
  if (again.ok() || again.error().message != "sink failed") __builtin_trap();
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

void check_urlencoded(std::string_view input) {
  auto pairs = http::parse_urlencoded(input);
  if (!pairs) {
    if (pairs.error().code != ErrorCode::invalid_argument) __builtin_trap();
    return;
  }
  std::string again;
  for (const auto& [name, value] : *pairs) {
    if (name.size() + value.size() > input.size()) __builtin_trap();
    if (!again.empty()) again += '&';
    again += percent_encode(name) + "=" + percent_encode(value);
  }
  auto back = http::parse_urlencoded(again);
  if (!back || *back != *pairs) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_urlencoded(input);

  const auto nl = input.find('\n');
  const std::string_view content_type = input.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  auto parsed = http::multipart_boundary(content_type);
  const std::string boundary = parsed ? *parsed : std::string("b0undary");
  if (parsed && (boundary.empty() || boundary.size() > 70)) __builtin_trap();

  const Outcome whole = parse(boundary, body, 0);
  const Outcome pieces = parse(boundary, body, static_cast<std::uint32_t>(size) * 2654435761u + 1u);
  if (!same(whole, pieces)) __builtin_trap();

  const std::string delimiter = "\r\n--" + boundary;
  std::size_t total = 0;
  for (const auto& p : whole.parts) {
    if (p.data.find(delimiter) != std::string::npos) __builtin_trap();
    total += p.data.size();
  }
  if (whole.parts.size() > kMaxParts || total > body.size()) __builtin_trap();
  if (!whole.error) {
    for (const auto& p : whole.parts) {
      if (!p.ended) __builtin_trap();
    }
    const std::string closing = "--" + boundary + "--";
    if (body.find(closing) == std::string_view::npos) __builtin_trap();
  } else if (whole.error->code != ErrorCode::invalid_argument &&
             whole.error->code != ErrorCode::limit_exceeded) {
    __builtin_trap();
  }
  check_callback_error(boundary, body);
  return 0;
}
