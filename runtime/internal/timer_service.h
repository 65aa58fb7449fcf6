// INTERNAL. A node's one timer facility: a binary min-heap of deadlines and
// one thread (started by the first timer) that sleeps until the earliest
// deadline and fires what is due, in batches, outside its lock.
//
// An entry's life (TimerEntry::state), decided once by whoever leaves
// kPending first (a compare-exchange):
//   kPending -> kFired        the timer thread, at the deadline: fire()
//   kPending -> kCancelling -> kCancelled    Timer::cancel(): discard()
//   kPending -> kDropped      stop(): discard()
// INVARIANT (once): fire() or discard() runs once per entry, on the thread
//   that won the compare-exchange; no one else touches the payload.
// INVARIANT (no late touch): stop() returns only after every entry has left
//   kCancelling: a canceller touches the service (the pending count) only
//   between winning and storing kCancelled, and both the timer thread (which
//   stop() joins) and stop() itself wait out kCancelling on any entry they
//   meet. So a Timer may be cancelled at any time, after the node too.
//
// Ordering: deadlines fire in order, equal deadlines in the order set. A
// timer fires at the first wake-up at or after its deadline: accurate to
// the thread's wake-up latency (tens of microseconds on an idle machine).
//
// Memory per pending timer: 32 bytes in the heap (a deadline, a sequence
// number, the entry's shared_ptr; the vector may hold up to twice that),
// the entry with its shared_ptr control block (56 bytes for a send),
// and what the entry holds (for send_after, the message's envelope: its
// routes and body, as a send allocates). A cancelled timer's payload is
// freed at once; its 32-byte slot stays until its deadline.
//
// Concurrency contract: add(), pending(), dropped() from any thread; stop()
// from one thread (the node's stopper), after which add() is NodeStopped.
#ifndef OCKAM_RUNTIME_INTERNAL_TIMER_SERVICE_H_
#define OCKAM_RUNTIME_INTERNAL_TIMER_SERVICE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/result.h"

namespace ockam::detail {

class TimerService;

struct TimerEntry {
  enum State : std::uint8_t { kPending, kFired, kCancelling, kCancelled, kDropped };
  virtual ~TimerEntry() = default;
  // The timer thread, once, after it won kPending -> kFired.
  virtual void fire() = 0;
  // Frees the payload unfired, once, after a cancel or the stop won.
  virtual void discard() = 0;

  // Timer::cancel().
  bool cancel();
  // Leaves kPending for `to`; true for the one caller that does.
  bool settle(State to) {
    State expected = kPending;
    // acq_rel: one winner needs only the RMW's atomicity (INVARIANT once),
    // and the payload reached every contender before (the service's mutex,
    // or the Timer handed over by the user); on x86 an RMW costs the same
    // in any order.
    return state.compare_exchange_strong(expected, to, std::memory_order_acq_rel);
  }
  // Returns once no canceller is between its win and kCancelled.
  void wait_settled() const;

  // acquire/release pair: cancel()'s store of kCancelled (release), after
  // its last touch of the service, with wait_settled()'s load (acquire).
  std::atomic<State> state{kPending};
  TimerService* service = nullptr;  // set by add() before the entry is shared
};

class TimerService {
 public:
  using Clock = std::chrono::steady_clock;
  TimerService() = default;
  ~TimerService() { stop(); }
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  // Fires `entry` at `deadline` (at once if it has passed). NodeStopped
  // after stop().
  Result<void> add(Clock::time_point deadline, std::shared_ptr<TimerEntry> entry);
  // Drops (discards and counts) every timer still pending, after the timer
  // thread has finished the batch in hand, and joins it. Idempotent.
  void stop();

  // relaxed loads: counts, exact for a reader ordered after the counted
  // events (by stop(), or by a message the fired timer sent).
  std::uint64_t pending() const { return pending_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // A fired timer whose message was refused (counted with the stop's drops).
  void count_refused() { dropped_.fetch_add(1, std::memory_order_relaxed); }

 private:
  friend struct TimerEntry;
  struct Slot {
    Clock::time_point deadline;
    std::uint64_t seq;  // equal deadlines fire in the order set
    std::shared_ptr<TimerEntry> entry;
  };
  // For std::push_heap: the front is the earliest (deadline, seq). A type,
  // not a function pointer, so the heap's comparisons inline.
  struct Later {
    bool operator()(const Slot& a, const Slot& b) const {
      return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
    }
  };
  static constexpr std::size_t kFireBatch = 1024;  // fired per lock hold
  void run();

  std::mutex mu_;
  std::condition_variable cv_;    // a new earliest deadline, or the stop
  std::vector<Slot> heap_;        // guarded by mu_
  std::uint64_t next_seq_ = 0;    // guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  std::thread thread_;            // started by the first add(), under mu_
  // Set and neither fired, cancelled nor dropped. relaxed: a count; see pending().
  std::atomic<std::uint64_t> pending_{0};
  // relaxed: a count; see dropped().
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_TIMER_SERVICE_H_
