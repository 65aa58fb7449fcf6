// Access control: which messages may reach an address, and which a worker
// may send, as Ockam has it (incoming and outgoing access control), and
// where each message entered the node (Ockam's "local info").
//
// Every envelope knows its origin: null when it was sent on this node, or the
// Ingress it came through (a transport connection, a secure channel), which
// stays with it when a worker of this node forwards it. A policy is a
// predicate over a Delivery: the address the message is on its way to, its
// routes and its origin.
//
// Secure by default: a worker started without an incoming policy
// (AccessPolicy{}, the default) takes
//   * every message sent on this node, and every message a worker of this
//     node forwarded (that worker was reached, and chose to pass it on);
//   * a message straight from an ingress (a connection's or channel's own
//     delivery) only if that ingress exposes the address: it was told to
//     (TcpListenOptions::expose, say), or a worker at that address sent a
//     message out through it (its replies come back).
// So a peer reaches only what the user exposed and the workers that talk to
// it, and never another connection or a transport's internals unless a
// worker of the node relays for it. A denied incoming message is dropped,
// counted (NodeStats::denied) and logged, rate-limited; the sender gets
// AccessDenied (a peer gets nothing back). A denied outgoing message is
// AccessDenied to the worker that sent it: Ockam drops those silently, but
// an outgoing policy guards against the node's own code, whose author wants
// to know, and the error tells a peer nothing.
//
// Concurrency contract: an AccessPolicy is immutable and may be copied and
// evaluated on any thread at once (a Predicate must allow that). An Ingress
// is shared by its transport and by every envelope that came through it;
// add_reply_address() and exposes() may run on any threads at once.
#ifndef OCKAM_RUNTIME_ACCESS_CONTROL_H_
#define OCKAM_RUNTIME_ACCESS_CONTROL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runtime/address.h"
#include "runtime/route.h"

namespace ockam {

// A secure channel peer's identity: its static X25519 public key.
using PeerIdentity = std::array<std::uint8_t, 32>;

// Where messages enter the node: one per transport connection or channel.
class Ingress {
 public:
  enum class Kind : std::uint8_t { kTransport, kChannel };
  // At most this many reply addresses are kept; past it the oldest goes
  // (its worker's later replies are then denied, unless exposed).
  static constexpr std::size_t kMaxReplyAddresses = 4096;

  // `entry`: the connection's (or channel's) address on this node.
  // `listener`: for a connection a peer opened, the listener it came to
  // (empty otherwise). `exposed`: the local addresses its peer may reach.
  Ingress(Kind kind, Address entry, Address listener, std::vector<Address> exposed,
          std::optional<PeerIdentity> peer = std::nullopt)
      : kind_(kind),
        entry_(std::move(entry)),
        listener_(std::move(listener)),
        exposed_(std::move(exposed)),
        peer_(peer) {}
  Ingress(const Ingress&) = delete;
  Ingress& operator=(const Ingress&) = delete;

  Kind kind() const { return kind_; }
  const Address& entry() const { return entry_; }
  const Address& listener() const { return listener_; }
  const std::optional<PeerIdentity>& peer() const { return peer_; }
  const std::vector<Address>& exposed() const { return exposed_; }

  // True if its peer may reach `address` straight from here: exposed, or a
  // reply address.
  bool exposes(const Address& address) const;
  // A worker at `address` sent a message out through this ingress: its
  // peer may answer it. The transport calls this with the return route's
  // first address of each message it sends; a repeat costs a comparison.
  void add_reply_address(const Address& address);

 private:
  const Kind kind_;
  const Address entry_;
  const Address listener_;
  const std::vector<Address> exposed_;
  const std::optional<PeerIdentity> peer_;
  mutable std::mutex mu_;
  std::unordered_set<Address> replies_;  // guarded by mu_
  std::deque<Address> reply_order_;      // guarded by mu_: oldest first, for the cap
  Address last_reply_;                   // guarded by mu_: the repeat check
};

// What a policy sees: one message on its way to `to`.
struct Delivery {
  const Address& to;       // the address being delivered to (incoming), or the next hop (outgoing)
  const Route& onward;     // starts with `to`
  const Route& ret;        // its first address is where the message says it came from
  const Ingress* origin;   // null: sent on this node
  bool direct;             // straight from `origin`: no worker of this node has forwarded it since
};

class AccessPolicy {
 public:
  using Predicate = std::function<bool(const Delivery&)>;

  // The default: see the top of this file (secure by default for incoming;
  // for outgoing the same as allow_all()).
  AccessPolicy() = default;

  static AccessPolicy allow_all();
  static AccessPolicy deny_all();
  // Sent on this node, not received from a transport or a channel (a
  // forward by a local worker keeps a message's origin).
  static AccessPolicy local_only();
  // The default rule spelled out, to combine with others.
  static AccessPolicy exposed();
  // Came through the connection (or channel) at `entry`, or through any
  // connection accepted by the listener at `listener`.
  static AccessPolicy from_connection(Address entry);
  static AccessPolicy from_listener(Address listener);
  // Came through a secure channel; from a given peer.
  static AccessPolicy from_channel();
  static AccessPolicy from_channel_peer(PeerIdentity peer);
  // Its return route starts with one of `sources` (Ockam's AllowSourceAddress).
  static AccessPolicy source_in(std::vector<Address> sources);
  // Its onward route's next hop is one of `onward` (AllowOnwardAddress).
  static AccessPolicy onward_in(std::vector<Address> onward);
  static AccessPolicy all_of(std::vector<AccessPolicy> policies);
  static AccessPolicy any_of(std::vector<AccessPolicy> policies);
  static AccessPolicy custom(Predicate predicate);

  bool admits(const Delivery& delivery) const;
  // The default rule (no policy given): evaluated without a call.
  bool is_default() const { return predicate_ == nullptr; }

 private:
  explicit AccessPolicy(std::shared_ptr<const Predicate> p) : predicate_(std::move(p)) {}
  std::shared_ptr<const Predicate> predicate_;  // null: the default rule
};

namespace detail {
// The default incoming rule: local, forwarded, or exposed by its ingress.
inline bool exposed_or_local(const Address& to, const Ingress* origin, bool direct) {
  return origin == nullptr || !direct || origin->exposes(to);
}
inline bool exposed_or_local(const Delivery& d) { return exposed_or_local(d.to, d.origin, d.direct); }
}  // namespace detail

}  // namespace ockam

#endif  // OCKAM_RUNTIME_ACCESS_CONTROL_H_
