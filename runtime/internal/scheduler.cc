#include "runtime/internal/scheduler.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>
#include <new>
#include <thread>
#include <utility>

#include "runtime/internal/cell.h"
#include "runtime/internal/dcheck.h"

namespace ockam::detail {
namespace {


// oneTBB starts at most (global limit - 1) worker threads for all arenas of
// the process together, and the default limit is the core count: two nodes
// of two threads each would share one worker thread, and a node whose
// handlers block would starve the others. So the limit is raised, once for
// the process, well above what nodes ask for. The controls are never
// destroyed: creating or destroying a tbb::global_control while other
// threads schedule work races inside oneTBB 2021.8 (its list of controls is
// read without the lock that insertion and erasure take), so a new one is
// made only when a node asks for more threads than the limit allows.
void raise_parallelism_limit(std::size_t threads) {
  static std::mutex mu;
  static std::size_t limit = 0;  // guarded by mu
  std::lock_guard<std::mutex> lock(mu);
  const std::size_t wanted = std::max<std::size_t>(256, threads + 1);
  if (limit >= threads + 1) return;
  // Deliberately never deleted (see above); reachable through `limit`'s owner.
  static std::vector<std::unique_ptr<tbb::global_control>>* controls =
      new std::vector<std::unique_ptr<tbb::global_control>>();
  controls->push_back(std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, wanted));
  limit = wanted;
}

}  // namespace

// Installs this scheduler's thread state for the task's duration.
class Scheduler::TaskScope {
 public:
  explicit TaskScope(Scheduler* s) : saved_(std::exchange(tl_pool, PoolThread{})) {
    tl_pool.scheduler = s;
    tl_pool.owner = s->owner_;
    const int slot = tbb::this_task_arena::current_thread_index();
    if (slot >= 0 && static_cast<std::size_t>(slot) < s->slots_) {
      tl_pool.running = &s->running_[slot].cell;
      tl_pool.counts = &s->running_[slot].counts;
    }
  }
  ~TaskScope() { tl_pool = saved_; }

 private:
  PoolThread saved_;
};

Scheduler::Scheduler(std::size_t threads, TurnFn turn, void* owner)
    : turn_(turn), owner_(owner), threads_handle_(tbb::attach{}),
      arena_(static_cast<int>(threads), /*reserved_for_masters=*/0),
      slots_(threads),
      running_(std::make_unique<RunningSlot[]>(threads)) {
  raise_parallelism_limit(threads);
  arena_.initialize();
}

Scheduler::~Scheduler() { shutdown(); }

ThreadCounts::Sum Scheduler::counts() const {
  ThreadCounts::Sum sum;
  for (std::size_t i = 0; i < slots_; ++i) {
    // relaxed: see ThreadCounts::bump.
    sum.sent += running_[i].counts.sent.load(std::memory_order_relaxed);
    sum.handled += running_[i].counts.handled.load(std::memory_order_relaxed);
  }
  return sum;
}

void Scheduler::schedule(Cell* cell) {
  if (!on_pool_thread()) return inject(cell);
  if (Cell* displaced = std::exchange(tl_pool.slot, cell)) stash(displaced);
  tl_pool.slot_sends = 0;
}

void Scheduler::release_slot() {
  stash(std::exchange(tl_pool.slot, nullptr));
  spawn_stash();
}

void Scheduler::inject(Cell* cell) {
  if (run_queue_.push(cell)) {
    task_submitted();
    arena_.enqueue(tasks_.defer([this] { drain(); }));
  }
}

void Scheduler::task_submitted() {
  // seq_cst: see live_tasks_. An increment needs no order of its own (the
  // submitting thread's task is still counted), but an RMW costs the same.
  live_tasks_.fetch_add(1);
}

void Scheduler::task_finished() {
  // seq_cst: one half of the store-buffering pair with wait_idle() (see
  // live_tasks_); a waiter is rare, so the lock is taken only for one.
  const std::int64_t before = live_tasks_.fetch_sub(1);
  OCKAM_DCHECK(before > 0, "INVARIANT live tasks: every finished task was counted");
  if (before == 1 && idle_waiters_.load() != 0) {
    std::lock_guard<std::mutex> lock(idle_mu_);
    idle_cv_.notify_all();
  }
}

bool Scheduler::wait_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(idle_mu_);
  // seq_cst: the other half of the pair with task_finished().
  idle_waiters_.fetch_add(1);
  const bool idle = idle_cv_.wait_until(lock, deadline, [this] { return live_tasks_.load() == 0; });
  idle_waiters_.fetch_sub(1);
  return idle;
}

std::vector<const Cell*> Scheduler::running() const {
  std::vector<const Cell*> cells;
  for (std::size_t i = 0; i < slots_; ++i) {
    // relaxed: see RunningSlot.
    if (const Cell* cell = running_[i].cell.load(std::memory_order_relaxed)) cells.push_back(cell);
  }
  return cells;
}

std::size_t Scheduler::take_batch(std::array<Cell*, kBatch>& cells) {
  std::size_t n = 0;
  while (n < kBatch) {
    Cell* cell = run_queue_.pop();
    if (cell == nullptr) break;
    cells[n++] = cell;
  }
  return n;
}

void Scheduler::drain() {
  TaskScope scope(this);
  std::array<Cell*, kBatch> cells;
  std::size_t n = 0;
  while ((n = take_batch(cells)) == 0) {
    if (run_queue_.try_mark_empty()) return finish_task();
    std::this_thread::yield();  // a push is between its exchange and its link
  }
  // The drainer's role leaves before any turn runs, so that a long turn (a
  // handler that floods a worker, or blocks) never holds up the cells
  // queued behind it: the queue is marked empty (its next push submits a
  // new drain task), or, with cells left, the role passes to a new drain
  // task that an idle thread can steal (INVARIANT single drainer: this task
  // touches the queue no more).
  if (!run_queue_.try_mark_empty()) {
    task_submitted();
    tasks_.run([this] { drain(); });
  }
  // Half of a full batch goes where an idle thread can steal it.
  if (n == kBatch) {
    for (std::size_t i = n / 2; i < n; ++i) stash(cells[i]);
    n /= 2;
  }
  for (std::size_t i = 0; i < n; ++i) run_one(cells[i]);
  finish_task();
}

void Scheduler::run_batch(const Batch& batch) {
  TaskScope scope(this);
  for (std::size_t i = 0; i < batch.size; ++i) run_one(batch.cells[i]);
  finish_task();
}

void Scheduler::turn(Cell* cell) {
  // relaxed: see RunningSlot.
  if (tl_pool.running != nullptr) tl_pool.running->store(cell, std::memory_order_relaxed);
  turn_(owner_, cell);
  left_worker_code();
}

void Scheduler::left_worker_code() {
  // relaxed: see RunningSlot.
  if (tl_pool.running != nullptr) tl_pool.running->store(nullptr, std::memory_order_relaxed);
}

void Scheduler::run_one(Cell* cell) {
  turn(cell);
  for (int i = 0; i < kSlotBudget && tl_pool.slot != nullptr; ++i) turn(std::exchange(tl_pool.slot, nullptr));
  // Out of budget: two workers bouncing a message go to the back of the line.
  if (Cell* left = std::exchange(tl_pool.slot, nullptr)) inject(left);
}

void Scheduler::stash(Cell* cell) {
  tl_pool.stash[tl_pool.stashed++] = cell;
  if (tl_pool.stashed == kBatch) spawn_stash();
}

void Scheduler::spawn_stash() {
  if (tl_pool.stashed == 0) return;
  Batch batch;
  batch.size = std::exchange(tl_pool.stashed, 0);
  std::copy_n(tl_pool.stash.begin(), batch.size, batch.cells.begin());
  task_submitted();
  tasks_.run([this, batch] { run_batch(batch); });
}

void Scheduler::finish_task() {
  if (Cell* left = std::exchange(tl_pool.slot, nullptr)) stash(left);
  spawn_stash();  // children counted before this task is uncounted (INVARIANT live tasks)
  task_finished();
}

void Scheduler::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  arena_.execute([this] { tasks_.wait(); });
  arena_.terminate();
  // Joins oneTBB's worker threads unless another node still uses them (then
  // the last one to stop joins them).
  (void)tbb::finalize(threads_handle_, std::nothrow);
}

}  // namespace ockam::detail
