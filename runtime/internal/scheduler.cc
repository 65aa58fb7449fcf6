#include "runtime/internal/scheduler.h"

#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

namespace ockam::detail {
namespace {

// Per pool thread, per running task: whose task it is, the LIFO slot and the
// batch buffer. Thread-private, so plain variables.
struct PoolThread {
  const Scheduler* scheduler = nullptr;
  Cell* slot = nullptr;
  std::array<Cell*, Scheduler::kBatch> stash{};
  std::size_t stashed = 0;
};
thread_local PoolThread tl_pool;

// oneTBB's worker threads are shared by every arena in the process, and it
// starts at most (global limit - 1) of them. Each live node adds its threads
// to the limit, so a node whose workers block cannot starve another node.
class ThreadBudget {
 public:
  static void add(std::size_t threads) { instance().change(static_cast<std::ptrdiff_t>(threads)); }
  static void remove(std::size_t threads) { instance().change(-static_cast<std::ptrdiff_t>(threads)); }

 private:
  static ThreadBudget& instance() {
    static ThreadBudget budget;
    return budget;
  }
  void change(std::ptrdiff_t delta) {
    std::lock_guard<std::mutex> lock(mu_);
    total_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(total_) + delta);
    control_.reset();
    if (total_ > 0) {
      control_ = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, total_ + 1);
    }
  }
  std::mutex mu_;
  std::size_t total_ = 0;                         // guarded by mu_
  std::unique_ptr<tbb::global_control> control_;  // guarded by mu_
};

}  // namespace

// Installs this scheduler's thread state for the task's duration.
class Scheduler::TaskScope {
 public:
  explicit TaskScope(Scheduler* s) : saved_(std::exchange(tl_pool, PoolThread{})) { tl_pool.scheduler = s; }
  ~TaskScope() { tl_pool = saved_; }

 private:
  PoolThread saved_;
};

Scheduler::Scheduler(std::size_t threads, TurnFn turn, void* owner)
    : turn_(turn), owner_(owner), threads_(threads), threads_handle_(tbb::attach{}),
      arena_(static_cast<int>(threads), /*reserved_for_masters=*/0) {
  ThreadBudget::add(threads_);
  arena_.initialize();
}

Scheduler::~Scheduler() { shutdown(); }

bool Scheduler::on_pool_thread() const { return tl_pool.scheduler == this; }

void Scheduler::schedule(Cell* cell) {
  if (!on_pool_thread()) return inject(cell);
  if (Cell* displaced = std::exchange(tl_pool.slot, cell)) stash(displaced);
}

void Scheduler::inject(Cell* cell) {
  // Count before the enqueue, so the drain task can never take a cell it has
  // not counted (pending_ would underflow and the count lose its meaning).
  const bool wake = pending_.fetch_add(1) == 0;
  injected_.enqueue(cell);
  if (wake) arena_.enqueue(tasks_.defer([this] { drain(); }));
}

void Scheduler::drain() {
  TaskScope scope(this);
  std::array<Cell*, kBatch> cells;
  for (;;) {
    const std::size_t n = injected_.try_dequeue_bulk(cells.begin(), kBatch);
    if (n == 0) {
      // Counted but not yet enqueued: the injector is between its count and
      // its enqueue, so this ends quickly.
      std::this_thread::yield();
      continue;
    }
    const bool last = pending_.fetch_sub(n) == n;
    for (std::size_t i = 0; i < n; ++i) run_one(cells[i]);
    // Cells woken meanwhile go where idle threads can steal them.
    spawn_stash();
    if (last) break;
  }
  finish_task();
}

void Scheduler::run_batch(const Batch& batch) {
  TaskScope scope(this);
  for (std::size_t i = 0; i < batch.size; ++i) run_one(batch.cells[i]);
  finish_task();
}

void Scheduler::run_one(Cell* cell) {
  turn_(owner_, cell);
  for (int i = 0; i < kSlotBudget && tl_pool.slot != nullptr; ++i) {
    turn_(owner_, std::exchange(tl_pool.slot, nullptr));
  }
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
  tasks_.run([this, batch] { run_batch(batch); });
}

void Scheduler::finish_task() {
  if (Cell* left = std::exchange(tl_pool.slot, nullptr)) stash(left);
  spawn_stash();
}

void Scheduler::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  arena_.execute([this] { tasks_.wait(); });
  arena_.terminate();
  ThreadBudget::remove(threads_);
  // Joins oneTBB's worker threads unless another node still uses them (then
  // the last one to stop joins them).
  (void)tbb::finalize(threads_handle_, std::nothrow);
}

}  // namespace ockam::detail
