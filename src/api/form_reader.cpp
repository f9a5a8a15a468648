#include "api/form_reader.hpp"

#include <algorithm>
#include <cstring>

namespace baove::api {

FormReader::FormReader(http::BodyReader& body, std::string boundary, http::MultipartParser::Limits limits)
    : body_(body),
      parser_(std::move(boundary),
              http::MultipartParser::Callbacks{[this](const http::PartHeader& h) -> Status {
                                                 Event& e = events_.emplace_back();
                                                 e.kind = Event::Kind::begin;
                                                 e.header = h;
                                                 return {};
                                               },
                                               [this](std::span<const std::uint8_t> bytes) -> Status {
                                                 if (!events_.empty() &&
                                                     events_.back().kind == Event::Kind::data) {
                                                   auto& b = events_.back().bytes;
                                                   b.insert(b.end(), bytes.begin(), bytes.end());
                                                 } else {
                                                   Event& e = events_.emplace_back();
                                                   e.kind = Event::Kind::data;
                                                   e.bytes.assign(bytes.begin(), bytes.end());
                                                 }
                                                 return {};
                                               },
                                               [this]() -> Status {
                                                 events_.emplace_back().kind = Event::Kind::end;
                                                 return {};
                                               }},
              limits),
      piece_(64 * 1024) {}

Status FormReader::pump() {
  if (failed_) return *failed_;
  Status s = [&]() -> Status {
    if (finished_) return make_error(ErrorCode::invalid_argument, "multipart body ends inside a part");
    auto got = body_.read(piece_);
    if (!got.ok()) return got.error();
    if (*got == 0) {
      finished_ = true;
      return parser_.finish();
    }
    return parser_.feed(std::span<const std::uint8_t>(piece_.data(), *got));
  }();
  if (!s.ok()) failed_ = s.error();
  return s;
}

Result<std::optional<http::PartHeader>> FormReader::next_part() {
  if (failed_) return *failed_;
  for (;;) {
    while (!events_.empty()) {
      Event e = std::move(events_.front());
      events_.pop_front();
      if (e.kind == Event::Kind::begin) {
        in_part_ = true;
        return std::optional<http::PartHeader>(std::move(e.header));
      }
      if (e.kind == Event::Kind::end) in_part_ = false;
    }
    if (finished_) return std::optional<http::PartHeader>();
    BAOVE_TRY(pump());
  }
}

Result<std::size_t> FormReader::read(std::span<std::uint8_t> out) {
  if (!in_part_ || out.empty()) return std::size_t{0};
  for (;;) {
    if (!events_.empty()) {
      Event& e = events_.front();
      if (e.kind == Event::Kind::end) {
        events_.pop_front();
        in_part_ = false;
        return std::size_t{0};
      }
      if (e.kind == Event::Kind::data) {
        const std::size_t n = std::min(out.size(), e.bytes.size() - e.offset);
        std::memcpy(out.data(), e.bytes.data() + e.offset, n);
        e.offset += n;
        if (e.offset == e.bytes.size()) events_.pop_front();
        return n;
      }
      // A begin while inside a part cannot happen: the parser ends a part before the next.
      return make_error(ErrorCode::internal, "multipart events out of order");
    }
    BAOVE_TRY(pump());
  }
}

Result<std::string> FormReader::read_text(std::size_t max_bytes) {
  std::string text;
  std::uint8_t buf[4096];
  for (;;) {
    auto n = read(buf);
    if (!n.ok()) return n.error();
    if (*n == 0) return text;
    if (text.size() + *n > max_bytes) return make_error(ErrorCode::limit_exceeded, "form field too long");
    text.append(reinterpret_cast<const char*>(buf), *n);
  }
}

}  // namespace baove::api
