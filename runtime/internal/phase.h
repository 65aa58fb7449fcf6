// INTERNAL. A worker's phase: one small atomic per cell, the state machine
// that lifecycle.h drives. Three parts share it, each written by its own
// side and read by the others:
//
//   the turn's part (the worker's turns; start() before the first turn)
//     fresh --initialize() ok--> kRunning --finish()--> kRunning|kFinished
//     fresh --initialize() failed, or start() lost an address--> kFailed
//     fresh or kFailed --finish()--> ...|kFinished (no shutdown(): never ran)
//
//   the retirement's part (claimer: stop_worker, a failed initialize, a lost
//   start race, the node's stop; linker: start())
//     kClaimed    set by exactly one thread, the one whose claim() set it;
//                 from then on no turn dispatches (INVARIANT dispatch).
//     kLinked     start() registered every address (or, claimed meanwhile,
//                 removed them all again and waited a grace period).
//     kUnlinked   the claimer removed every address and waited a grace period.
//     kSealed     the StopEnvelope is pushed. Whoever sets the second of
//                 kLinked and kUnlinked seals, so the seal follows both: no
//                 address can reach the cell any more, and the StopEnvelope
//                 is the last push it gets (INVARIANT last push).
//
//   the monitors' part (monitors.h: set under the monitors' lock; each bit
//   only tells a rare path to take that lock)
//     kWatched    a monitor watches this cell: its end (the last turn) tells it.
//     kWatching   this cell monitors others: its seal drops those monitors.
//     kEnded      its end was recorded (a failure, a processor done): its end
//                 tells why.
//
// INVARIANT (dispatch): a turn hands a message to the worker only while the
//   phase is kRunning without kClaimed: after a successful initialize() and
//   before any claim. (A claim not yet seen by a turn's relaxed load lets one
//   more message through, exactly as if the claim came a moment later.)
// INVARIANT (shutdown): shutdown() runs at most once, and only after an
//   initialize() that succeeded.
// INVARIANT (last push): kSealed is set once, after kClaimed, kLinked and
//   kUnlinked; the cell is deleted only by its own turn, after it pops the
//   StopEnvelope.
// Each is checked in debug builds (OCKAM_DCHECK) where it is relied on.
#ifndef OCKAM_RUNTIME_INTERNAL_PHASE_H_
#define OCKAM_RUNTIME_INTERNAL_PHASE_H_

#include <atomic>
#include <cstdint>

#include "runtime/internal/dcheck.h"

namespace ockam::detail {

class Phase {
 public:
  using Bits = std::uint16_t;
  // The turn's part.
  static constexpr Bits kRunning = 1 << 0;   // initialize() succeeded: shutdown() is due
  static constexpr Bits kFailed = 1 << 1;    // initialize() failed, or start() lost: never runs
  static constexpr Bits kFinished = 1 << 2;  // finish() began: no more dispatch, shutdown() done if due
  // The retirement's part.
  static constexpr Bits kClaimed = 1 << 3;
  static constexpr Bits kLinked = 1 << 4;
  static constexpr Bits kUnlinked = 1 << 5;
  static constexpr Bits kSealed = 1 << 6;
  // The monitors' part.
  static constexpr Bits kWatched = 1 << 7;
  static constexpr Bits kWatching = 1 << 8;
  static constexpr Bits kEnded = 1 << 9;

  // acquire: pairs with the acq_rel transitions below, so a thread that
  // sees a bit sees what its setter did before (e.g. its registry writes).
  Bits load() const { return bits_.load(std::memory_order_acquire); }

  // INVARIANT (dispatch). relaxed: read once per message by the turn, which
  // set the turn's part itself; see the INVARIANT for a late claim.
  bool dispatching() const { return (bits_.load(std::memory_order_relaxed) & (kRunning | kClaimed)) == kRunning; }

  // True for exactly one caller over the cell's life. acq_rel: the claimer
  // sees the linker's registry inserts before kLinked (pairs with
  // link_unless_claimed()), and a turn that sees the claim sees what the
  // claimer did before it.
  bool claim() { return (bits_.fetch_or(kClaimed, std::memory_order_acq_rel) & kClaimed) == 0; }

  // start(), after inserting every address: sets kLinked unless the cell was
  // claimed meanwhile (then false: start() removes the addresses again and
  // calls linked()). acq_rel: pairs with claim().
  bool link_unless_claimed() {
    Bits p = bits_.load(std::memory_order_acquire);
    while ((p & kClaimed) == 0) {
      if (bits_.compare_exchange_weak(p, p | kLinked, std::memory_order_acq_rel)) return true;
    }
    return false;
  }
  // linked() by start(), unlinked() by the claimer, each after its registry
  // removals and grace period. True for the second of the two: it seals.
  // acq_rel: the sealer sees the other side's removals (release by the first,
  // acquire by the second), so the seal follows every one of them.
  bool linked() { return (bits_.fetch_or(kLinked, std::memory_order_acq_rel) & kUnlinked) != 0; }
  bool unlinked() {
    const Bits before = bits_.fetch_or(kUnlinked, std::memory_order_acq_rel);
    OCKAM_DCHECK(before & kClaimed, "only the claimer unlinks");
    return (before & kLinked) != 0;
  }
  // The sealer, just before it pushes the StopEnvelope; returns the bits
  // before. release: the turn that pops that envelope (acquire, through the
  // mailbox) sees kSealed. acquire: pairs with watching(), one RMW each on
  // this atomic: either the sealer sees kWatching (and drops the monitors)
  // or the monitor sees kSealed (and is not set).
  Bits sealed() {
    const Bits before = bits_.fetch_or(kSealed, std::memory_order_acq_rel);
    OCKAM_DCHECK((before & (kClaimed | kLinked | kUnlinked)) == (kClaimed | kLinked | kUnlinked) &&
                     (before & kSealed) == 0,
                 "INVARIANT last push: sealed once, after claim, link and unlink");
    return before;
  }

  // The monitors' part, each under the monitors' lock; each returns the
  // bits before. acq_rel: watching() pairs with sealed() (above); watched()
  // and ended() are read by the cell's last turn, after the seal that
  // follows them (see monitors.h), through the mailbox's acquire.
  Bits watched() { return bits_.fetch_or(kWatched, std::memory_order_acq_rel); }
  Bits watching() { return bits_.fetch_or(kWatching, std::memory_order_acq_rel); }
  Bits ended() { return bits_.fetch_or(kEnded, std::memory_order_acq_rel); }

  // The first turn, after initialize() succeeded. relaxed: the turn's own
  // part, read back by later turns of the same cell (ordered by the mailbox
  // or the run queue between them).
  void running() {
    [[maybe_unused]] const Bits before = bits_.fetch_or(kRunning, std::memory_order_relaxed);
    OCKAM_DCHECK((before & (kRunning | kFailed | kFinished)) == 0, "initialize() runs once, on the first turn");
  }
  // initialize() failed, or start() lost an address race: the worker never
  // runs, and is claimed (true if this call claimed it). acq_rel: as claim().
  bool failed() {
    const Bits before = bits_.fetch_or(kFailed | kClaimed, std::memory_order_acq_rel);
    OCKAM_DCHECK((before & kRunning) == 0, "a running worker does not fail to start");
    return (before & kClaimed) == 0;
  }
  // finish(): true if shutdown() is due now (INVARIANT shutdown). relaxed:
  // the turn's own part (see running()).
  bool finishing() {
    const Bits before = bits_.fetch_or(kFinished, std::memory_order_relaxed);
    OCKAM_DCHECK((before & kFinished) != 0 || (before & (kClaimed | kFailed)) != 0,
                 "INVARIANT dispatch: a turn finishes only once the worker is claimed");
    return (before & (kRunning | kFinished)) == kRunning;
  }

 private:
  std::atomic<Bits> bits_{0};
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_PHASE_H_
