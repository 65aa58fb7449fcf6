// Timer: what Context::send_after returns, to cancel the message it will send.
#ifndef OCKAM_RUNTIME_TIMER_H_
#define OCKAM_RUNTIME_TIMER_H_

#include <memory>

namespace ockam {

namespace detail {
struct TimerEntry;
}

// A handle on one timer. Copies share it; a default-constructed Timer has
// none. Dropping every handle does not cancel the timer.
class Timer {
 public:
  Timer() = default;

  // True if this call stopped the timer before it fired: its message is
  // never delivered, and its body is destroyed now, on this thread. False,
  // and nothing happens, if it has fired already (its message was sent, or
  // refused), was cancelled before, or was dropped by the node's stop; and
  // for a Timer that has none. So cancelling after firing is harmless.
  // Any thread, any number of times; also after the node is gone.
  bool cancel();

 private:
  friend struct TimerAccess;
  explicit Timer(std::shared_ptr<detail::TimerEntry> entry) : entry_(std::move(entry)) {}
  std::shared_ptr<detail::TimerEntry> entry_;
};

// The runtime's way to make a Timer.
struct TimerAccess {
  static Timer make(std::shared_ptr<detail::TimerEntry> entry) { return Timer(std::move(entry)); }
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_TIMER_H_
