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
//     submission, warm caches. At most kSlotBudget slot turns in a row.
//   * batch buffer (pool thread): a cell displaced from the slot waits in a
//     thread-local buffer; kBatch of them (or what is left at the end of a
//     task) are spawned as one task into the thread's deque, where idle
//     threads steal them. One spawn per batch, not per message.
//   * injection queue (any thread, and every "go to the back"): a moodycamel
//     MPMC queue. Only the inject that moves pending_ from 0 to 1 submits a
//     drain task to the arena (task_arena::enqueue, the expensive path); the
//     drain task runs injected cells until pending_ returns to 0.
#ifndef OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_
#define OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_

#include <concurrentqueue/concurrentqueue.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>

namespace ockam::detail {

class Cell;

class Scheduler {
 public:
  using TurnFn = void (*)(void* owner, Cell* cell);
  static constexpr std::size_t kBatch = 16;
  static constexpr int kSlotBudget = 64;

  Scheduler(std::size_t threads, TurnFn turn, void* owner);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void schedule(Cell* cell);
  void reschedule(Cell* cell) { inject(cell); }  // behind everyone already waiting
  // True on a pool thread while it runs one of this scheduler's tasks.
  bool on_pool_thread() const;
  // Waits until every scheduled turn has run (callers make sure no new ones
  // are coming), then releases the pool and joins its threads. Not from a
  // pool thread. Idempotent.
  void shutdown();

 private:
  struct Batch {
    std::array<Cell*, kBatch> cells;
    std::size_t size = 0;
  };
  class TaskScope;

  void inject(Cell* cell);
  void drain();
  void run_batch(const Batch& batch);
  void run_one(Cell* cell);
  void stash(Cell* cell);
  void spawn_stash();
  void finish_task();

  TurnFn turn_;
  void* owner_;
  std::size_t threads_;
  tbb::task_scheduler_handle threads_handle_;
  tbb::task_arena arena_;
  tbb::task_group tasks_;  // every task, so shutdown() can wait for all

  moodycamel::ConcurrentQueue<Cell*> injected_;
  // Cells counted for injection and not yet taken by the drain task.
  // INVARIANT: pending_ >= cells in injected_ (count, then enqueue), and
  // while pending_ > 0 exactly one drain task is responsible for it: the one
  // whose decrement brings it to 0 ends, and the next 0 -> 1 starts another.
  // seq_cst (default): one RMW per inject/batch; the 0 -> 1 edge is a handoff.
  std::atomic<std::size_t> pending_{0};
  bool shut_down_ = false;  // the stopping thread only
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_
