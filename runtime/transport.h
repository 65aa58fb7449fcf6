// The seam between a node and its transports (TCP; later a Unix socket, a
// secure channel): what a transport needs beyond the public API, with none
// of the node's internals. A transport
//   - registers a router for its address type (Context::register_transport):
//     the worker that gets messages for peers without a connection;
//   - starts one connection worker per peer, at a transport address (TCP:
//     the address connect() was given, or one it draws for a peer that
//     connected, which the peer cannot choose), with a
//     SendGate that bounds what is queued to it (start_connection);
//   - in that worker's handler, turns each message into routes and bytes to
//     write (encode_for_peer), batching when more_queued() says more wait;
//   - hands the node what a peer sent (deliver_from_peer), charging a
//     PeerCredit per connection so that it stops reading from a peer whose
//     messages the node has not handled yet (peer_credit.h), and holding
//     and retrying a message that met a full mailbox;
//   - closes its sockets and joins its threads in a stop hook, which runs
//     before any worker stops (add_stop_hook);
//   - adds its counters to the node's metrics page (add_metric_source,
//     runtime/metrics.h), keeping the MetricSource as long as they live.
//
// Concurrency contract:
//   start_connection, deliver_from_peer, add_stop_hook: any thread, with any
//     context of the node. A transport keeps node.context() (the app's),
//     which lives as long as the node; a worker's context dies with it.
//     deliver_from_peer takes no lock on the way to a known address (but
//     one short one, the ingress's, when that address is a reply address
//     rather than an exposed one), so an I/O thread may call it for every
//     message.
//   encode_for_peer, more_queued: the connection worker's own handler only,
//     with its own message and context.
//   SendGate::admit: runtime/send_gate.h.
#ifndef OCKAM_RUNTIME_TRANSPORT_H_
#define OCKAM_RUNTIME_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/access_control.h"
#include "runtime/address.h"
#include "runtime/any.h"
#include "runtime/context.h"
#include "runtime/peer_credit.h"
#include "runtime/result.h"
#include "runtime/route.h"
#include "runtime/routed.h"
#include "runtime/send_gate.h"
#include "runtime/worker.h"

namespace ockam {

namespace detail {
Result<void> start_connection_cell(Context& ctx, Address remote, std::unique_ptr<Cell> cell, SendGate* gate);
}  // namespace detail

// Starts `worker` as the connection to a peer, at the transport address
// `remote` (e.g. "1#127.0.0.1:4000"): messages whose next hop is
// `remote` go to it rather than to the type's router. Each send to it first
// passes gate->admit() (no gate: nullptr), so the gate must live as long as
// the worker. Fails as Context::start_worker does, and with InvalidAddress
// for a local address.
template <class W>
Result<void> start_connection(Context& ctx, Address remote, W worker, SendGate* gate) {
  static_assert(std::is_base_of_v<Worker<Any>, W>, "a connection is a Worker<Any>: it carries bodies of any type");
  static_assert(std::is_move_constructible_v<W>, "a worker is moved into the node");
  return detail::start_connection_cell(ctx, std::move(remote),
                                       std::make_unique<detail::WorkerCell<W>>(std::move(worker)), gate);
}

// Hands the node a message from a peer, with the routes it should carry on
// this node (a connection puts its own address in front of `ret` first, so
// replies route back over it) and `payload`, the body's wire form. The body
// stays encoded until its worker decodes it with Codec<M> (one that does not
// decode is counted in NodeStats::wrong_type and logged there); a
// Worker<Any> hop passes the bytes on as they came. Its origin is an
// ingress that exposes nothing (access_control.h): only a worker whose
// incoming policy admits it (allow_all(), say) takes it; a transport names
// its own ingress with the overload below. Fails as send() does:
// InvalidAddress for an onward route send() would refuse (empty, over
// kMaxRouteLength hops, an invalid address), checked here once so that
// forward() need not at every hop.
Result<void> deliver_from_peer(Context& ctx, Route onward, Route ret, std::vector<std::uint8_t> payload);

// A message from a peer, as a transport decoded it.
struct PeerMessage {
  Route onward;
  Route ret;
  std::vector<std::uint8_t> payload;
};

// As above, from `ingress` (where it entered: one per connection or channel,
// which says what its peer may reach; see access_control.h), and the
// message holds a charge on `credit` (may be null) until
// its body leaves the node's memory (peer_credit.h). A full mailbox on the
// way (the receiving worker's, or a connection's queue on a relay) is
// QueueFull and leaves `message` as it was, its charge given back, so the
// transport can stop reading and retry it later rather than drop it. On
// every other outcome `message` is consumed.
// A null `ingress` is one that exposes nothing (never "local").
// An address `ingress` does not expose is AccessDenied (counted in
// NodeStats::denied). A transport calls ingress->add_reply_address() with
// the first address of the return route of each message it sends, so that
// replies reach their sender.
Result<void> deliver_from_peer(Context& ctx, PeerMessage& message, const std::shared_ptr<PeerCredit>& credit,
                               const std::shared_ptr<const Ingress>& ingress);

// The routes of a message on its way to a peer, moved out of it.
struct PeerRoutes {
  Route onward;  // still starting with the connection's own address
  Route ret;
};

// Appends the wire form of the message's body to `payload` (a body that came
// from a peer goes on as it came) and returns the message's routes. A body
// type without a codec is WrongMessageType, `payload` untouched: send()
// refuses one at once, but a Worker<Any> hop may forward it.
Result<PeerRoutes> encode_for_peer(Routed<Any> message, std::vector<std::uint8_t>& payload);

// The bytes of a body that came from another node and is still encoded (a
// Worker<Any> hop passes such bodies on as they came), or nullopt for a
// body sent on this node. Valid while `message` is. For relays that inspect
// or log what they carry; the message itself is untouched.
std::optional<std::span<const std::uint8_t>> peer_bytes(const Routed<Any>& message);

// Whether more messages wait in the worker's mailbox behind the one in hand
// (a connection then leaves its write to the next batch).
bool more_queued(Context& ctx);

// Whether the calling thread is one of the node's pool threads, where
// nothing may block (a transport's blocking call refuses to run there).
bool on_pool_thread(Context& ctx);

// `hook` runs once, at the start of node.stop() and on its thread, before
// any worker stops. NodeStopped once the node is stopping.
Result<void> add_stop_hook(Context& ctx, std::function<void()> hook);

}  // namespace ockam

#endif  // OCKAM_RUNTIME_TRANSPORT_H_
