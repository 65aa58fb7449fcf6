#include "runtime/internal/scheduler.h"

#include <new>
#include <utility>

namespace ockam::detail {
namespace {

// Per pool thread: the scheduler whose turn it is running, and its LIFO slot.
// Thread-private, so plain variables.
struct PoolThread {
  const Scheduler* scheduler = nullptr;
  Cell* slot = nullptr;
};
thread_local PoolThread tl_pool;

}  // namespace

Scheduler::Scheduler(std::size_t threads, TurnFn turn, void* owner)
    : turn_(turn),
      owner_(owner),
      // oneTBB gives an arena at most (global limit - 1) worker threads, and the
      // default limit is the core count: raise it so the arena gets `threads`.
      parallelism_(std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                         threads + 1)),
      threads_handle_(tbb::attach{}),
      arena_(static_cast<int>(threads), /*reserved_for_masters=*/0) {
  arena_.initialize();
}

Scheduler::~Scheduler() { shutdown(); }

bool Scheduler::on_pool_thread() const { return tl_pool.scheduler == this; }

void Scheduler::schedule(Cell* cell) {
  if (on_pool_thread()) {
    if (Cell* displaced = std::exchange(tl_pool.slot, cell)) spawn(displaced);
  } else {
    enqueue(cell);
  }
}

void Scheduler::reschedule(Cell* cell) {
  // The turn gave way after a full batch: go behind the others.
  if (on_pool_thread()) {
    spawn(cell);
  } else {
    enqueue(cell);
  }
}

void Scheduler::spawn(Cell* cell) {
  tasks_.run([this, cell] { run(cell); });
}

void Scheduler::enqueue(Cell* cell) {
  arena_.enqueue(tasks_.defer([this, cell] { run(cell); }));
}

void Scheduler::run(Cell* cell) {
  PoolThread saved = std::exchange(tl_pool, PoolThread{this, nullptr});
  turn_(owner_, cell);
  for (int i = 0; i < kSlotBudget && tl_pool.slot != nullptr; ++i) {
    turn_(owner_, std::exchange(tl_pool.slot, nullptr));
  }
  if (Cell* left = std::exchange(tl_pool.slot, nullptr)) enqueue(left);
  tl_pool = saved;
}

void Scheduler::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  arena_.execute([this] { tasks_.wait(); });
  arena_.terminate();
  parallelism_.reset();
  // Joins oneTBB's worker threads unless another node still uses them (then
  // the last one to stop joins them).
  (void)tbb::finalize(threads_handle_, std::nothrow);
}

}  // namespace ockam::detail
