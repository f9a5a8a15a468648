// Form bodies: streaming multipart/form-data (RFC 7578 over RFC 2046) and
// application/x-www-form-urlencoded. Plain types only, no network library.
//
// Contract of MultipartParser:
// - Constant memory whatever the size of a part: part bodies are handed to on_part_data in pieces
//   as they arrive and never buffered; the parser keeps at most one part's header block
//   (Limits::max_header_bytes) and a tail shorter than the delimiter ("\r\n--" + boundary).
// - The body may be fed in any split, down to one byte at a time; the callbacks see the same parts,
//   headers and bytes whatever the split (the data pieces may be cut differently).
// - Part data never includes the CRLF that precedes a delimiter. The preamble (before the first
//   delimiter) and the epilogue (after the closing delimiter) are ignored.
// - Line ends are CRLF, as every browser sends them. Bare LF is not accepted: in a part body it is
//   data, and the header block of a part must end with CRLF CRLF.
// - A delimiter line is "--" boundary, optional spaces or tabs, CRLF; the closing one is "--"
//   boundary "--". A line in a body that starts with "--" boundary and continues otherwise is
//   malformed (RFC 2046 forbids the boundary inside parts).
// - Every part needs a Content-Disposition of type form-data with a name. Header names are
//   case-insensitive; folded header lines (starting with a space or tab) are joined with one space.
// - Errors: malformed input is ErrorCode::invalid_argument and too many parts or a header block
//   over the limit is ErrorCode::limit_exceeded, with a message that never quotes the input. An
//   error returned by a callback is returned unchanged. After any error, feed() and finish()
//   return that error again; nothing more is delivered.
// - Thread-safety: none; one parser per body, used from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace baove::http {

// The boundary of a Content-Type header value "multipart/form-data; boundary=..." (media type and
// parameter names case-insensitive; the value a token or a quoted string). invalid_argument when the
// type is not multipart/form-data or the boundary is missing, repeated or not 1..70 characters of
// RFC 2046's set (letters, digits, space and '()+_,-./:=? , not ending with a space).
Result<std::string> multipart_boundary(std::string_view content_type);

struct PartHeader {
  std::string name;  // Content-Disposition's name parameter
  // The file name as sent, when the part is a file (a file input with no file chosen sends "").
  // filename*=charset''percent-encoded (RFC 5987; UTF-8 or ISO-8859-1, returned as UTF-8) wins over
  // filename. Not sanitised: it may hold path separators, "..", or any bytes.
  std::optional<std::string> filename;
  std::string content_type;  // the part's Content-Type value, trimmed and lower-cased; "" if none
};

class MultipartParser {
 public:
  struct Limits {
    std::size_t max_header_bytes = 16 * 1024;  // one part's header block, CRLFs included
    std::size_t max_parts = 64;
  };
  // Each callback may be empty (then ignored). An error returned by one stops parsing.
  struct Callbacks {
    std::function<Status(const PartHeader&)> on_part_begin;
    std::function<Status(std::span<const std::uint8_t>)> on_part_data;  // the current part's body, in order
    std::function<Status()> on_part_end;
  };

  // `boundary` as returned by multipart_boundary(); an invalid one makes every feed() fail.
  MultipartParser(std::string boundary, Callbacks callbacks);
  MultipartParser(std::string boundary, Callbacks callbacks, Limits limits);

  // Parses the next bytes of the body, calling back as parts begin, carry data and end.
  Status feed(std::span<const std::uint8_t> bytes);
  Status feed(std::string_view bytes);
  // Ends the body: invalid_argument unless the closing delimiter was seen (a truncated upload).
  Status finish();

  std::size_t parts() const noexcept { return parts_; }  // parts begun so far

 private:
  enum class State { preamble, after_delimiter, close_dash, padding, delimiter_lf, headers, body, epilogue };

  Status fail(Error error);
  Status fail(ErrorCode code, const char* message);
  // Scans for the delimiter from the current state (preamble or body); returns the bytes used.
  Result<std::size_t> scan(std::span<const std::uint8_t> bytes);
  Result<std::size_t> read_headers(std::span<const std::uint8_t> bytes);
  Status begin_part();
  Status emit(std::span<const std::uint8_t> bytes);

  std::string delimiter_;  // "\r\n--" + boundary
  Callbacks callbacks_;
  Limits limits_;
  State state_ = State::preamble;
  std::string held_;    // a proper prefix of delimiter_ seen at the end of the last feed
  std::string header_;  // the header block being read, starting with the delimiter line's CRLF
  std::size_t padding_ = 0;
  std::size_t parts_ = 0;
  std::optional<Error> error_;
};

// application/x-www-form-urlencoded: the name/value pairs in order, percent-decoded with '+' as a
// space. A pair without '=' has an empty value; empty pairs ("a=1&&b=2") are skipped.
// invalid_argument for a malformed percent escape.
Result<std::vector<std::pair<std::string, std::string>>> parse_urlencoded(std::string_view body);

}  // namespace baove::http
