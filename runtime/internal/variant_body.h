// INTERNAL. Message types that are a std::variant: a Worker<std::variant<A,
// B>> takes a body of type A or B (or the variant itself), and its handler
// gets the variant holding it. Which alternative a body is comes from its
// envelope's type_info, so the alternatives must be distinct types.
//
// Local delivery still moves, never copies: the sender's envelope holds an
// A, and the receiving Routed<std::variant<A, B>> moves that A into its
// variant (routed.h); forward() moves it back into the same envelope.
#ifndef OCKAM_RUNTIME_INTERNAL_VARIANT_BODY_H_
#define OCKAM_RUNTIME_INTERNAL_VARIANT_BODY_H_

#include <cstddef>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>

#include "runtime/internal/envelope.h"

namespace ockam {
class Any;
}

namespace ockam::detail {

template <class M>
struct VariantTraits {
  static constexpr bool kIsVariant = false;
};
template <class... Ts>
struct VariantTraits<std::variant<Ts...>> {
  static constexpr bool kIsVariant = true;
  template <class T>
  static constexpr std::size_t kCount = (std::size_t{std::is_same_v<T, Ts>} + ... + 0);
  static constexpr bool kDistinct = ((kCount<Ts> == 1) && ...);
  static constexpr bool kPlainBodies = ((!std::is_same_v<Ts, Any> && !std::is_same_v<Ts, WireBody>) && ...);
};

template <class M>
inline constexpr bool is_variant_v = VariantTraits<M>::kIsVariant;

// What a variant message type must be; checked where a worker or receive()
// takes an M. True for every other M.
template <class M>
constexpr bool check_message_type() {
  if constexpr (is_variant_v<M>) {
    static_assert(VariantTraits<M>::kDistinct,
                  "the alternatives of a variant message type must be distinct types: a body is matched to its "
                  "alternative by its type");
    static_assert(VariantTraits<M>::kPlainBodies,
                  "ockam::Any (or a WireBody) cannot be an alternative of a variant message type: a Worker<Any> "
                  "takes every body already");
  }
  return true;
}

template <class V, std::size_t... I>
std::size_t alternative_of(const std::type_info& type, std::index_sequence<I...>) {
  std::size_t found = std::variant_npos;
  // Comparing the type_info objects' addresses first: that is the answer
  // within one binary, with no call; operator== may compare names (a
  // strcmp) for unequal types.
  (void)((&type == &typeid(std::variant_alternative_t<I, V>) && ((found = I), true)) || ...);
  if (found == std::variant_npos) {
    (void)((type == typeid(std::variant_alternative_t<I, V>) && ((found = I), true)) || ...);
  }
  return found;
}

// The index of V's alternative whose type is `type`; std::variant_npos for
// none (V itself included).
template <class V>
std::size_t alternative_of(const std::type_info& type) {
  return alternative_of<V>(type, std::make_index_sequence<std::variant_size_v<V>>{});
}

// True if a body of type `type`, as sent on this node, is delivered to a
// taker of M: M itself, or for a variant one of its alternatives too. (A
// WireBody, from another node, is decoded first: see wire_decoder().)
template <class M>
bool takes_local(const std::type_info& type) {
  if constexpr (is_variant_v<M>) {
    return alternative_of<M>(type) != std::variant_npos || type == typeid(M);
  } else {
    return type == typeid(M);
  }
}

// What a receive<M>() takes: M (named in errors), which local bodies
// (takes_local<M>; null for Any, which takes every body), and how a body
// from another node becomes an M (null: taken as it is, or not at all).
struct Wanted {
  const std::type_info* type;
  bool (*takes)(const std::type_info&);
  WireDecoder decode;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_VARIANT_BODY_H_
