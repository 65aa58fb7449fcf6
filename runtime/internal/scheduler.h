// INTERNAL. Runs worker turns on a oneTBB work-stealing pool.
//
// Contract: schedule(cell) is called by the one thread that won the cell's
// idle -> scheduled transition (the push that returned true, or the start of
// a worker); reschedule(cell) by the cell's own turn when it gives way. Each
// call leads to exactly one later call of `turn(cell)` on a pool thread.
//
// Paths, cheapest first:
//   * LIFO slot (pool thread, this node): a worker woken by a handler runs
//     right after the current turn on the same thread (as in tokio): no pool
//     submission, warm caches. At most kSlotBudget slot turns in a row. The
//     slot is not stealable, so a handler that keeps sending (a producer
//     flooding a worker it woke) hands its occupant on after kSlotPatience
//     sends: it joins the batch buffer, spawned at once, and an idle thread
//     steals it and consumes beside the producer, instead of after it.
//   * batch buffer (pool thread): a cell displaced from the slot waits in a
//     thread-local buffer; kBatch of them (or what is left at the end of a
//     task) are spawned as one task into the thread's deque, where idle
//     threads steal them. One spawn per batch, not per message.
//   * run queue (any thread, and every "go to the back"): an MpscMailbox of
//     cells, drained by one drain task at a time. Only the push that finds it
//     marked empty submits a drain task (task_arena::enqueue, the expensive
//     path). A drain task takes one batch, then gives up the drainer's role
//     before it runs a turn: it marks the queue empty if it is (exactly as a
//     worker's turn treats its own mailbox), or spawns the next drain task,
//     which an idle thread steals. So no turn, however long (a handler
//     flooding a worker it woke, one that blocks), holds up the cells
//     queued behind it, and what the turns spawned runs between batches.
// A cell is a mailbox::MailboxNode (its link in the run queue): it is in the
// run queue at most once, because only the winner of its idle -> scheduled
// transition submits it.
//
// INVARIANT (live tasks): live_tasks_ counts the tasks submitted and not yet
//   finished. A task's children are counted before the task itself is
//   uncounted, so the count is zero only when no turn is scheduled or
//   running: wait_idle() waits for that (the node's stop drains by it).
#ifndef OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_
#define OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "mailbox/mpsc_mailbox.h"

namespace ockam::detail {

class Cell;

// What the node counts per pool thread (NodeStats::sent, handled), so that
// a count is an increment on a line the thread owns, never one that other
// threads write. One per arena slot, beside the slot's RunningSlot.
struct ThreadCounts {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> handled{0};
  struct Sum {
    std::uint64_t sent = 0, handled = 0;
  };
  // relaxed, and a load and a store rather than an RMW: the slot's counts
  // have one writer at a time, the thread that holds the arena slot (oneTBB
  // hands a slot from one thread to the next through its own acquire and
  // release, which orders their writes); a reader wants a count, no order.
  static void bump(std::atomic<std::uint64_t>& count) {
    count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

class Scheduler {
 public:
  using TurnFn = void (*)(void* owner, Cell* cell);
  static constexpr std::size_t kBatch = 16;
  static constexpr int kSlotBudget = 64;
  static constexpr std::uint32_t kSlotPatience = 64;

  Scheduler(std::size_t threads, TurnFn turn, void* owner);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void schedule(Cell* cell);
  void reschedule(Cell* cell) { inject(cell); }  // behind everyone already waiting
  // True on a pool thread while it runs one of this scheduler's tasks.
  bool on_pool_thread() const;
  // The calling thread's counts while it runs one of this scheduler's
  // tasks, else null (another thread, or a slot out of range).
  ThreadCounts* counts_here() const;
  // A send from a handler on this pool thread (NodeCore counts it): past
  // kSlotPatience sends since the LIFO slot was filled, its occupant is
  // handed on (see the top). Precondition: on this scheduler's pool thread.
  void sent_here();
  // The sums over every pool thread.
  ThreadCounts::Sum counts() const;

  // Any thread but a pool thread. True once no turn is scheduled or running
  // (INVARIANT live tasks), false if `deadline` passed first.
  bool wait_idle(std::chrono::steady_clock::time_point deadline);
  // The cells whose turns run right now and may still call the worker's
  // code, as pointer values only (they may be gone by the time the caller
  // looks; never dereference one that is not known to be alive). For the
  // stop, which waits for the runtime's own work but not forever for a
  // worker's.
  std::vector<const Cell*> running() const;
  // From a turn: it calls none of the worker's code any more (it only drops
  // what is queued), so running() leaves it out.
  static void left_worker_code();

  // Waits until every scheduled turn has run (callers make sure no new ones
  // are coming), then releases the pool and joins its threads. Not from a
  // pool thread. Idempotent.
  void shutdown();

 private:
  struct Batch {
    std::array<Cell*, kBatch> cells;
    std::size_t size = 0;
  };
  // One per arena slot, each on its own cache line: written by the slot's
  // thread around each turn (and by left_worker_code()), read by running();
  // its counts written by that thread too (ThreadCounts), read by counts().
  struct alignas(64) RunningSlot {
    // relaxed: a hint for a diagnostic; running() may see it late.
    std::atomic<const Cell*> cell{nullptr};
    ThreadCounts counts;
  };
  class TaskScope;

  void inject(Cell* cell);
  void drain();
  std::size_t take_batch(std::array<Cell*, kBatch>& cells);
  void run_batch(const Batch& batch);
  void run_one(Cell* cell);
  void turn(Cell* cell);
  void stash(Cell* cell);
  void spawn_stash();
  void release_slot();
  void finish_task();
  void task_submitted();
  void task_finished();

  TurnFn turn_;
  void* owner_;
  tbb::task_scheduler_handle threads_handle_;
  tbb::task_arena arena_;
  tbb::task_group tasks_;  // every task, so shutdown() can wait for all
  const std::size_t slots_;
  std::unique_ptr<RunningSlot[]> running_;

  // INVARIANT (single drainer): exactly one of {run_queue_ marked empty, one
  // drain task holding the role (submitted, or running until it marks the
  // queue or spawns its successor)}, so the queue has one consumer at a
  // time; successive drain tasks are ordered by the push that saw the mark
  // or by the spawn that passed the role on.
  mailbox::MpscMailbox<Cell> run_queue_{mailbox::Start::kMarkedEmpty};

  // INVARIANT (live tasks) above. Incremented by whoever submits a task,
  // decremented by the task at its end. seq_cst: the decrement to zero and
  // idle_waiters_'s load after it are one half of a store-buffering pair
  // with wait_idle()'s store of idle_waiters_ and its load of the count:
  // either the waiter sees zero, or the last task sees the waiter and
  // notifies it.
  alignas(64) std::atomic<std::int64_t> live_tasks_{0};
  std::atomic<int> idle_waiters_{0};  // seq_cst: the other half, see above
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
  bool shut_down_ = false;  // the stopping thread only
};

// Per pool thread, per running task (Scheduler::TaskScope sets it): whose
// task it is, the LIFO slot, the batch buffer and the slot's counters.
// Thread-private, so plain variables. In the header so that the checks on a
// send's path (on_pool_thread, counts_here) are a thread-local load, not a call.
struct PoolThread {
  const Scheduler* scheduler = nullptr;
  void* owner = nullptr;  // the scheduler's owner (its NodeCore): Context::core()
  Cell* slot = nullptr;
  std::array<Cell*, Scheduler::kBatch> stash{};
  std::size_t stashed = 0;
  std::atomic<const Cell*>* running = nullptr;  // this thread's RunningSlot, if any
  ThreadCounts* counts = nullptr;               // this thread's slot's, if any
  std::uint32_t slot_sends = 0;                 // sends since `slot` was filled (sent_here)
};
inline thread_local PoolThread tl_pool;

inline bool Scheduler::on_pool_thread() const { return tl_pool.scheduler == this; }
inline ThreadCounts* Scheduler::counts_here() const { return tl_pool.scheduler == this ? tl_pool.counts : nullptr; }
inline void Scheduler::sent_here() {
  if (tl_pool.slot != nullptr && ++tl_pool.slot_sends == kSlotPatience) [[unlikely]] release_slot();
}

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_
