// Bounded line and CSV record readers over a std::istream (internal to the bank module).
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace baove::bank::detail {

// Buffered byte source: get() returns the next byte (0..255) or -1 at the end.
class CharSource {
 public:
  explicit CharSource(std::istream& in) : in_(in), buf_(1 << 16) {}
  int get() {
    if (pos_ == len_ && !fill()) return -1;
    return static_cast<unsigned char>(buf_[pos_++]);
  }
  int peek() {
    if (pos_ == len_ && !fill()) return -1;
    return static_cast<unsigned char>(buf_[pos_]);
  }
  bool failed() const { return failed_; }

 private:
  bool fill() {
    if (eof_) return false;
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    const std::streamsize n = in_.gcount();
    if (in_.bad()) failed_ = true;
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    pos_ = 0;
    len_ = static_cast<std::size_t>(n);
    return true;
  }
  std::istream& in_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  bool eof_ = false;
  bool failed_ = false;
};

enum class ReadStatus { record, end, too_long, malformed };

// Reads lines ending in "\n" or "\r\n" (the last may lack one), dropping a UTF-8 byte order
// mark at the start. A line over `max_bytes` is consumed and reported as too_long.
class LineReader {
 public:
  LineReader(std::istream& in, std::size_t max_bytes) : src_(in), max_(max_bytes) {}
  // Fails only when the stream reports a read error.
  Result<ReadStatus> next(std::string& line);
  std::size_t line_number() const { return line_no_; }  // of the line last returned

 private:
  CharSource src_;
  std::size_t max_;
  std::size_t line_no_ = 0;
  bool first_ = true;
};

// Reads RFC 4180 CSV records: fields separated by ',', quoted with '"' ("" inside quotes is one
// quote; quoted fields may span lines), records ending in "\n" or "\r\n".
class CsvReader {
 public:
  CsvReader(std::istream& in, std::size_t max_bytes) : src_(in), max_(max_bytes) {}
  // record: `fields` holds the record; malformed: `error` says why (the rest of the line was
  // skipped); too_long: the record was skipped. Fails for an unterminated quote at the end of
  // input or a read error.
  Result<ReadStatus> next(std::vector<std::string>& fields, std::string& error);
  std::size_t line_number() const { return start_line_; }  // where the last record began

 private:
  void skip_line();
  CharSource src_;
  std::size_t max_;
  std::size_t line_ = 1;  // line of the next byte
  std::size_t start_line_ = 0;
  bool first_ = true;
};

}  // namespace baove::bank::detail
