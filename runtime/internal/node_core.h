// INTERNAL. The node's machinery behind Node and Context: registry,
// scheduler, worker turns, the app's mailbox, and the stop protocol.
#ifndef OCKAM_RUNTIME_INTERNAL_NODE_CORE_H_
#define OCKAM_RUNTIME_INTERNAL_NODE_CORE_H_

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include "runtime/context.h"
#include "runtime/internal/cell.h"
#include "runtime/internal/detached_cell.h"
#include "runtime/internal/envelope.h"
#include "runtime/internal/lifecycle.h"
#include "runtime/internal/processor_threads.h"
#include "runtime/internal/metric_sources.h"
#include "runtime/internal/registry.h"
#include "runtime/internal/request.h"
#include "runtime/internal/scheduler.h"
#include "runtime/internal/timer_service.h"
#include "runtime/node_options.h"
#include "runtime/result.h"

namespace ockam {
class Node;
}

namespace ockam::detail {

struct PendingRequest;

// Concurrency contract: deliver(), receive() (a detached context, the app
// included), start(), stop_worker(), new_detached(), register_transport()
// and add_stop_hook() from any thread; stop() from any thread but a pool
// thread of this node. The lifecycle of workers is Lifecycle's
// (lifecycle.h); NodeCore keeps delivery, detached contexts' mailboxes
// (detached_cell.h), transport routers, stop hooks and the order of the stop.
class NodeCore {
 public:
  NodeCore(Node& node, NodeOptions options);
  ~NodeCore();

  Node& node() { return node_; }
  Context& app_context() { return app_; }
  const NodeOptions& options() const { return options_; }

  // Any thread. Lock-free on the way to a known address (a registry lookup
  // in a read section, a push, maybe a wake-up): transports' I/O threads
  // inject received messages through it. Once the node stops, NodeStopped
  // for every sender but this node's workers (the stop's drain).
  // `to`: the envelope's next hop (its onward route's first address), from
  // a Route the caller holds, so the packed routes need not be unpacked;
  // without it, it is unpacked.
  Result<void> deliver(EnvelopePtr envelope, const Address& to);
  Result<void> deliver(EnvelopePtr envelope);
  // As deliver(envelope, to), from a worker's turn on this node's pool,
  // through the worker's TargetCache (target_cache.h).
  Result<void> deliver(EnvelopePtr envelope, const Address& to, TargetCache& cache);
  // As deliver(), but from outside the pool a full mailbox is waited for
  // until `timeout` (Context::send_waiting).
  Result<void> deliver_waiting(EnvelopePtr envelope, const Address& to, std::chrono::milliseconds timeout);
  // As deliver(), but on refusal the envelope stays in `envelope`;
  // `mailbox_full` tells a full mailbox (worth waiting for) from the other
  // refusals. A connection retries what a full mailbox refused.
  Result<void> try_deliver(EnvelopePtr& envelope, const Address& to, bool* mailbox_full = nullptr,
                           TargetCache* cache = nullptr);
  // Non-local addresses (`allow_remote`) are for transport connections,
  // which take the remote address itself ("1#host:port").
  // An address of the reserved form (fresh_address.h) is InvalidAddress.
  Result<void> start(std::vector<Address> addresses, std::unique_ptr<Cell> cell, bool allow_remote = false);
  // Starts `cell` at a fresh address (fresh_address.h) and returns it.
  Result<Address> start_fresh(std::unique_ptr<Cell> cell);
  Result<void> stop_worker(const Address& address);
  // Context::start_processor (runtime/processor.h).
  Result<void> start_processor(Address address, std::unique_ptr<Processor> processor, ProcessorOptions options);
  // Context::monitor: `watcher` is the caller's cell.
  Result<void> monitor(Cell& watcher, const Address& target);
  Result<void> register_transport(Address::Type type, const Address& router);
  // Context::send_after once the envelope has its routes, checked: delivers
  // it at now + delay from the timer thread.
  Result<Timer> set_timer(std::chrono::milliseconds delay, EnvelopePtr envelope);
  // The timer thread: a fired send_after's delivery.
  void fire(EnvelopePtr envelope);
  // Context::request's two forms, `onward` checked (request.h): the
  // envelope's routes are set here, once its reply address is known.
  Result<EnvelopePtr> request(Context& ctx, const Route& onward, EnvelopePtr envelope, const Wanted& want,
                              std::chrono::milliseconds timeout);
  Result<void> request_continued(Context& ctx, const Route& onward, EnvelopePtr envelope,
                                 std::chrono::milliseconds timeout, std::unique_ptr<Continuation> continuation);
  // A detached context's (or the app's) blocking receive: see Context::receive.
  Result<EnvelopePtr> receive(const Context& ctx, const Wanted& want, std::chrono::milliseconds timeout);
  // See Context::new_detached: a local address, not of the reserved form.
  Result<std::unique_ptr<Context>> new_detached(Address address);
  // The same at a fresh address (fresh_address.h): a request's reply address.
  Result<std::unique_ptr<Context>> new_detached_fresh();
  // A detached context's destructor: closes its cell if the node still
  // exists (see DetachedLink), then frees it.
  static void release_detached(DetachedCell* cell);
  // `hook` runs once, at the start of stop() (before any worker stops, on
  // the thread that calls stop(), under no lock a turn takes): a transport
  // closes its sockets and joins its threads there. NodeStopped once the
  // node is stopping.
  Result<void> add_stop_hook(std::function<void()> hook);
  // See Node::stop(std::chrono::milliseconds).
  Result<void> stop(std::chrono::milliseconds timeout);
  std::size_t worker_count() const;
  // On one of this node's pool threads (where nothing may block).
  bool on_pool_thread() const { return scheduler_.on_pool_thread(); }
  NodeStats stats() const { return stats(0, nullptr); }
  // A worker's metrics (runtime/metrics.h), by its first address.
  struct WorkerSample {
    Address address;
    std::uint64_t queued = 0;
    std::uint64_t handled = 0;
  };
  // stats(), and in `top` the `max_workers` workers (the app among them)
  // with the most messages queued, then handled, most first: one visit of
  // the mailboxes (Registry::for_each_cell). Any thread.
  NodeStats stats(std::size_t max_workers, std::vector<WorkerSample>* top) const;
  // The metric sources (metric_sources.h); shared, since a MetricSource may
  // outlive the node.
  const std::shared_ptr<MetricSources>& metric_sources() const { return metric_sources_; }

 private:
  friend struct PendingRequest;
  static void turn_entry(void* self, Cell* cell) { static_cast<NodeCore*>(self)->lifecycle_.turn(cell); }
  static void wake_entry(void* self, Cell* cell) { static_cast<NodeCore*>(self)->wake(cell); }
  static void completion_entry(void* self, Cell* cell, EnvelopePtr completion) {
    static_cast<NodeCore*>(self)->run_completion(cell, std::move(completion));
  }
  // On the worker's turn: retires the reply address, runs the continuation.
  void run_completion(Cell* cell, EnvelopePtr completion);
  // The winner of `pending`'s settle(): takes its continuation and reply
  // address and pushes the completion to its worker, or (the worker gone)
  // drops it. `can_wait`: not inside a ReadSection (a grace period is fine).
  void complete(PendingRequest& pending, EnvelopePtr message, std::optional<Error> error, bool can_wait);
  // The stop's drop of a request still waiting (its timer was dropped).
  void drop_request(PendingRequest& pending);
  // A request's reply address, its request over, into the ring of retired
  // reply addresses (request.h); the oldest is closed when the ring is
  // full, if `can_wait` (else at the next retirement that can).
  void retire_reply(std::unique_ptr<Context> reply, bool can_wait);
  void count_late(const DetachedCell& cell, std::uint64_t n);
  // `front` if it is what `want` takes (decoded if it came from another
  // node); else WrongMessageType, counted and logged as `who` dropping it.
  Result<EnvelopePtr> as_wanted(const Wanted& want, EnvelopePtr front, const std::string& who);
  // The worker's RequestTable, made by its first request; null once sealed.
  static RequestTable* request_table(Cell& cell);
  // start() and start_fresh() once `cell` has its addresses, checked.
  Result<void> launch(std::unique_ptr<Cell> cell);
  // The cell's incoming access control (access_control.h) for a message to
  // its address `to`.
  static bool admitted(const Cell& cell, const Address& to, const Envelope& envelope);
  // Before a push: a pool thread of this node counts in its own slot, any
  // other thread in the node's shared counter.
  void count_sent() {
    if (ThreadCounts* counts = scheduler_.counts_here()) {
      ThreadCounts::bump(counts->sent);
      scheduler_.sent_here();
    } else {
      NodeCounters::add(lifecycle_.counters().sent);
    }
  }
  void wake(Cell* cell);
  // new_detached() once the address is checked; `sink`: see DetachedCell.
  Result<std::unique_ptr<Context>> open_detached(Address address, std::shared_ptr<ReplySink> sink = nullptr);
  // Under detached_link_->mu, the node alive: out of the registry, one grace
  // period, what is queued counted as dropped and logged.
  void close_detached(DetachedCell& cell);
  // Takes and deletes every message queued in `cell`; returns how many.
  std::uint64_t drain(DetachedCell& cell);
  // receive<T>() found a message that is not a T (or does not decode as
  // one): it is consumed, counted as wrong_type and logged, so no message
  // can block every later receive.
  Error refuse_at(const DetachedCell& cell, Error error);
  // receive() on a processor's context once it is asked to stop.
  static Error asked_to_stop(const DetachedCell& cell);
  Error refuse(const std::string& who, Error error);
  std::string who(const DetachedCell& cell) const;
  // After the last turn: what is left in every detached context's mailbox
  // (the app's too) is dropped, counted and logged.
  void drop_detached_mailboxes();
  // receive() hands a detached context (the app too) `envelope`: counted
  // as handled.
  EnvelopePtr handled_at(DetachedCell& cell, EnvelopePtr envelope);
  // stop()'s Timeout, naming the stuck workers it knows (running_at_claim_).
  Error timed_out(std::chrono::steady_clock::time_point started, const std::vector<const Cell*>& stuck);

  Node& node_;
  const NodeOptions options_;
  Registry registry_;
  // Shared with every detached context (detached_cell.h); app_ is one.
  const std::shared_ptr<DetachedLink> detached_link_;
  DetachedCell app_;

  // seq_cst: read once per send; set once, by stop(), before its grace
  // period: a send that read false is still in its read section (deliver),
  // so synchronize() in stop() waits for its push.
  std::atomic<bool> stopping_{false};
  // Held by stop() for its whole run (one stopper at a time). Only stop()
  // takes it, and never from a pool thread, so no turn ever waits for it.
  std::mutex stop_mu_;
  bool stop_begun_ = false;  // guarded by stop_mu_
  bool stopped_ = false;     // guarded by stop_mu_: every thread joined
  std::unordered_map<const Cell*, std::string> running_at_claim_;  // guarded by stop_mu_
  // Taken briefly by add_stop_hook() and by stop() to take the hooks.
  std::mutex hooks_mu_;
  bool hooks_closed_ = false;                      // guarded by hooks_mu_
  std::vector<std::function<void()>> stop_hooks_;  // guarded by hooks_mu_

  // Transport routers (as in Ockam): a message whose next hop has transport
  // type t != 0 goes to the local worker at *routers_[t], onward route
  // untouched. Each entry is set once (seq_cst store, read by every send to
  // a non-local address) and points into router_storage_, which lives as
  // long as the node.
  std::array<std::atomic<const Address*>, 256> routers_{};
  std::mutex routers_mu_;
  std::vector<std::unique_ptr<Address>> router_storage_;  // guarded by routers_mu_

  const std::shared_ptr<MetricSources> metric_sources_ = std::make_shared<MetricSources>();
  // Its thread delivers through the rest; stop() joins it first.
  TimerService timers_;

  // Retired reply addresses (request.h), oldest first: at most
  // kRetiredReplies once a retirement that can wait has run.
  static constexpr std::size_t kRetiredReplies = 1024;
  std::mutex retired_mu_;
  std::deque<std::unique_ptr<Context>> retired_;  // guarded by retired_mu_

  // Declared after what turns use (registry_, app_), and the scheduler last:
  // its threads stop before the rest goes.
  Lifecycle lifecycle_;
  ProcessorThreads processor_threads_{lifecycle_};
  Scheduler scheduler_;
};

}  // namespace ockam::detail

namespace ockam {
// Inline: every send asks. A worker's cell keeps no pointer to its node (a
// worker of one pointer fits oneTBB's 128-byte class: cell.h); its turns
// run only inside its node's scheduler task (Scheduler::TaskScope).
inline detail::NodeCore& Context::core() const {
  const detail::Cell& c = cell();
  if (c.detached) return *static_cast<const detail::DetachedCell&>(c).core;
  OCKAM_DCHECK(detail::tl_pool.owner != nullptr, "a worker's Context is used only in its own turns");
  return *static_cast<detail::NodeCore*>(detail::tl_pool.owner);
}
}  // namespace ockam

#endif  // OCKAM_RUNTIME_INTERNAL_NODE_CORE_H_
