// INTERNAL. Monitors (Context::monitor): who is told, once, when a cell ends.
//
// A monitor ties a watcher (the cell that called monitor()) to the target
// cell found at the monitored address. The tables live here, under one
// mutex, and not in the cells: a cell pays nothing for monitors but bits of
// its phase (phase.h, the monitors' part), which send and turns never read.
//
// When each side learns about the other:
//   * watch() looks the target up and adds the monitor inside one
//     ReadSection, so a target found there is unsealed until the monitor is
//     in (its retirement's grace period waits for the section). A target not
//     found, or already unlinked, is NotFound at once.
//   * The target's last turn, after shutdown() and the StopEnvelope (so its
//     addresses are free), calls ended() if its phase has kWatched or
//     kEnded: each monitor is told once, and removed.
//   * The watcher's seal calls forget() before the StopEnvelope if its phase
//     has kWatching: its monitors go, quietly. (A detached context, never
//     sealed, calls forget() and ended() as it closes, before its drain.) A notice is pushed only under
//     the lock and only to a watcher still in the tables, so never behind
//     its StopEnvelope (INVARIANT last push).
//
// INVARIANT (told once): each monitor that watch() added is removed exactly
//   once, by ended() (told), forget() or node_stopping() (told NodeStopping),
//   all under mu_.
//
// Concurrency contract: every call from any thread. mu_ is taken inside a
// ReadSection by watch() (briefly; no holder of mu_ blocks, calls
// synchronize() or runs user code, so the section stays short). A notice
// goes straight into the watcher's mailbox, past its capacity (it is one per
// monitor the watcher set) and past its access control (it asked for it).
#ifndef OCKAM_RUNTIME_INTERNAL_MONITORS_H_
#define OCKAM_RUNTIME_INTERNAL_MONITORS_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/address.h"
#include "runtime/internal/cell.h"
#include "runtime/result.h"
#include "runtime/worker_stopped.h"

namespace ockam::detail {

class Registry;

class Monitors {
 public:
  // Wakes a cell whose mailbox a notice found marked empty (a worker is
  // scheduled, the app is signalled).
  using WakeFn = void (*)(void* owner, Cell* cell);
  // `sent`: the node's count of messages sent (NodeCounters), which a
  // notice joins: the metrics' sent = handled + dropped + wrong_type.
  Monitors(const Registry& registry, WakeFn wake, void* owner, std::atomic<std::uint64_t>& sent)
      : registry_(registry), wake_(wake), owner_(owner), sent_(sent) {}
  Monitors(const Monitors&) = delete;
  Monitors& operator=(const Monitors&) = delete;

  // `watcher` (which accepts a WorkerStopped) monitors the cell at
  // `target`. NodeStopped once node_stopping() ran.
  Result<void> watch(Cell& watcher, const Address& target);
  // Why `cell` ends, when it is more than "stopped" (Failed, Finished):
  // before its last turn, by its own turn or its starter. Sets kEnded.
  void record_end(Cell& cell, WorkerStopped::Reason reason, std::string message);
  // The cell's last turn, before it deletes the cell; only if its phase has
  // kWatched or kEnded. A detached context's close too (never recorded:
  // `how` says what stopped it).
  void ended(Cell& target, const char* how = "stop_worker() stopped it");
  // The watcher's seal, before its StopEnvelope; only if it had kWatching.
  void forget(const Cell& watcher);
  // The node's stop begins: every monitor is told NodeStopping (except a
  // detached context's, the app's included, which receives no more, and a
  // claimed watcher's) and removed; watch() is NodeStopped from now on.
  void node_stopping();

 private:
  struct Watcher {
    Cell* cell;
    Address address;  // as monitor() was given it: a target may have several
  };
  struct End {
    WorkerStopped::Reason reason;
    std::string message;
  };
  // Under mu_, to a watcher known unsealed (it is in the tables, or its
  // watching() saw no kSealed).
  void notify(Cell& watcher, const Address& target, WorkerStopped::Reason reason, std::string message);

  const Registry& registry_;
  const WakeFn wake_;
  void* const owner_;
  std::atomic<std::uint64_t>& sent_;
  std::mutex mu_;
  bool closed_ = false;                                                  // guarded by mu_
  std::unordered_map<const Cell*, std::vector<Watcher>> watchers_of_;    // guarded by mu_: target -> watchers
  std::unordered_map<const Cell*, std::vector<const Cell*>> watched_by_; // guarded by mu_: watcher -> targets
  std::unordered_map<const Cell*, End> ends_;                            // guarded by mu_: record_end()
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_MONITORS_H_
