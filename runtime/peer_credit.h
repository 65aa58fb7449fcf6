// PeerCredit: how much of the node's memory one peer's messages hold, so
// that a transport can stop reading from a peer that sends faster than the
// node handles (TCP's window then slows the peer down).
//
// A transport makes one per connection, with a limit in bytes and a
// callback. Each message it hands the node (deliver_from_peer) takes a
// charge, the envelope's size plus the body's bytes, and gives it back when
// the body leaves the node's memory: decoded for its worker just before the
// handler runs (or by receive()), written into another connection's buffer
// by a relay hop, or dropped. Once exhausted(), the transport stops reading
// and calls pause(); on_room runs once the charges held are down to half
// the limit, and the transport reads again.
//
// Concurrency contract:
//   take(), exhausted(), pause(): the connection's one reader (an I/O
//     thread), never two at once.
//   give(): any thread, wherever a message ends (through CreditHold).
//   on_room: runs on the thread of the give() that made room, at most once
//     per pause() that returned true; it must not block (a transport posts
//     to its reader).
//
// The pair that loses no wake-up: pause() stores paused_ and then loads
// used_; give() subtracts from used_ and then loads paused_ (all seq_cst).
// In the one total order, either pause() sees the room, or give() sees
// paused_ set; the exchange on paused_ lets exactly one of them resume.
#ifndef OCKAM_RUNTIME_PEER_CREDIT_H_
#define OCKAM_RUNTIME_PEER_CREDIT_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

namespace ockam {

class PeerCredit {
 public:
  // Precondition: limit > 0.
  PeerCredit(std::size_t limit, std::function<void()> on_room) : limit_(limit), on_room_(std::move(on_room)) {}
  PeerCredit(const PeerCredit&) = delete;
  PeerCredit& operator=(const PeerCredit&) = delete;

  std::size_t limit() const { return limit_; }
  // Bytes charged and not yet given back: exact on the reader once every
  // give() it waits for happened before, a snapshot elsewhere.
  std::size_t held() const {
    // relaxed: a figure for stats and tests; no decision of the pair uses it.
    return used_.load(std::memory_order_relaxed);
  }

  void take(std::size_t n) {
    // seq_cst: the reader's half of the pair (an RMW costs the same either
    // way on x86).
    used_.fetch_add(n);
  }
  bool exhausted() const {
    // seq_cst: see take().
    return used_.load() >= limit_;
  }
  // Reader, after exhausted(): true if it must stop reading until on_room
  // runs; false if room was made meanwhile (read on).
  bool pause() {
    // seq_cst, both: the reader's half of the pair above.
    paused_.store(true);
    if (used_.load() > low_water()) return true;
    // Room was made meanwhile. If a give() took the pause first, on_room
    // runs anyway, so the reader waits for it rather than resume twice.
    return !paused_.exchange(false);
  }
  void give(std::size_t n) {
    // seq_cst, both: the giver's half of the pair above.
    const std::size_t left = used_.fetch_sub(n) - n;
    if (left <= low_water() && paused_.load() && paused_.exchange(false)) on_room_();
  }

 private:
  // Resume at half the limit, so that a paused reader is woken once per
  // half a limit's worth of handled messages, not once per message.
  std::size_t low_water() const { return limit_ / 2; }

  const std::size_t limit_;
  const std::function<void()> on_room_;
  // Bytes charged: the reader adds, any thread subtracts.
  std::atomic<std::size_t> used_{0};
  // The reader stopped and waits for on_room: set by pause(), cleared by
  // whichever of pause() and give() resumes it.
  std::atomic<bool> paused_{false};
};

// A charge on a PeerCredit, given back when the hold is destroyed. Move-only;
// an empty hold (no credit) charges nothing.
class CreditHold {
 public:
  CreditHold() = default;
  CreditHold(std::shared_ptr<PeerCredit> credit, std::size_t n) : credit_(std::move(credit)), n_(n) {
    if (credit_) credit_->take(n_);
  }
  CreditHold(CreditHold&& other) noexcept : credit_(std::move(other.credit_)), n_(std::exchange(other.n_, 0)) {}
  CreditHold& operator=(CreditHold&& other) noexcept {
    if (this != &other) {
      release();
      credit_ = std::move(other.credit_);
      n_ = std::exchange(other.n_, 0);
    }
    return *this;
  }
  ~CreditHold() { release(); }

  void release() {
    if (credit_) std::exchange(credit_, nullptr)->give(n_);
    n_ = 0;
  }

 private:
  std::shared_ptr<PeerCredit> credit_;
  std::size_t n_ = 0;
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_PEER_CREDIT_H_
