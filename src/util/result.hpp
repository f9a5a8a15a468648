// The result type used at every module boundary.
//
// Contract: a Result<T> holds either a value or an Error, never both. Reading value() of a
// failed result (or error() of a successful one) is a programming error and aborts.
// Errors carry a machine-readable code and a human message that names what was wrong
// (a file, a line, a field) and never holds personal data or secrets.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace baove {

enum class ErrorCode {
  invalid_argument,  // the caller's input is malformed (bad hex, bad JSON, bad option)
  not_found,         // a file, record or bank that does not exist
  io,                // reading or writing failed
  unsupported,       // a format or feature this build does not handle
  corrupt,           // data that claims a format but breaks it (truncated image, bad checksum)
  limit_exceeded,    // input larger than a configured limit (pixels, bytes, time)
  conflict,          // the operation clashes with current state (duplicate name)
  internal,          // a bug or an unexpected library failure
};

const char* to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;

  // The same error with context put in front: "line 7: bad hex".
  [[nodiscard]] Error with_context(const std::string& context) const {
    return Error{code, context + ": " + message};
  }
};

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    check(true);
    return std::get<0>(v_);
  }
  const T& value() const& {
    check(true);
    return std::get<0>(v_);
  }
  T&& value() && {
    check(true);
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    check(false);
    return std::get<1>(v_);
  }

 private:
  void check(bool want_value) const {
    if (ok() != want_value) std::abort();
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const {
    if (!failed_) std::abort();
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace baove

// Propagates a failed Result from the enclosing function.
#define BAOVE_TRY(expr)                                            \
  do {                                                             \
    auto baove_try_result_ = (expr);                               \
    if (!baove_try_result_.ok()) return baove_try_result_.error(); \
  } while (false)
