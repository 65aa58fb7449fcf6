// Ockam secure channels, byte-compatible with build-trust/ockam 007d435
// (ockam_channel + ockam_key_exchange_xx: Noise XX over X25519, AES-256-GCM,
// SHA-256; the protocol in /work/shared/interop/secure-channel-007d435 and
// docs/secure-channel.md), over any route: local hops, TCP, several nodes.
//
//   // responder
//   auto me = ockam::Identity::generate().value();
//   tcp.listen("127.0.0.1:4000", {.expose = {"secure_channel_listener"}});
//   ockam::create_secure_channel_listener(node, "secure_channel_listener", me, {.expose = {"echoer"}});
//   // initiator
//   auto channel = ockam::create_secure_channel(node, {"1#127.0.0.1:4000", "secure_channel_listener"}, me).value();
//   node.send(ockam::Route{channel, "echoer"}, std::string("Hello Ockam!"));   // encrypted end to end
//
// A channel is one worker at two addresses of the node, each a random
// "0#" name: the local one (what create_secure_channel returns; a message
// sent to [local, rest...] is encrypted and goes to the peer, which
// delivers it on `rest`) and the remote one, which the peer's messages
// reach. What the peer delivers comes with a return route through the
// channel, so replies are encrypted too, both ways.
//
// Trust: what arrives through a channel has the channel's Ingress as its
// origin (access_control.h: kind kChannel, the peer's static key), and
// reaches only what SecureChannelOptions::expose names, the workers that
// sent through the channel (their replies), and workers whose policy
// admits it (AccessPolicy::from_channel_peer(key)). `trusted_peers` (when
// not empty) is the set of static keys a channel may open with: any other
// peer's handshake fails, counted and logged, and the channel never opens.
//
// Beyond the crate (without changing a byte): a nonce that repeats or goes
// backwards is refused (the message dropped, counted); a channel refuses to
// send past its last nonce (65534), and logs a warning 1,000 messages
// before; an all-zero Diffie-Hellman result fails the handshake; keys are
// wiped when the channel ends; a message that does not decrypt is dropped
// and counted, and the channel stays open.
//
// Bounds against hostile peers: a listener keeps at most
// `max_channels` channels; when a new peer comes at the bound, the oldest
// channel whose handshake has not completed is stopped to make room (so
// half-open handshakes cannot lock peers out), or else the newcomer is
// refused. A decrypted message that meets a full mailbox is dropped and
// counted (the channel, a worker, cannot wait).
//
// Threads: create_secure_channel() blocks until the handshake completes (or
// `timeout`): call it from the app or a thread outside the pool, never from
// a worker (AccessDenied there).
#ifndef OCKAM_SECURE_CHANNEL_SECURE_CHANNEL_H_
#define OCKAM_SECURE_CHANNEL_SECURE_CHANNEL_H_

#include <chrono>
#include <cstdint>
#include <vector>

#include "runtime/access_control.h"
#include "runtime/address.h"
#include "runtime/context.h"
#include "runtime/node.h"
#include "runtime/result.h"
#include "runtime/route.h"
#include "secure_channel/identity.h"

namespace ockam {

struct SecureChannelOptions {
  // Static keys a peer may have; empty: any.
  std::vector<PeerIdentity> trusted_peers;
  // Local workers the peer may reach through the channel.
  std::vector<Address> expose;
  // create_secure_channel(): how long the handshake may take.
  std::chrono::milliseconds timeout{10000};
  // A listener: channels at once (see the top of this file).
  std::size_t max_channels = 1024;
};

// Counters for the whole process (all nodes), since it started.
struct SecureChannelStats {
  std::uint64_t opened = 0;            // handshakes completed
  std::uint64_t refused_peers = 0;     // handshakes failed: the peer's key is not trusted
  std::uint64_t failed_handshakes = 0; // a handshake message that did not verify, or came out of turn
  std::uint64_t encrypted = 0;         // messages sent through channels
  std::uint64_t decrypted = 0;         // messages received and delivered
  std::uint64_t rejected = 0;          // received and dropped: bad tag, replayed or old nonce, malformed
  std::uint64_t undeliverable = 0;     // decrypted but refused on this node (unknown address, denied, full mailbox)
  std::uint64_t evicted = 0;           // half-open channels a listener stopped to make room
  std::uint64_t refused_channels = 0;  // new channels a full listener refused
};
SecureChannelStats secure_channel_stats();

// Starts a listener at `address` (local): peers that reach it (over TCP,
// expose it on the listener) open channels to this node with `identity`.
// AddressInUse, InvalidAddress (not local), NodeStopped as start_worker.
Result<Address> create_secure_channel_listener(Context& ctx, Address address, const Identity& identity,
                                               SecureChannelOptions options = {});
inline Result<Address> create_secure_channel_listener(Node& node, Address address, const Identity& identity,
                                                      SecureChannelOptions options = {}) {
  return create_secure_channel_listener(node.context(), std::move(address), identity, std::move(options));
}

// Opens a channel to the listener at the end of `route` and returns its
// local address. Timeout if the handshake did not complete within
// options.timeout; AccessDenied if the responder's key is not trusted, or on
// a pool thread.
Result<Address> create_secure_channel(Context& ctx, Route route, const Identity& identity,
                                      SecureChannelOptions options = {});
inline Result<Address> create_secure_channel(Node& node, Route route, const Identity& identity,
                                             SecureChannelOptions options = {}) {
  return create_secure_channel(node.context(), std::move(route), identity, std::move(options));
}

}  // namespace ockam

#endif  // OCKAM_SECURE_CHANNEL_SECURE_CHANNEL_H_
