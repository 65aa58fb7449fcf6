// Node: hosts workers on a work-stealing pool. The node's own Context is the
// worker "app": the thread that owns the node sends from it and blocks in
// receive() for replies.
#ifndef OCKAM_RUNTIME_NODE_H_
#define OCKAM_RUNTIME_NODE_H_

#include <chrono>
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
}

class Node {
 public:
  explicit Node(NodeOptions options = {});
  ~Node();  // stops the node if it still runs
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Context& context();

  template <class W>
  Result<void> start_worker(Address address, W worker) {
    return context().start_worker(std::move(address), std::move(worker));
  }
  template <class W>
  Result<void> start_worker(std::vector<Address> addresses, W worker) {
    return context().start_worker(std::move(addresses), std::move(worker));
  }
  // Safe from any thread; the return route is "app".
  template <class M>
  Result<void> send(Route route, M body) {
    return context().send(std::move(route), std::move(body));
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
  // See Context::register_transport.
  Result<void> register_transport(Address::Type type, const Address& router) {
    return context().register_transport(type, router);
  }

  // Graceful: every worker finishes the message in hand, shutdown() runs for
  // each, messages still queued are counted as dropped, and the pool's
  // threads are joined before it returns. Later calls succeed and do
  // nothing; every other call then returns NodeStopped. AccessDenied from a
  // worker of this node (it would wait for itself).
  Result<void> stop();

  // Workers started and not yet stopped (the app is not one).
  std::size_t worker_count() const;
  NodeStats stats() const;

 private:
  std::unique_ptr<detail::NodeCore> core_;
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_NODE_H_
