// INTERNAL. Wakes senders outside the pool that wait for room in a full
// mailbox (Context::send_waiting). One per node; it also holds the node's
// mailbox capacity, the bound of every mailbox without one of its own.
//
// Concurrency contract:
//   * freed(): a mailbox's consumer, after it took a message from a mailbox
//     that was full (Cell::take()).
//   * Waiter: a sender outside the pool. It reads generation(), registers
//     (Waiting), tries its send, and only then wait()s for a generation
//     after the one it read: a room freed after the read is never missed.
//
// The pair that makes it so: a waiter's registration (waiters_, seq_cst)
// comes before its admission attempt (Cell::queued, seq_cst); a consumer's
// release of a place (Cell::queued, seq_cst) comes before its read of
// waiters_ (seq_cst). In the one total order either the attempt sees the
// freed place, or the consumer sees the waiter and bumps the generation.
#ifndef OCKAM_RUNTIME_INTERNAL_ROOM_SIGNAL_H_
#define OCKAM_RUNTIME_INTERNAL_ROOM_SIGNAL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace ockam::detail {

class RoomSignal {
 public:
  // `default_capacity`: the node's mailbox capacity, what a mailbox without
  // its own (Cell::capacity) holds at most.
  explicit RoomSignal(std::uint32_t default_capacity) : default_capacity_(default_capacity) {}
  std::uint32_t default_capacity() const { return default_capacity_; }

  void freed() {
    // seq_cst: the consumer's half of the pair above.
    if (waiters_.load() == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    cv_.notify_all();
  }

  std::uint64_t generation() {
    std::lock_guard<std::mutex> lock(mu_);
    return generation_;
  }
  // True once a room was freed after `seen`; false at the deadline.
  bool wait(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return generation_ != seen; });
  }

  // Registered for as long as it lives.
  class Waiting {
   public:
    // seq_cst: the waiter's half of the pair above.
    explicit Waiting(RoomSignal& room) : room_(room) { room_.waiters_.fetch_add(1); }
    ~Waiting() { room_.waiters_.fetch_sub(1); }  // seq_cst: see the constructor
    Waiting(const Waiting&) = delete;
    Waiting& operator=(const Waiting&) = delete;

   private:
    RoomSignal& room_;
  };

 private:
  const std::uint32_t default_capacity_;
  std::atomic<int> waiters_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;  // guarded by mu_
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_ROOM_SIGNAL_H_
