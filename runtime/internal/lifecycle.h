// INTERNAL. A worker's life, from start to the turn that deletes it: the
// routines that drive the phase machine of phase.h.
//
// Start: start() counts the worker, inserts its addresses one by one, and
//   links (phase.h). A cell claimed while start() was still inserting gets
//   its addresses removed again by start() itself, so no address outlives
//   the claim. A start that meets an address in use fails the worker: it
//   never runs, and is retired (by start(), unless a claimer got it first).
//   The first turn runs initialize() unless the worker is claimed or failed.
// Retirement: one routine for every way a worker ends (stop_worker, a failed
//   initialize(), a lost start race, the node's stop), for one worker or a
//   batch: claim -> unlink every address -> one grace period -> seal. The
//   claimer unlinks; the seal goes to whoever of claimer and linker comes
//   second (phase.h).
// Processors on the pool (processor_cell.h): after initialize(), each turn
//   calls process() once and reschedules the cell; false or an error claims it.
// Ends: the turn that deletes a cell first tells its monitors (monitors.h),
//   once its shutdown() ran and its addresses are free.
// Turns: a turn dispatches only while the worker runs (INVARIANT dispatch);
//   once it is claimed, the turn finishes: shutdown() if initialize() had
//   succeeded, then every message still queued is counted as dropped until
//   the StopEnvelope, after which the turn deletes the cell.
//
// Concurrency contract:
//   * start(), stop_worker(): any thread (a worker's handler included).
//   * retire_all(): the node's stopper, once; afterwards start() and
//     stop_worker() return NodeStopped. It takes lifecycle_mu_ exclusively,
//     which start() and stop_worker() hold shared for their whole run: so a
//     retirement from outside the pool is never half done when the node
//     stops. (Retirements inside a turn are covered by the scheduler's live
//     tasks instead: the stop waits for those.)
//   * turn(): the scheduler, one turn per cell at a time.
//   * The test seam (test_seam.h) is called at the points that decide the
//     hard interleavings, on the thread that reaches them.
#ifndef OCKAM_RUNTIME_INTERNAL_LIFECYCLE_H_
#define OCKAM_RUNTIME_INTERNAL_LIFECYCLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/address.h"
#include "runtime/internal/cell.h"
#include "runtime/internal/monitors.h"
#include "runtime/internal/test_seam.h"
#include "runtime/result.h"

namespace ockam::detail {

class Registry;
class Scheduler;
struct ThreadCounts;

// Counters behind NodeStats and worker_count(). relaxed: counts, exact for
// a reader ordered after the counted work (by a reply, or by stop()).
struct NodeCounters {
  // Sends and handled messages counted by threads without a pool slot of
  // this node (the app, transports' I/O threads, any other thread); pool
  // threads count theirs in their slot's ThreadCounts (scheduler.h).
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> handled{0};
  std::atomic<std::size_t> workers{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> wrong_type{0};
  std::atomic<std::uint64_t> handler_errors{0};
  std::atomic<std::uint64_t> worker_failures{0};
  std::atomic<std::uint64_t> denied{0};
  std::atomic<std::uint64_t> late_replies{0};
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
};

class Lifecycle {
 public:
  // `wake`: how a notice wakes the cell it lands in (Monitors).
  // `run_completion`: runs a request's completion (request.h) on its
  // worker's turn.
  using CompletionFn = void (*)(void* owner, Cell* cell, EnvelopePtr completion);
  // `default_capacity`: the node's mailbox capacity (RoomSignal).
  Lifecycle(Registry& registry, Scheduler& scheduler, std::size_t max_batch, std::uint32_t default_capacity,
            Monitors::WakeFn wake, CompletionFn run_completion, void* owner);
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // `cell` has its addresses (valid, distinct checked by the registry) and
  // its context; ownership passes to the node even on failure.
  Result<void> start(std::unique_ptr<Cell> cell);
  Result<void> stop_worker(const Address& address);
  // The node's stop: no start or stop_worker from now on; claims every
  // registered worker (detached cells are the node's to unlink: it does so
  // just before, and this grace period covers them) and retires them as one
  // batch (one grace period). Returns the first
  // address of each claimed worker whose turn was running at the claim, by
  // cell, to name them if the stop times out.
  std::unordered_map<const Cell*, std::string> retire_all();
  // The node's stop, before its drain: claims and retires every processor
  // on the pool (processor_cell.h), which would otherwise never let the
  // pool go idle.
  void retire_processors();
  void turn(Cell* cell);

  NodeCounters& counters() { return counters_; }
  RoomSignal& room() { return room_; }
  Monitors& monitors() { return monitors_; }
  const NodeCounters& counters() const { return counters_; }
  // Counts and logs `n` messages of `cell` dropped unhandled.
  void count_dropped(const Cell& cell, std::uint64_t n);

 private:
  // The retirement after the claims: unlink, one grace period, seal.
  void retire(std::span<Cell* const> claimed);
  void seal(Cell* cell);
  void initialize(Cell* cell);
  // `counts`: the pool thread's (Scheduler::counts_here), null off the pool.
  void dispatch(Cell* cell, EnvelopePtr envelope, ThreadCounts* counts);
  // A pool processor's turn after initialize(): one process() call.
  void process(Cell* cell, Cell::Taker& taker);
  // `taker`: the turn's (closed here before the turn ends or the cell goes).
  void finish(Cell* cell, EnvelopePtr popped, Cell::Taker& taker);

  Registry& registry_;
  Scheduler& scheduler_;
  const std::size_t max_batch_;
  const CompletionFn run_completion_;
  void* const owner_;
  // On lines of their own: off the pool, every send writes `sent`, and
  // every turn reads the fields above and the room's default capacity
  // (BM_Counting lost a fifth while they shared a line).
  alignas(64) NodeCounters counters_;
  alignas(64) RoomSignal room_;
  Monitors monitors_;
  // Shared by start() and stop_worker(), exclusive by retire_all().
  std::shared_mutex lifecycle_mu_;
  bool final_ = false;  // guarded by lifecycle_mu_: retire_all() ran
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_LIFECYCLE_H_
