// INTERNAL. The unit that travels through mailboxes: routes plus a body of
// any movable type. One allocation per message; forwarding reuses it.
#ifndef OCKAM_RUNTIME_INTERNAL_ENVELOPE_H_
#define OCKAM_RUNTIME_INTERNAL_ENVELOPE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "codec/codec.h"
#include "mailbox/mpsc_mailbox.h"
#include "runtime/internal/allocator.h"
#include "runtime/internal/packed_routes.h"
#include "runtime/access_control.h"
#include "runtime/peer_credit.h"
#include "runtime/result.h"
#include "runtime/route.h"

namespace ockam::detail {

// The demangled name of a type, for error messages only (never on a hot path).
std::string demangle(const std::type_info& type);

// A body that came from another node and is still encoded: the payload of a
// TransportMessage. It is decoded as the receiving worker's body type just
// before its handler runs (decode_wire); a Worker<Any> hop passes it on
// untouched, and a transport sends its bytes on as they are.
struct WireBody {
  std::vector<std::uint8_t> bytes;
  // What the message holds of its connection's PeerCredit, given back when
  // the body is gone (decoded, encoded onward, or dropped).
  CreditHold hold;
};

// A body type a transport can put on the wire.
template <class M>
inline constexpr bool wire_encodable_v = has_codec_v<M> || std::is_same_v<M, WireBody>;

// An envelope's origin: a shared Ingress, released out of line. Almost every
// message is local and has none; as a plain shared_ptr member its release
// code made every envelope's destructor too big to inline (callgrind:
// about 19 more instructions a message on BM_PingPong), and its 16 bytes
// did not fit the envelope's line. One pointer to a box holding the
// shared_ptr (allocated only for a message that came from an ingress).
// Move-only.
class OriginRef {
 public:
  OriginRef() noexcept {}
  OriginRef(const OriginRef&) = delete;
  OriginRef& operator=(const OriginRef&) = delete;
  ~OriginRef() {
    if (box_ != nullptr) [[unlikely]] release();
  }
  void set(std::shared_ptr<const Ingress> ingress);
  // Takes `other`'s origin (this one's first released); `other` is left empty.
  void take(OriginRef& other) noexcept {
    if (box_ != nullptr) release();
    box_ = other.box_;
    other.box_ = nullptr;
  }
  const Ingress* get() const { return box_ != nullptr ? box_->ingress.get() : nullptr; }

 private:
  struct Box : PooledAllocation {
    std::shared_ptr<const Ingress> ingress;
  };
  void release() noexcept;  // out of line: the shared_ptr's release
  Box* box_ = nullptr;
};

struct Envelope : mailbox::MailboxNode, PooledAllocation {
  explicit Envelope(const std::type_info* body_type, bool wire_body = false) : type(body_type), wire(wire_body) {}
  virtual ~Envelope() = default;
  Envelope(const Envelope&) = delete;
  Envelope& operator=(const Envelope&) = delete;

  // A control envelope carries no body: the StopEnvelope, or a request's
  // completion (request.h), which runs a continuation on the worker's turn.
  // Neither was admitted (Cell::admit), so neither takes a mailbox place.
  bool is_control() const { return type == nullptr; }
  bool is_stop() const { return type == nullptr && !completion; }
  // A flag, not a type_info comparison: that is an out-of-line strcmp for
  // unequal types, and every dispatch asks (BM_PingPong lost about 15 ns a
  // round trip to it).
  bool is_wire() const { return wire; }

  // Appends the body's wire form (its Codec<M> encoding) to `out`; for a
  // type without a codec, an error that names it and leaves `out` alone.
  // Only transports call this: local delivery never encodes.
  virtual Result<void> encode_body(std::vector<std::uint8_t>& out) const = 0;

  const std::type_info* type;  // of the body; nullptr for a control envelope
  // Where it entered the node (access_control.h): none when sent here. Kept
  // by forward(), which clears `direct`, and by decode_wire().
  OriginRef origin;
  // Onward and return route, packed while the message is queued
  // (packed_routes.h): the handler's Routed builds Route objects from them
  // when asked.
  PackedRoutes routes;
  const bool wire;          // the body is a WireBody
  bool direct = false;      // straight from `origin`, not yet forwarded by a worker here
  bool completion = false;  // a control envelope that is a request's completion, not the stop
};
// One line for a local message with an int body: the vtable and mailbox
// link, the type, the origin, the routes (16 bytes in place: "counter" back
// to "app") and the flags take 59 bytes, and the body goes in the rest.
static_assert(sizeof(Envelope) <= 64);

Error no_codec_error(const std::type_info& type);

template <class M>
struct TypedEnvelope final : Envelope {
  explicit TypedEnvelope(M&& b) : Envelope(&typeid(M), std::is_same_v<M, WireBody>), body(std::move(b)) {}

  Result<void> encode_body(std::vector<std::uint8_t>& out) const override {
    if constexpr (std::is_same_v<M, WireBody>) {
      out.insert(out.end(), body.bytes.begin(), body.bytes.end());
      return {};
    } else if constexpr (has_codec_v<M>) {
      Codec<M>::encode(body, out);
      return {};
    } else {
      return no_codec_error(typeid(M));
    }
  }

  M body;
};

static_assert(sizeof(TypedEnvelope<int>) == 64, "a queued int message is one cache line");

// Tells a worker's turn that the worker was stopped. Pushed once, last.
struct StopEnvelope final : Envelope {
  StopEnvelope() : Envelope(nullptr) {}
  Result<void> encode_body(std::vector<std::uint8_t>&) const override { return no_codec_error(typeid(void)); }
};

using EnvelopePtr = std::unique_ptr<Envelope>;

// `to` takes over what `from` carries besides its body: both routes, the
// origin and `direct` (a body rewrapped in another envelope stays the same
// message).
inline void adopt_routes(Envelope& to, Envelope& from) {
  to.routes.take(from.routes);
  to.origin.take(from.origin);
  to.direct = from.direct;
}

// Decodes a WireBody envelope's bytes as an M into a new envelope that takes
// over its routes: decode_peer_body, which reads a built-in type as Ockam's
// Rust node does (codec/codec.h). On failure `wire` is left as it was and the
// error (MalformedMessage) names M. Precondition: wire.is_wire().
template <class M>
Result<EnvelopePtr> decode_wire(Envelope& wire) {
  static_assert(has_codec_v<M>);
  const auto& bytes = static_cast<const TypedEnvelope<WireBody>&>(wire).body.bytes;
  Result<M> body = decode_peer_body<M>(bytes);
  if (!body) {
    return Error(ErrorCode::MalformedMessage,
                 "a body from another node does not decode as " + demangle(typeid(M)) + ": " + body.error().message());
  }
  auto typed = std::make_unique<TypedEnvelope<M>>(std::move(body).value());
  adopt_routes(*typed, wire);
  return EnvelopePtr(std::move(typed));
}

// The decoder for a receiver of type M, or null when M has no codec (or is
// Any, which takes a WireBody as it is).
using WireDecoder = Result<EnvelopePtr> (*)(Envelope&);
template <class M>
constexpr WireDecoder wire_decoder() {
  if constexpr (has_codec_v<M>) {
    return &decode_wire<M>;
  } else {
    return nullptr;
  }
}

// Grants the runtime access to the envelope inside Routed<M> and Any.
struct EnvelopeAccess;

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_ENVELOPE_H_
