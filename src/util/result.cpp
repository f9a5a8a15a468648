#include "util/result.hpp"

namespace baove {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_argument:
      return "invalid_argument";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::io:
      return "io";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::corrupt:
      return "corrupt";
    case ErrorCode::limit_exceeded:
      return "limit_exceeded";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace baove
