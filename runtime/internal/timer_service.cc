#include "runtime/internal/timer_service.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "runtime/timer.h"

namespace ockam {

bool Timer::cancel() { return entry_ != nullptr && entry_->cancel(); }

namespace detail {

bool TimerEntry::cancel() {
  if (!settle(kCancelling)) return false;
  service->pending_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a count (pending())
  // INVARIANT no late touch: the last touch of the service is above.
  state.store(kCancelled, std::memory_order_release);  // pairs with wait_settled()'s acquire
  discard();
  return true;
}

void TimerEntry::wait_settled() const {
  // acquire: pairs with cancel()'s release store of kCancelled.
  while (state.load(std::memory_order_acquire) == kCancelling) std::this_thread::yield();
}

Result<void> TimerService::add(Clock::time_point deadline, std::shared_ptr<TimerEntry> entry) {
  entry->service = this;
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return Error(ErrorCode::NodeStopped, "the node is stopped: no new timers");
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  const bool earliest = heap_.empty() || deadline < heap_.front().deadline;
  heap_.push_back(Slot{deadline, next_seq_++, std::move(entry)});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  pending_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count (pending())
  if (earliest) cv_.notify_one();
  return {};
}

void TimerService::run() {
  std::vector<std::shared_ptr<TimerEntry>> due;
  due.reserve(kFireBatch);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const Clock::time_point now = Clock::now();
    // A copy: the heap may grow (and move) while the wait lets go of mu_.
    const Clock::time_point earliest = heap_.front().deadline;
    if (now < earliest) {
      cv_.wait_until(lock, earliest);
      continue;
    }
    while (!heap_.empty() && heap_.front().deadline <= now && due.size() < kFireBatch) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      due.push_back(std::move(heap_.back().entry));
      heap_.pop_back();
    }
    lock.unlock();  // firing sends: no lock held, so setters never wait for it
    for (std::shared_ptr<TimerEntry>& entry : due) {
      if (entry->settle(TimerEntry::kFired)) {
        pending_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a count (pending())
        entry->fire();
      } else {
        entry->wait_settled();  // INVARIANT no late touch
      }
    }
    due.clear();
    lock.lock();
  }
}

void TimerService::stop() {
  std::vector<Slot> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();  // after the batch in hand
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(heap_);
  }
  for (Slot& slot : left) {
    if (slot.entry->settle(TimerEntry::kDropped)) {
      pending_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a count (pending())
      dropped_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count (dropped())
      slot.entry->discard();
    } else {
      slot.entry->wait_settled();  // INVARIANT no late touch
    }
  }
}

}  // namespace detail
}  // namespace ockam
