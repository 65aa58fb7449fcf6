// Node: hosts workers on a work-stealing pool. The node's own Context is the
// worker "app": the thread that owns the node sends from it and blocks in
// receive() for replies.
#ifndef OCKAM_RUNTIME_NODE_H_
#define OCKAM_RUNTIME_NODE_H_

#include <chrono>
#include <concepts>
#include <cstddef>
#include <memory>
#include <vector>

#include "runtime/address.h"
#include "runtime/context.h"
#include "runtime/node_options.h"
#include "runtime/result.h"
#include "runtime/route.h"
#include "runtime/routed.h"

namespace ockam {

namespace detail {
class NodeCore;
struct NodeAccess;
}  // namespace detail

class Node {
 public:
  // Throws std::invalid_argument, naming the option, for options that cannot
  // work (max_batch or mailbox_capacity 0, a negative timeout).
  explicit Node(NodeOptions options = {});
  ~Node();  // stops the node if it still runs
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Context& context();

  template <class W>
  Result<void> start_worker(Address address, W worker, WorkerOptions options = {}) {
    return context().start_worker(std::move(address), std::move(worker), std::move(options));
  }
  template <class W>
  Result<void> start_worker(std::vector<Address> addresses, W worker, WorkerOptions options = {}) {
    return context().start_worker(std::move(addresses), std::move(worker), std::move(options));
  }
  // At a fresh address, which it returns: see Context::start_worker(W, WorkerOptions).
  template <class W>
    requires detail::WorkerType<W>
  Result<Address> start_worker(W worker, WorkerOptions options = {}) {
    return context().start_worker(std::move(worker), std::move(options));
  }
  // See Context::start_processor.
  template <class P>
  Result<void> start_processor(Address address, P processor, ProcessorOptions options = {}) {
    return context().start_processor(std::move(address), std::move(processor), options);
  }
  // Safe from any thread; the return route is "app".
  template <class M>
  Result<void> send(Route route, M body) {
    return context().send(std::move(route), std::move(body));
  }
  // As Context's: one hop to an Address, no Route built.
  template <class A, class M>
    requires std::same_as<std::remove_cvref_t<A>, Address>
  Result<void> send(A&& to, M body) {
    return context().send(to, std::move(body));
  }
  // See Context::send_waiting.
  template <class M>
  Result<void> send_waiting(Route route, M body, std::chrono::milliseconds timeout) {
    return context().send_waiting(std::move(route), std::move(body), timeout);
  }
  template <class M>
  Result<Routed<M>> receive() {
    return context().receive<M>();
  }
  template <class M>
  Result<Routed<M>> receive(std::chrono::milliseconds timeout) {
    return context().receive<M>(timeout);
  }
  Result<void> stop_worker(const Address& address);
  // See Context::new_detached.
  Result<std::unique_ptr<Context>> new_detached(Address address) {
    return context().new_detached(std::move(address));
  }
  // See Context::register_transport.
  Result<void> register_transport(Address::Type type, const Address& router) {
    return context().register_transport(type, router);
  }

  // Stops the node within a deadline, as Ockam's does: stop(options.stop_timeout).
  Result<void> stop();
  // From the call on, every send from outside the pool (the app, transports,
  // other threads) and every start_worker returns NodeStopped; transports
  // close first. Workers keep handling what is queued, and their sends to
  // each other are still delivered, until no mailbox holds anything or
  // `timeout` passes (0: at once). Then every worker is stopped: the message
  // in hand finishes, shutdown() runs, what is still queued is counted as
  // dropped and logged, and the pool's threads are joined; the shutdown()
  // calls get `timeout` again (at least 100 ms). Later calls succeed and do
  // nothing. Timeout if a handler is still running then: the message names
  // (some of) the workers in one, the node refuses every call from then on,
  // a later stop() waits again, and the destructor waits for the handlers.
  // AccessDenied from a worker of this node (it would wait for itself).
  Result<void> stop(std::chrono::milliseconds timeout);

  // Workers (and processors) started and not yet stopped (the app is not one).
  std::size_t worker_count() const;
  NodeStats stats() const;

 private:
  friend struct detail::NodeAccess;  // runtime/metrics.cc: the counters and mailboxes behind the metrics
  std::unique_ptr<detail::NodeCore> core_;
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_NODE_H_
