// INTERNAL. The node's machinery behind Node and Context: registry,
// scheduler, worker turns, the app's mailbox, and the stop protocol.
#ifndef OCKAM_RUNTIME_INTERNAL_NODE_CORE_H_
#define OCKAM_RUNTIME_INTERNAL_NODE_CORE_H_

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <typeinfo>
#include <vector>

#include "runtime/context.h"
#include "runtime/internal/cell.h"
#include "runtime/internal/envelope.h"
#include "runtime/internal/registry.h"
#include "runtime/internal/scheduler.h"
#include "runtime/node_options.h"
#include "runtime/result.h"

namespace ockam {
class Node;
}

namespace ockam::detail {

// The app's cell: a mailbox that a blocked receive() drains, never run by
// the pool.
class AppCell final : public Cell {
 public:
  AppCell() : Cell(mailbox::MpscMailbox::Start::kMarkedEmpty) {}
  bool accepts(const std::type_info&) const override { return true; }
  const std::type_info& message_type() const override { return typeid(Any); }
  WireDecoder wire_decoder() const override { return nullptr; }
  Result<void> call_initialize() override { return {}; }
  Result<void> call_handle(EnvelopePtr) override { return {}; }
  Result<void> call_shutdown() override { return {}; }
};

class NodeCore {
 public:
  NodeCore(Node& node, NodeOptions options);
  ~NodeCore();

  Node& node() { return node_; }
  Context& app_context() { return app_.ctx; }
  const NodeOptions& options() const { return options_; }

  // Any thread. Lock-free on the way to a known address (a registry lookup
  // in a read section, a push, maybe a wake-up): transports' I/O threads
  // inject received messages through it.
  Result<void> deliver(EnvelopePtr envelope);
  // Non-local addresses (`allow_remote`) are for transport connections,
  // which take the remote address itself ("1#host:port").
  Result<void> start(std::vector<Address> addresses, std::unique_ptr<Cell> cell, bool allow_remote = false);
  Result<void> stop_worker(const Address& address);
  Result<void> register_transport(Address::Type type, const Address& router);
  Result<EnvelopePtr> receive(const Context& ctx, const std::type_info* want, WireDecoder decode,
                              std::chrono::milliseconds timeout);
  // `hook` runs once, at the start of stop() (before any worker stops, on
  // the thread that calls stop()): a transport closes its sockets and joins
  // its threads there. NodeStopped once the node is stopping.
  Result<void> add_stop_hook(std::function<void()> hook);
  Result<void> stop();
  std::size_t worker_count() const;
  NodeStats stats() const;

 private:
  static void turn_entry(void* self, mailbox::MailboxNode* cell) {
    static_cast<NodeCore*>(self)->turn(static_cast<Cell*>(cell));
  }
  void turn(Cell* cell);
  void dispatch(Cell* cell, EnvelopePtr envelope);
  void finish(Cell* cell, bool stop_envelope_popped);
  // Retirement, for a cell whose `retired` flag the caller claimed: unlink
  // its addresses, wait a grace period (synchronize()), then seal it with
  // its StopEnvelope. retire() does all three.
  void retire(Cell* cell);
  void unlink(Cell* cell);
  void seal(Cell* cell);
  void abandon(Cell* cell);                      // a cell that never ran
  void wake(Cell* cell);
  void wake_app();
  void count_dropped(Cell* cell, std::uint64_t n);

  Node& node_;
  const NodeOptions options_;
  Registry registry_;
  AppCell app_;

  // Held shared by start(), exclusive by stop() while it raises stopping_:
  // no worker is half-started when stop() scans the registry.
  std::shared_mutex lifecycle_mu_;
  // seq_cst: read once per send; set once. Sends that read false may still
  // land; stop() fences them by unlinking every worker and a grace period.
  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  bool stopped_ = false;                         // guarded by stop_mu_
  std::vector<std::function<void()>> stop_hooks_;  // guarded by stop_mu_

  // The app's wake-up: a push that finds the app mailbox marked empty sets
  // app_signalled_ under app_mu_ and notifies.
  std::mutex app_mu_;
  std::condition_variable app_cv_;
  bool app_signalled_ = false;  // guarded by app_mu_
  // One receiver at a time; app_front_ keeps a message receive<T>() refused.
  std::mutex receive_mu_;
  EnvelopePtr app_front_;  // guarded by receive_mu_

  // relaxed: counters; readers get exact values once the counted work is
  // ordered before the read (e.g. by a reply or by stop()).
  std::atomic<std::size_t> worker_count_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> wrong_type_{0};
  std::atomic<std::uint64_t> handler_errors_{0};
  std::atomic<std::uint64_t> worker_failures_{0};

  // Transport routers (as in Ockam): a message whose next hop has transport
  // type t != 0 goes to the local worker at *routers_[t], onward route
  // untouched. Each entry is set once (seq_cst store, read by every send to
  // a non-local address) and points into router_storage_, which lives as
  // long as the node.
  std::array<std::atomic<const Address*>, 256> routers_{};
  std::mutex routers_mu_;
  std::vector<std::unique_ptr<Address>> router_storage_;  // guarded by routers_mu_

  Scheduler scheduler_;  // last member: its threads stop before the rest goes
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_NODE_CORE_H_
