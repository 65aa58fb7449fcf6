// Routed<M>: a delivered message, its body and its routes.
#ifndef OCKAM_RUNTIME_ROUTED_H_
#define OCKAM_RUNTIME_ROUTED_H_

#include <memory>
#include <utility>

#include "runtime/address.h"
#include "runtime/any.h"
#include "runtime/internal/envelope.h"
#include "runtime/route.h"

namespace ockam {

template <class M>
class Routed {
 public:
  Routed(Routed&&) noexcept = default;
  Routed& operator=(Routed&&) noexcept = default;

  const Route& onward_route() const { return env_->onward; }
  const Route& return_route() const { return env_->ret; }
  // The first hop of the return route: who to answer.
  const Address& src_addr() const { return env_->ret.next(); }
  // The address this message was delivered to.
  const Address& dst_addr() const { return env_->onward.next(); }
  const M& body() const& { return env_->body; }
  M into_body() && { return std::move(env_->body); }

 private:
  friend struct detail::EnvelopeAccess;
  explicit Routed(std::unique_ptr<detail::TypedEnvelope<M>> env) : env_(std::move(env)) {}
  std::unique_ptr<detail::TypedEnvelope<M>> env_;
};

template <>
class Routed<Any> {
 public:
  Routed(Routed&&) noexcept = default;
  Routed& operator=(Routed&&) noexcept = default;

  const Route& onward_route() const;
  const Route& return_route() const;
  const Address& src_addr() const { return return_route().next(); }
  const Address& dst_addr() const { return onward_route().next(); }
  const Any& body() const& { return body_; }
  Any into_body() && { return std::move(body_); }

 private:
  friend struct detail::EnvelopeAccess;
  explicit Routed(Any body) : body_(std::move(body)) {}
  Any body_;  // the envelope also carries the routes
};

namespace detail {

struct EnvelopeAccess {
  static Envelope* get(const Any& any) { return any.env_.get(); }
  static EnvelopePtr release(Any&& any) { return std::move(any.env_); }

  template <class M>
  static EnvelopePtr release(Routed<M>&& routed) {
    if constexpr (std::is_same_v<M, Any>) {
      return std::move(routed.body_.env_);
    } else {
      return EnvelopePtr(routed.env_.release());
    }
  }

  // Precondition: *env->type == typeid(M), or M is Any.
  template <class M>
  static Routed<M> make_routed(EnvelopePtr env) {
    if constexpr (std::is_same_v<M, Any>) {
      return Routed<Any>(Any(std::move(env)));
    } else {
      return Routed<M>(std::unique_ptr<TypedEnvelope<M>>(static_cast<TypedEnvelope<M>*>(env.release())));
    }
  }

  // A body as an envelope: an Any gives up its own (routes are reset by the
  // sender), anything else is moved into a new one. Null for an empty Any.
  template <class M>
  static EnvelopePtr wrap(M&& body) {
    if constexpr (std::is_same_v<std::decay_t<M>, Any>) {
      return std::move(body.env_);
    } else {
      return std::make_unique<TypedEnvelope<std::decay_t<M>>>(std::move(body));
    }
  }
};

}  // namespace detail

inline const Route& Routed<Any>::onward_route() const { return detail::EnvelopeAccess::get(body_)->onward; }
inline const Route& Routed<Any>::return_route() const { return detail::EnvelopeAccess::get(body_)->ret; }

}  // namespace ockam

#endif  // OCKAM_RUNTIME_ROUTED_H_
