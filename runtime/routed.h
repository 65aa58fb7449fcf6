// Routed<M>: a delivered message, its body and its routes.
#ifndef OCKAM_RUNTIME_ROUTED_H_
#define OCKAM_RUNTIME_ROUTED_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "runtime/address.h"
#include "runtime/any.h"
#include "runtime/internal/envelope.h"
#include "runtime/internal/variant_body.h"
#include "runtime/route.h"

namespace ockam {

namespace detail {
// The routes of a delivered message, built from the envelope's packed form
// (packed_routes.h) the first time they are asked for: a worker that only
// counts its messages never pays for them. So a Routed, like the message it
// holds, belongs to one thread at a time: its const accessors fill a cache
// and must not run on two threads at once.
class RouteCache {
 public:
  const Route& onward_route(const Envelope& env) const {
    if (!onward_) onward_.emplace(env.routes.onward());
    return *onward_;
  }
  const Route& return_route(const Envelope& env) const {
    if (!ret_) ret_.emplace(env.routes.ret());
    return *ret_;
  }

 private:
  mutable std::optional<Route> onward_, ret_;
};

// What a Routed reads from the envelope it owns (`Owner`: a unique_ptr to an
// Envelope or a TypedEnvelope<M>): the routes.
template <class Owner>
class RoutesOf {
 public:
  const Route& onward_route() const { return routes_.onward_route(*env_); }
  const Route& return_route() const { return routes_.return_route(*env_); }
  // The first hop of the return route: who to answer.
  const Address& src_addr() const { return return_route().next(); }
  // The address this message was delivered to.
  const Address& dst_addr() const { return onward_route().next(); }

 protected:
  explicit RoutesOf(Owner env) : env_(std::move(env)) {}
  Owner env_;
  RouteCache routes_;
};
}  // namespace detail

template <class M>
class Routed : public detail::RoutesOf<std::unique_ptr<detail::TypedEnvelope<M>>> {
 public:
  Routed(Routed&&) noexcept = default;
  Routed& operator=(Routed&&) noexcept = default;

  const M& body() const& { return this->env_->body; }
  M into_body() && { return std::move(this->env_->body); }

 private:
  friend struct detail::EnvelopeAccess;
  explicit Routed(std::unique_ptr<detail::TypedEnvelope<M>> env)
      : detail::RoutesOf<std::unique_ptr<detail::TypedEnvelope<M>>>(std::move(env)) {}
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
  detail::RouteCache routes_;
};

// A message for a taker of a variant type (Worker<std::variant<A, B>>):
// sent as one of its alternatives (or as the variant), that body is moved
// into body() here, and the envelope keeps the routes; forward() moves the
// body back into it, so the next hop gets it as it was sent.
template <class... Ts>
class Routed<std::variant<Ts...>> : public detail::RoutesOf<detail::EnvelopePtr> {
  using V = std::variant<Ts...>;

 public:
  Routed(Routed&&) noexcept = default;
  Routed& operator=(Routed&&) noexcept = default;

  const V& body() const& { return body_; }
  V into_body() && { return std::move(body_); }

 private:
  friend struct detail::EnvelopeAccess;
  // `body`: how to make body_ (it may point into *env, which stays alive).
  // The envelope keeps the routes; its own body is moved into body_.
  template <class... Args>
  explicit Routed(detail::EnvelopePtr env, Args&&... body)
      : detail::RoutesOf<detail::EnvelopePtr>(std::move(env)), body_(std::forward<Args>(body)...) {}
  V body_;
};

namespace detail {

struct EnvelopeAccess {
  static Envelope* get(const Any& any) { return any.env_.get(); }
  static EnvelopePtr release(Any&& any) { return std::move(any.env_); }

  template <class M>
  static EnvelopePtr release(Routed<M>&& routed) {
    if constexpr (std::is_same_v<M, Any>) {
      return std::move(routed.body_.env_);
    } else if constexpr (is_variant_v<M>) {
      return give_back(std::move(routed));
    } else {
      return EnvelopePtr(routed.env_.release());
    }
  }

  // Precondition: takes_local<M>(*env->type), or M is Any.
  template <class M>
  static Routed<M> make_routed(EnvelopePtr env) {
    if constexpr (std::is_same_v<M, Any>) {
      return Routed<Any>(Any(std::move(env)));
    } else if constexpr (is_variant_v<M>) {
      const std::size_t i = alternative_of<M>(*env->type);
      if (i == std::variant_npos) {  // sent as the variant itself
        M& body = static_cast<TypedEnvelope<M>&>(*env).body;
        return Routed<M>(std::move(env), std::move(body));
      }
      return take_alternative<M>(std::move(env), i, std::make_index_sequence<std::variant_size_v<M>>{});
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

 private:
  // The alternative I of V, as its envelope holds it, moved into a Routed<V>.
  template <class V, std::size_t I>
  static Routed<V> take(EnvelopePtr env) {
    auto& body = static_cast<TypedEnvelope<std::variant_alternative_t<I, V>>&>(*env).body;
    return Routed<V>(std::move(env), std::in_place_index<I>, std::move(body));
  }
  template <class V, std::size_t... I>
  static Routed<V> take_alternative(EnvelopePtr env, std::size_t i, std::index_sequence<I...>) {
    using Take = Routed<V> (*)(EnvelopePtr);
    static constexpr Take kTake[] = {&take<V, I>...};
    return kTake[i](std::move(env));
  }

  // forward() of a Routed<V>: the body back into its envelope, as the type it
  // was sent as (an alternative, or V).
  template <class V>
  static EnvelopePtr give_back(Routed<V>&& routed) {
    EnvelopePtr env = std::move(routed.env_);
    const std::size_t i = alternative_of<V>(*env->type);
    if (i == std::variant_npos) return put_body<V>(std::move(env), std::move(routed.body_));
    if (routed.body_.index() != i) return env;  // moved out and valueless: nothing to give back
    return give_back_alternative(std::move(env), std::move(routed.body_), i,
                                 std::make_index_sequence<std::variant_size_v<V>>{});
  }
  template <class V, std::size_t... I>
  static EnvelopePtr give_back_alternative(EnvelopePtr env, V&& body, std::size_t i, std::index_sequence<I...>) {
    using Put = EnvelopePtr (*)(EnvelopePtr, V&&);
    static constexpr Put kPut[] = {[](EnvelopePtr e, V&& b) {
      return put_body<std::variant_alternative_t<I, V>>(std::move(e), std::get<I>(std::move(b)));
    }...};
    return kPut[i](std::move(env), std::move(body));
  }
  // Moves `value` into the body of `env`, a TypedEnvelope<T>; a T that cannot
  // be assigned goes into a new envelope that takes over the routes.
  template <class T>
  static EnvelopePtr put_body(EnvelopePtr env, T&& value) {
    if constexpr (std::is_move_assignable_v<T>) {
      static_cast<TypedEnvelope<T>&>(*env).body = std::move(value);
      return env;
    } else {
      auto fresh = std::make_unique<TypedEnvelope<T>>(std::move(value));
      adopt_routes(*fresh, *env);
      return fresh;
    }
  }
};

}  // namespace detail

inline const Route& Routed<Any>::onward_route() const {
  return routes_.onward_route(*detail::EnvelopeAccess::get(body_));
}
inline const Route& Routed<Any>::return_route() const {
  return routes_.return_route(*detail::EnvelopeAccess::get(body_));
}

}  // namespace ockam

#endif  // OCKAM_RUNTIME_ROUTED_H_
