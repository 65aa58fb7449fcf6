// Any: a message body of any type. A Worker<Any> (a hop, a router) accepts
// every message; forwarding an Any moves the original body along untouched.
#ifndef OCKAM_RUNTIME_ANY_H_
#define OCKAM_RUNTIME_ANY_H_

#include <string>
#include <typeinfo>

#include "runtime/internal/envelope.h"

namespace ockam {

class Any {
 public:
  Any() = default;
  Any(Any&&) noexcept = default;
  Any& operator=(Any&&) noexcept = default;

  bool has_value() const { return env_ != nullptr; }
  // The body's type; typeid(void) when empty.
  const std::type_info& type() const { return env_ ? *env_->type : typeid(void); }
  // Demangled, e.g. "int"; "void" when empty.
  std::string type_name() const { return detail::demangle(type()); }

  template <class T>
  bool is() const {
    return env_ != nullptr && *env_->type == typeid(T);
  }
  template <class T>
  const T* get_if() const {
    return is<T>() ? &static_cast<const detail::TypedEnvelope<T>*>(env_.get())->body : nullptr;
  }
  template <class T>
  T* get_if() {
    return is<T>() ? &static_cast<detail::TypedEnvelope<T>*>(env_.get())->body : nullptr;
  }

 private:
  friend struct detail::EnvelopeAccess;
  explicit Any(detail::EnvelopePtr env) : env_(std::move(env)) {}
  detail::EnvelopePtr env_;
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_ANY_H_
