// Result<T>: a value or an Error, shaped like C++23's std::expected<T, Error>.
#ifndef OCKAM_RUNTIME_RESULT_H_
#define OCKAM_RUNTIME_RESULT_H_

#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "runtime/error.h"

namespace ockam {

// Thrown by value() on a Result that holds an error.
class BadResultAccess : public std::logic_error {
 public:
  explicit BadResultAccess(Error error)
      : std::logic_error("Result holds an error: " + error.to_string()), error_(std::move(error)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Error>, "Result<Error> is ambiguous");

 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit like expected
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  T&& value() && { check(); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Precondition: !has_value().
  const Error& error() const { return std::get<1>(v_); }

 private:
  void check() const {
    if (!has_value()) throw BadResultAccess(std::get<1>(v_));
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;  // success: `return {};`
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit like unexpected

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const {
    if (error_) throw BadResultAccess(*error_);
  }
  // Precondition: !has_value().
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_RESULT_H_
