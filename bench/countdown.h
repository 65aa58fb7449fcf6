// Counts events down to zero; the benchmark thread waits for zero without
// sleeping, and a lost message becomes a timeout, not a hang.
#ifndef OCKAM_BENCH_COUNTDOWN_H_
#define OCKAM_BENCH_COUNTDOWN_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace ockam_bench {

constexpr std::chrono::minutes kTimeout{10};

class Countdown {
 public:
  void reset(std::int64_t n) {
    std::lock_guard<std::mutex> guard(mutex_);
    zero_seen_ = n <= 0;
    left_.store(n);
  }
  void count_one() {
    // seq_cst (default): one RMW per counted event, the measured work's only
    // shared write. The last one flags zero under the mutex: the waiter
    // returns only after that, so the Countdown may die as soon as wait()
    // returns (a waiter that read `left_` itself could return while the last
    // counter was still about to lock a destroyed mutex).
    if (left_.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> guard(mutex_);
      zero_seen_ = true;
      zero_.notify_all();
    }
  }
  // false: timed out with events missing.
  [[nodiscard]] bool wait() {
    std::unique_lock<std::mutex> guard(mutex_);
    return zero_.wait_for(guard, kTimeout, [this] { return zero_seen_; });
  }
  std::int64_t left() const { return left_.load(); }

 private:
  std::atomic<std::int64_t> left_{0};
  std::mutex mutex_;
  std::condition_variable zero_;
  bool zero_seen_ = false;  // guarded by mutex_
};

inline std::string missing(const Countdown& c, const char* what) {
  return std::to_string(c.left()) + " " + what + " missing after " + std::to_string(kTimeout.count()) + " min";
}

}  // namespace ockam_bench

#endif  // OCKAM_BENCH_COUNTDOWN_H_
