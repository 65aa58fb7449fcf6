// Context: what a worker (or the app) uses to talk to its node. One per
// worker, handed to each of its calls; the node's own is the worker "app".
//
// Concurrency contract: a worker's Context belongs to its calls (initialize,
// handle_message, shutdown, a request's continuation), one at a time: not
// to other threads, pool threads included (a parallel loop inside a
// handler must not send through it). Its sends remember where the last one
// went (runtime/internal/target_cache.h), state only those calls touch.
// The app's context and detached ones take any thread, as documented on
// each call.
#ifndef OCKAM_RUNTIME_CONTEXT_H_
#define OCKAM_RUNTIME_CONTEXT_H_

#include <chrono>
#include <concepts>
#include <memory>
#include <new>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "runtime/address.h"
#include "runtime/any.h"
#include "runtime/internal/envelope.h"
#include "runtime/internal/request.h"
#include "runtime/node_options.h"
#include "runtime/processor.h"
#include "runtime/result.h"
#include "runtime/route.h"
#include "runtime/routed.h"
#include "runtime/timer.h"
#include "runtime/worker.h"
#include "runtime/worker_stopped.h"

namespace ockam {

class Node;

namespace detail {
class Cell;
struct ContextAccess;
class NodeCore;
template <class W>
class WorkerCell;
// InvalidAddress unless `route` can be sent: 1 to kMaxRouteLength valid
// addresses. Checked once, where a route enters the node; inline for the
// usual one-hop route.
Result<void> check_long_route(const Route& route);
// InvalidAddress for routes whose packed form (packed_routes.h) would pass
// PackedRoutes::kMaxBytes: a send's, a forward's, a timer's, a request's.
Error routes_too_long();
inline Result<void> check_route(const Route& route) {
  if (route.size() == 1 && route.next().valid()) [[likely]] return {};
  return check_long_route(route);
}
}  // namespace detail

class Context {
 public:
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  // Deleting a detached context (new_detached, the unique_ptr's delete)
  // frees its address: see there. A worker's or the app's belongs to the
  // node and is never deleted by the user.
  void operator delete(Context* context, std::destroying_delete_t);

  // The first of this worker's addresses ("app" for the node's context).
  const Address& address() const;

  // Sends `body` (moved, never copied) on `route`, with this worker's
  // address as the return route. Fails at once with AddressNotFound when no
  // worker holds the route's first address, InvalidAddress for an empty or
  // invalid route, NodeStopped once the node is stopping. Any thread may
  // call the app context's send(); a worker calls its own from its handlers.
  // A route whose next hop is on another node (a transport address) needs a
  // body type with a codec (codec/codec.h): WrongMessageType at once otherwise.
  template <class M>
  Result<void> send(Route route, M body) {
    if (Result<void> r = check_encodable<M>(route); !r) return r;
    return send_envelope(std::move(route), detail::EnvelopeAccess::wrap(std::move(body)), address());
  }
  // The same to the one-hop route `to` (a worker's send to a peer it
  // keeps), without building a Route. Only an Address takes this one: a
  // name in another spelling ("b", a std::string) is a Route, as above.
  template <class A, class M>
    requires std::same_as<std::remove_cvref_t<A>, Address>
  Result<void> send(A&& to, M body) {
    if (Result<void> r = check_encodable<M>(to); !r) return r;
    return send_envelope(to, detail::EnvelopeAccess::wrap(std::move(body)), address());
  }

  // As send(), but a full mailbox (QueueFull) is waited for, until it has
  // room or `timeout` passes (then QueueFull). Only outside the pool (the
  // app, an I/O thread, any other thread): from a worker's handler it is
  // send(), since a pool thread never blocks waiting for room. A transport
  // connection's own queue (TcpOptions) still refuses at once.
  template <class M>
  Result<void> send_waiting(Route route, M body, std::chrono::milliseconds timeout) {
    if (Result<void> r = check_encodable<M>(route); !r) return r;
    return send_envelope(std::move(route), detail::EnvelopeAccess::wrap(std::move(body)), address(), &timeout);
  }

  // Sends `body` on `route` once `delay` has passed (0 or less: at once,
  // from the timer thread), as send() from this context would then: its
  // return route is this context's address, access policies apply (this
  // context's outgoing policy is checked now, the recipient's incoming one
  // at delivery). Errors as for send() are returned now, for what can be
  // checked now (the route, the codec, the outgoing policy); NodeStopped
  // once the node's stop began. A timer that fires and whose send is
  // refused (AddressNotFound, QueueFull: no waiting for room, AccessDenied)
  // is logged and counted in NodeStats::timers_dropped, as is a timer still
  // pending at the node's stop. The node's one timer thread fires timers in
  // order of their deadlines, those with equal deadlines in the order set,
  // at most a wake-up's latency late (about a millisecond under load). The
  // returned Timer cancels it (timer.h). Cost while pending: about 90 bytes
  // besides the message itself (runtime/internal/timer_service.h). Any
  // thread may call the app's or a detached context's send_after; a worker
  // calls its own from its handlers.
  template <class M>
  Result<Timer> send_after(std::chrono::milliseconds delay, Route route, M body) {
    if (Result<void> r = check_encodable<M>(route); !r) return r.error();
    return set_timer(delay, std::move(route), detail::EnvelopeAccess::wrap(std::move(body)));
  }

  // Sends `body` on `route` and waits up to `timeout` for the reply, an R:
  // the app and detached contexts only (blocks). Each request has its own
  // reply address, a fresh address (the return route of what it sends), so
  // a reply that comes after its request ended is never taken for a later
  // one: it is dropped and counted (NodeStats::late_replies) while the
  // node keeps the address among the last 1,024 retired ones, and
  // AddressNotFound for its sender after. Errors: as for send() (nothing
  // was sent), Timeout (no reply in time), WrongMessageType (the reply was
  // not an R: consumed and counted as by receive()), NodeStopped (the
  // node's stop began), AccessDenied from a worker's context (or from a
  // worker's handler on any context), since a pool thread never blocks: a
  // worker uses the continuation form below.
  template <class R, class M>
  Result<Routed<R>> request(Route route, M body, std::chrono::milliseconds timeout) {
    static_assert(detail::check_message_type<R>());
    if (Result<void> r = check_encodable<M>(route); !r) return r.error();
    Result<detail::EnvelopePtr> reply =
        request_envelope(std::move(route), detail::EnvelopeAccess::wrap(std::move(body)), wanted<R>(), timeout);
    if (!reply) return reply.error();
    return detail::EnvelopeAccess::make_routed<R>(std::move(reply).value());
  }
  // The worker's form: returns at once; `continuation(ctx, result)` runs
  // later as a turn of this worker (never beside its other calls, and
  // after the messages queued before its completion), exactly once, with
  // the reply (an R), or Timeout once `timeout` passed without one, or
  // WrongMessageType for a reply that is not an R (counted as wrong_type).
  // A continuation that throws is logged and counted as a handler error.
  // Late replies as above (counted as they arrive). Returns an error as
  // send() does (then the continuation never runs), AccessDenied from the
  // app or a detached context (they use the blocking form), NodeStopped
  // once the node's stop began. At the node's stop a request still waiting
  // is dropped: its continuation never runs, and it is counted in
  // NodeStats::dropped and logged; the same when its worker stopped first.
  // A worker's requests cost it one pointer until its first one; each
  // pending request holds a reply address (a detached cell) and a timer.
  template <class R, class M, class F>
    requires std::is_invocable_v<F&, Context&, Result<Routed<R>>>
  Result<void> request(Route route, M body, std::chrono::milliseconds timeout, F continuation) {
    static_assert(detail::check_message_type<R>());
    if (Result<void> r = check_encodable<M>(route); !r) return r;
    return request_continued(std::move(route), detail::EnvelopeAccess::wrap(std::move(body)), timeout,
                             std::make_unique<detail::ContinuationOf<R, F>>(wanted<R>(), std::move(continuation)));
  }

  // As send(), with `from` (one of this worker's addresses, else
  // AccessDenied) as the return route.
  template <class M>
  Result<void> send_from_address(Route route, M body, const Address& from) {
    if (!owns(from)) return denied_from(from);
    if (Result<void> r = check_encodable<M>(route); !r) return r;
    return send_envelope(std::move(route), detail::EnvelopeAccess::wrap(std::move(body)), from);
  }

  // The hop step of Ockam routing: removes the first address (this hop) from
  // the onward route, puts this worker's address in front of the return
  // route, and sends the message on, body untouched.
  template <class M>
  Result<void> forward(Routed<M> message) {
    return forward_envelope(detail::EnvelopeAccess::release(std::move(message)));
  }

  // The app and detached contexts only (AccessDenied on a worker's context:
  // a worker gets its messages through handle_message). Blocks until a message arrives or the
  // timeout passes (Timeout; a huge timeout waits for ever, never "not at
  // all"). A message from another node arrives encoded; it is decoded with
  // M's codec. A message that is not an M, or does not decode as one, is
  // consumed: WrongMessageType names it, it is counted in
  // NodeStats::wrong_type and logged, and the next receive gets the next
  // message, so no message can block the app. (receive<Any>() takes
  // anything; receive<std::variant<A, B>>() an A, a B or the variant.) One
  // thread at a time receives on one context; concurrent calls are
  // serialized. NodeStopped once the node's stop has begun.
  template <class M>
  Result<Routed<M>> receive(std::chrono::milliseconds timeout) {
    static_assert(detail::check_message_type<M>());
    detail::Wanted want{&typeid(M), std::is_same_v<M, Any> ? nullptr : &detail::takes_local<M>,
                        detail::wire_decoder<M>()};
    Result<detail::EnvelopePtr> envelope = receive_envelope(want, timeout);
    if (!envelope) return envelope.error();
    return detail::EnvelopeAccess::make_routed<M>(std::move(envelope).value());
  }
  template <class M>
  Result<Routed<M>> receive() {
    return receive<M>(default_timeout());
  }

  // Starts `worker` at `address` (or at every address of a list: at most
  // 256). The call returns once the addresses are taken (AddressInUse,
  // InvalidAddress otherwise); initialize() then runs on the pool as the
  // worker's first turn, and messages sent meanwhile wait for it.
  // `options`: its mailbox's capacity (NodeOptions::mailbox_capacity by
  // default), its policies.
  // An address of the reserved form of fresh addresses (a local name
  // beginning with '~', below) is InvalidAddress: those are the node's.
  template <class W>
  Result<void> start_worker(Address address, W worker, WorkerOptions options = {}) {
    std::vector<Address> addresses;
    addresses.push_back(std::move(address));
    return start_worker(std::move(addresses), std::move(worker), std::move(options));
  }
  template <class W>
  Result<void> start_worker(std::vector<Address> addresses, W worker, WorkerOptions options = {}) {
    return start_cell(std::move(addresses), make_cell(std::move(worker)), std::move(options));
  }
  // Starts `worker` at a fresh address, picked by the node, and returns it:
  // for a worker that starts children (a tree, a pool, a request's reply
  // address) and has no name to give them. Otherwise as above.
  //
  // The reserved form: a fresh address is local, and its name is '~' and a
  // number in lowercase hex ("~0", "~3e8"). It cannot collide: the numbers
  // come from one process-wide counter and each is handed out once (a
  // thread takes a block of them at a time), and no other worker can hold
  // an address of that form, since start_worker at one is InvalidAddress.
  // So a start at a fresh address never meets AddressInUse, and it costs
  // what a start at a given address costs: it adds no lock, no lookup and
  // no retry (runtime/internal/fresh_address.h).
  template <class W>
    requires detail::WorkerType<W>
  Result<Address> start_worker(W worker, WorkerOptions options = {}) {
    return start_fresh(make_cell(std::move(worker)), std::move(options));
  }

  // A new detached context: its own `address` (local; InvalidAddress for a
  // non-local one, an empty one or one of the reserved form of fresh
  // addresses below; AddressInUse if a worker or another context holds it)
  // and its own mailbox (NodeOptions::mailbox_capacity), used from any
  // thread as the app's is: send(), send_waiting(), receive() (with the
  // app's rules: a body of the wrong type is consumed and counted), and
  // request(). It is no worker: worker_count() leaves it out, stop_worker()
  // on its address is AccessDenied. NodeStopped once the node's stop began.
  //
  // Destroying it frees its address at once (a send to it then is
  // AddressNotFound) and counts what was still queued as dropped
  // (NodeStats::dropped, logged). At the node's stop a blocked receive()
  // returns NodeStopped, as does every later one, and what is queued is
  // dropped and counted then; the context may outlive the node, and
  // destroying it after the node is gone is safe (it only frees its memory).
  // Any other call on it after the node is destroyed is undefined. Destroy
  // it while no other call on it runs.
  Result<std::unique_ptr<Context>> new_detached(Address address);

  // Stops the worker holding `address`: all its addresses are freed at once
  // (worker_count() drops before this returns), the message in hand
  // finishes, shutdown() runs on the pool, and messages still queued are
  // counted and logged as dropped. AddressNotFound for an unknown address,
  // AccessDenied for "app" and a detached context, NodeStopped once the node's stop has stopped
  // every worker.
  Result<void> stop_worker(const Address& address);

  // Starts `processor` (P derives from ockam::Processor, runtime/processor.h)
  // at `address`: initialize(), then process() again and again, then
  // shutdown(); on a thread of its own by default, or on the pool
  // (ProcessorOptions). Returns once the address is taken (AddressInUse,
  // InvalidAddress as for start_worker; NodeStopped once the node's stop
  // began). A processor counts in worker_count() and can be monitored.
  // stop_worker(address) stops it: one on the pool as a worker is stopped;
  // one on its own thread is asked to stop (its receive() returns
  // NodeStopped), finishes the process() call in hand, runs shutdown() and
  // frees its address then (not before stop_worker returns). The node's
  // stop() stops every processor first, after its transports and before its
  // drain, and waits for them within its deadline; one whose process()
  // never returns makes stop() return Timeout naming it, and the node's
  // destructor waits for it.
  template <class P>
  Result<void> start_processor(Address address, P processor, ProcessorOptions options = {}) {
    static_assert(std::is_base_of_v<Processor, P>, "a processor derives from ockam::Processor");
    static_assert(std::is_move_constructible_v<P>, "a processor is moved into the node");
    return start_processor_erased(std::move(address), std::make_unique<P>(std::move(processor)), options);
  }

  // Monitors the worker at `target`: when it stops, this worker gets one
  // ockam::WorkerStopped{target, reason, message} (worker_stopped.h) as a
  // message whose return route is `target`. Once per call and per stop:
  //   Stopped      stop_worker(): sent after its shutdown() ran, when its
  //                addresses are free (a restart there succeeds);
  //   Failed       its initialize() failed or threw, or its start lost an
  //                address; a processor's process() returned an error;
  //   Finished     a processor's process() returned false;
  //   NodeStopping the node's stop() began (sent then, before the drain: the
  //                target stops with the rest, and nothing can be restarted);
  //   NotFound     at once: no worker holds `target` (now, or any more).
  // A handler's error does not stop a worker, so it sends nothing. A monitor
  // whose monitoring worker stops first is dropped quietly. The notice is
  // delivered even to a full mailbox (one per monitor set) and past access
  // control. WrongMessageType at once unless this worker's message type is
  // ockam::Any or a std::variant holding WorkerStopped (the app's is Any);
  // NodeStopped once the node's stop began.
  Result<void> monitor(const Address& target);

  // Routes messages whose next hop has transport type `type` (1 is TCP) to
  // the local worker `router`, onward route untouched: the hook a transport
  // plugs into, as in Ockam. A worker registered at the exact transport
  // address (a connection, see transport/tcp.h) takes precedence. Once per
  // type (AddressInUse after); type 0 or a non-local router is InvalidAddress.
  Result<void> register_transport(Address::Type type, const Address& router);

  Node& node();

 private:
  friend class detail::Cell;
  friend struct detail::ContextAccess;  // runtime/transport.cc, the transport seam
  friend class detail::NodeCore;
  // Only as a cell's base (runtime/internal/cell.h).
  Context() = default;
  ~Context() = default;
  // The cell this context is the base of; defined in cell.h.
  detail::Cell& cell() const;
  // Its node: a detached cell's own; for a worker, the node whose turn this
  // pool thread runs (a worker's context is used only in its turns: see
  // the contract above). Defined in runtime/internal/node_core.h.
  detail::NodeCore& core() const;

  bool owns(const Address& address) const;
  Result<void> denied_from(const Address& from) const;
  std::chrono::milliseconds default_timeout() const;
  // `wait`: for room in a full mailbox, up to that long (send_waiting).
  Result<void> send_envelope(Route&& route, detail::EnvelopePtr envelope, const Address& from,
                             const std::chrono::milliseconds* wait = nullptr);
  Result<void> send_envelope(const Address& to, detail::EnvelopePtr envelope, const Address& from);
  // Both send_envelope()s' end, once the envelope holds its routes: the
  // outgoing policy, then the delivery to `next`.
  Result<void> send_packed(detail::EnvelopePtr envelope, const Address& next, const std::chrono::milliseconds* wait);
  Result<void> forward_envelope(detail::EnvelopePtr envelope);
  Result<Timer> set_timer(std::chrono::milliseconds delay, Route&& route, detail::EnvelopePtr envelope);
  Result<detail::EnvelopePtr> request_envelope(Route&& route, detail::EnvelopePtr envelope, const detail::Wanted& want,
                                               std::chrono::milliseconds timeout);
  Result<void> request_continued(Route&& route, detail::EnvelopePtr envelope, std::chrono::milliseconds timeout,
                                 std::unique_ptr<detail::Continuation> continuation);
  template <class M>
  static detail::Wanted wanted() {
    return detail::Wanted{&typeid(M), std::is_same_v<M, Any> ? nullptr : &detail::takes_local<M>,
                          detail::wire_decoder<M>()};
  }
  // AccessDenied if the worker's outgoing policy refuses `envelope`.
  // Precondition: the worker has an outgoing policy (Cell::has_outgoing_policy).
  Result<void> check_outgoing(const detail::Envelope& envelope) const;
  Result<detail::EnvelopePtr> receive_envelope(const detail::Wanted& want, std::chrono::milliseconds timeout);
  template <class M>
  static Result<void> check_encodable(const Address& next) {
    if constexpr (!detail::wire_encodable_v<M> && !std::is_same_v<M, Any>) {
      if (next.valid() && !next.is_local()) return detail::no_codec_error(typeid(M));
    }
    return {};
  }
  template <class M>
  static Result<void> check_encodable(const Route& route) {
    return route.empty() ? Result<void>{} : check_encodable<M>(route.next());
  }
  template <class W>
  static std::unique_ptr<detail::Cell> make_cell(W&& worker) {
    using M = typename W::Message;
    static_assert(std::is_base_of_v<Worker<M>, W>, "a worker derives from ockam::Worker<M>");
    static_assert(std::is_move_constructible_v<W>, "a worker is moved into the node");
    return std::make_unique<detail::WorkerCell<W>>(std::move(worker));
  }
  Result<void> start_cell(std::vector<Address> addresses, std::unique_ptr<detail::Cell> cell, WorkerOptions options);
  Result<Address> start_fresh(std::unique_ptr<detail::Cell> cell, WorkerOptions options);
  Result<void> start_processor_erased(Address address, std::unique_ptr<Processor> processor, ProcessorOptions options);

};

}  // namespace ockam

#include "runtime/internal/cell.h"  // completes WorkerCell<W> for start_worker()

#endif  // OCKAM_RUNTIME_CONTEXT_H_
