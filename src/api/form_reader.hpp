// Pull-style access to a streamed multipart/form-data body, for handlers that hand each file to
// a consumer that pulls its bytes (the vault's put). Not a public header of the module.
//
// Contract: memory is bounded by one piece of the body (64 KiB) plus the parser's header limit,
// whatever the size of the parts. next_part() skips what is left of the current part. Errors: the
// body reader's (io, limit_exceeded) and the parser's (invalid_argument for a malformed body,
// limit_exceeded for too many parts or too large part headers). Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "http/multipart.hpp"
#include "http/router.hpp"
#include "util/result.hpp"

namespace baove::api {

class FormReader {
 public:
  FormReader(http::BodyReader& body, std::string boundary, http::MultipartParser::Limits limits = {});
  FormReader(const FormReader&) = delete;
  FormReader& operator=(const FormReader&) = delete;

  // The next part's header, or nullopt after the last part (the closing boundary was seen).
  Result<std::optional<http::PartHeader>> next_part();
  // Up to out.size() bytes of the current part's content; 0 at the end of the part.
  Result<std::size_t> read(std::span<std::uint8_t> out);
  // The first error of the body itself (its reader or the parser), once one happened: the upload is
  // then broken, whatever a consumer of read() made of it. Every later call fails with it.
  const std::optional<Error>& body_error() const { return failed_; }
  // The whole current part as text, failing with limit_exceeded past `max_bytes`.
  Result<std::string> read_text(std::size_t max_bytes);

 private:
  struct Event {
    enum class Kind { begin, data, end } kind = Kind::data;
    http::PartHeader header;
    std::vector<std::uint8_t> bytes;
    std::size_t offset = 0;
  };
  // Reads one piece of the body and feeds it to the parser (which queues events).
  Status pump();

  http::BodyReader& body_;
  http::MultipartParser parser_;
  std::deque<Event> events_;
  std::vector<std::uint8_t> piece_;
  bool in_part_ = false;
  bool finished_ = false;
  std::optional<Error> failed_;
};

}  // namespace baove::api
