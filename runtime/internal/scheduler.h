// INTERNAL. Runs worker turns on a oneTBB work-stealing pool.
//
// Contract: schedule(cell) is called by the one thread that won the cell's
// idle -> scheduled transition (the push that returned true, or the start of
// a worker); reschedule(cell) by the cell's own turn when it keeps its turn.
// Each call leads to exactly one later call of `turn(cell)` on a pool thread.
//
// Submission paths, cheapest first:
//   * from a pool thread of this scheduler: the thread-local LIFO slot. A
//     worker woken by a handler runs right after the current turn on the same
//     thread (tokio's LIFO slot): no pool submission, warm caches. A cell
//     displaced from the slot is spawned into the thread's own deque
//     (task_group::run), where idle threads can steal it.
//   * from any other thread: task_arena::enqueue.
// A thread runs at most kSlotBudget slot turns in a row, then enqueues the
// slot's cell at the back of the arena, so two workers bouncing a message
// cannot keep a thread from the rest of the queue.
#ifndef OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_
#define OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <cstddef>
#include <memory>

namespace ockam::detail {

class Cell;

class Scheduler {
 public:
  using TurnFn = void (*)(void* owner, Cell* cell);

  Scheduler(std::size_t threads, TurnFn turn, void* owner);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void schedule(Cell* cell);
  void reschedule(Cell* cell);
  // True on a pool thread while it runs one of this scheduler's turns.
  bool on_pool_thread() const;
  // Waits until every scheduled turn has run (callers make sure no new ones
  // are coming), then releases the pool and joins its threads. Not from a
  // pool thread. Idempotent.
  void shutdown();

 private:
  static constexpr int kSlotBudget = 32;
  void run(Cell* cell);
  void spawn(Cell* cell);
  void enqueue(Cell* cell);

  TurnFn turn_;
  void* owner_;
  std::unique_ptr<tbb::global_control> parallelism_;
  tbb::task_scheduler_handle threads_handle_;
  tbb::task_arena arena_;
  tbb::task_group tasks_;  // every submitted turn, so shutdown() can wait for all
  bool shut_down_ = false;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_
