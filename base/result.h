// Result<T>: the return type for operations that can fail in expected ways.
// Contract: a Result holds either a value or an Error, never both. Exceptions are reserved
// for parse boundaries, which convert them to Errors with a clear message.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ha {

// What kind of failure an Error is, where callers act on it (a VM already gone is fine
// when deleting it; a conflict on create means the name is taken).
// kGone: what was asked for is no longer kept (a watch from a version the server has
// compacted away, Kubernetes' 410): start over from a fresh list.
enum class ErrorKind { kOther, kNotFound, kConflict, kInvalid, kUnavailable, kTimeout, kGone };

struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::kOther;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error make_error(std::string message, ErrorKind kind = ErrorKind::kOther) {
  return Error{std::move(message), kind};
}

}  // namespace ha
