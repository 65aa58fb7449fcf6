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
//   * run queue (any thread, and every "go to the back"): an MpscMailbox of
//     cells, drained by one drain task at a time. Only the push that finds it
//     marked empty submits a drain task (task_arena::enqueue, the expensive
//     path); the drain task runs cells until the queue is empty again and
//     marks it, exactly as a worker's turn treats its own mailbox.
// A cell is a mailbox::MailboxNode (its link in the run queue): it is in the
// run queue at most once, because only the winner of its idle -> scheduled
// transition submits it.
#ifndef OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_
#define OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>

#include "mailbox/mpsc_mailbox.h"

namespace ockam::detail {

class Scheduler {
 public:
  using Cell = mailbox::MailboxNode;  // the scheduler sees a cell as its run-queue link
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
  std::size_t take_batch(std::array<Cell*, kBatch>& cells);
  void run_batch(const Batch& batch);
  void run_one(Cell* cell);
  void stash(Cell* cell);
  void spawn_stash();
  void finish_task();

  TurnFn turn_;
  void* owner_;
  tbb::task_scheduler_handle threads_handle_;
  tbb::task_arena arena_;
  tbb::task_group tasks_;  // every task, so shutdown() can wait for all

  // INVARIANT (single drainer): exactly one of {run_queue_ marked empty, a
  // drain task queued or running}, so the queue has one consumer at a time;
  // successive drain tasks are ordered by the push that saw the mark.
  mailbox::MpscMailbox run_queue_{mailbox::MpscMailbox::Start::kMarkedEmpty};
  bool shut_down_ = false;  // the stopping thread only
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_SCHEDULER_H_
