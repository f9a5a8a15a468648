#include "bank/text_reader.hpp"

namespace baove::bank::detail {

namespace {

Error read_error() { return make_error(ErrorCode::io, "read error"); }

// Drops a UTF-8 byte order mark (EF BB BF) at the start of input.
template <typename Source>
void skip_bom(Source& src) {
  if (src.peek() != 0xEF) return;
  src.get();
  if (src.peek() == 0xBB) src.get();
  if (src.peek() == 0xBF) src.get();
}

}  // namespace

Result<ReadStatus> LineReader::next(std::string& line) {
  line.clear();
  if (first_) {
    skip_bom(src_);
    first_ = false;
  }
  bool any = false;
  bool too_long = false;
  for (;;) {
    const int c = src_.get();
    if (c < 0) {
      if (src_.failed()) return read_error();
      if (!any) return ReadStatus::end;
      break;
    }
    any = true;
    if (c == '\n') break;
    if (line.size() >= max_) {
      too_long = true;
      continue;
    }
    line.push_back(static_cast<char>(c));
  }
  ++line_no_;
  if (too_long) {
    line.clear();
    return ReadStatus::too_long;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return ReadStatus::record;
}

void CsvReader::skip_line() {
  for (;;) {
    const int c = src_.get();
    if (c < 0) return;
    if (c == '\n') {
      ++line_;
      return;
    }
  }
}

Result<ReadStatus> CsvReader::next(std::vector<std::string>& fields, std::string& error) {
  fields.clear();
  error.clear();
  if (first_) {
    skip_bom(src_);
    first_ = false;
  }
  if (src_.peek() < 0) {
    if (src_.failed()) return read_error();
    return ReadStatus::end;
  }
  start_line_ = line_;
  std::size_t bytes = 0;
  bool too_long = false;
  fields.emplace_back();
  auto append = [&](int c) {
    if (++bytes > max_) {
      too_long = true;
      return;
    }
    if (!too_long) fields.back().push_back(static_cast<char>(c));
  };
  for (;;) {
    // At the start of a field.
    int c = src_.get();
    if (c == '"') {
      for (;;) {
        c = src_.get();
        if (c < 0) {
          if (src_.failed()) return read_error();
          return make_error(ErrorCode::invalid_argument,
                            "line " + std::to_string(start_line_) + ": quoted field is never closed");
        }
        if (c == '"') {
          if (src_.peek() == '"') {
            src_.get();
            append('"');
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        append(c);
      }
      c = src_.get();
      if (c == '\r' && src_.peek() == '\n') c = src_.get();
      if (c != ',' && c != '\n' && c >= 0) {
        error = "unexpected character after a closing quote";
        if (c != '\n') skip_line();
        return ReadStatus::malformed;
      }
    } else {
      while (c >= 0 && c != ',' && c != '\n') {
        append(c);
        c = src_.get();
      }
      if (c == '\n' && !too_long && !fields.back().empty() && fields.back().back() == '\r') {
        fields.back().pop_back();
      }
    }
    if (c == ',') {
      fields.emplace_back();
      continue;
    }
    if (c == '\n') ++line_;
    if (c < 0 && src_.failed()) return read_error();
    break;
  }
  if (too_long) {
    fields.clear();
    return ReadStatus::too_long;
  }
  return ReadStatus::record;
}

}  // namespace baove::bank::detail
