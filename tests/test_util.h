// Small helpers shared by the doctest suites: readable Result checks, a log
// capture that restores the previous sink, and waits that always time out
// (a broken runtime must fail a test, not hang it).
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/log.h"
#include "runtime/ockam.h"

namespace ockam_test {

using namespace std::chrono_literals;

// Generous (a wait only times out when something is broken, and TSan is
// slow) yet well inside a small test's 60 s, so a broken runtime shows up as
// a failed check with a message rather than as a Bazel TIMEOUT.
inline constexpr std::chrono::milliseconds kWait{15000};
// For the stress suites' final replies (medium tests: 300 s).
inline constexpr std::chrono::milliseconds kStressWait{120000};

// "ok", or the ErrorCode's name: comparing strings gives readable failures.
template <class R>
std::string code_of(const R& result) {
  if (result.has_value()) return "ok";
  return std::string(ockam::to_string(result.error().code()));
}

template <class R>
std::string describe(const R& result) {
  if (result.has_value()) return "ok";
  return std::string(ockam::to_string(result.error().code())) + ": " +
         result.error().message();
}

template <class T>
std::string str(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Polls a condition that the runtime makes true asynchronously; gives up
// after `timeout` so that a missing effect fails instead of hanging.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = kWait) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return condition();
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A one-shot latch with a timeout, usable from handlers and test threads.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }
  bool is_open() {
    std::lock_guard lock(mu_);
    return open_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Installs a capturing log sink and restores the previous one when destroyed.
// Declare it BEFORE the Node so the node (and its pool) is gone first.
class LogCapture {
 public:
  struct Line {
    ockam::LogLevel level;
    std::string text;
  };

  explicit LogCapture(bool keep_text = true) : keep_text_(keep_text) {
    previous_ = ockam::set_log_sink([this](ockam::LogLevel level, std::string_view text) {
      std::lock_guard lock(mu_);
      ++count_;
      if (keep_text_) lines_.push_back(Line{level, std::string(text)});
      cv_.notify_all();
    });
  }
  ~LogCapture() { ockam::set_log_sink(std::move(previous_)); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<Line> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return count_;
  }
  // Lines containing every one of `parts`.
  std::vector<std::string> matching(std::initializer_list<std::string_view> parts) {
    std::lock_guard lock(mu_);
    return matching_locked(parts);
  }
  // Waits until some line contains every one of `parts`.
  bool wait_for(std::initializer_list<std::string_view> parts,
                std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return !matching_locked(parts).empty(); });
  }
  std::string dump() {
    std::lock_guard lock(mu_);
    std::string all;
    for (const auto& line : lines_) all += line.text + "\n";
    return all;
  }

 private:
  std::vector<std::string> matching_locked(std::initializer_list<std::string_view> parts) {
    std::vector<std::string> found;
    for (const auto& line : lines_) {
      bool all = true;
      for (auto part : parts) all = all && contains(line.text, part);
      if (all) found.push_back(line.text);
    }
    return found;
  }

  bool keep_text_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Line> lines_;
  std::size_t count_ = 0;
  ockam::LogSink previous_;
};

// The log limiter's clock, stopped where the test moves it (log.h): windows
// roll when the test says so, never on their own, whatever the machine's speed.
class FakeLogClock {
 public:
  FakeLogClock() : previous_(ockam::detail::set_log_clock(&now)) {}
  ~FakeLogClock() { ockam::detail::set_log_clock(previous_); }
  FakeLogClock(const FakeLogClock&) = delete;
  FakeLogClock& operator=(const FakeLogClock&) = delete;

  // relaxed: a time value and nothing published with it; the log reads it
  // under its own lock, from whichever thread logs.
  void advance(std::chrono::milliseconds d) { ms_.fetch_add(d.count(), std::memory_order_relaxed); }

 private:
  static std::chrono::steady_clock::time_point now() {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_.load(std::memory_order_relaxed)));
  }
  static inline std::atomic<std::int64_t> ms_{0};
  ockam::detail::LogClock previous_;
};

// A log limit for one test, then the previous one again.
class ScopedLogLimit {
 public:
  explicit ScopedLogLimit(ockam::LogLimit limit) : previous_(ockam::set_log_limit(limit)) {}
  ~ScopedLogLimit() { ockam::set_log_limit(previous_); }
  ScopedLogLimit(const ScopedLogLimit&) = delete;
  ScopedLogLimit& operator=(const ScopedLogLimit&) = delete;

 private:
  ockam::LogLimit previous_;
};

// What `f` writes to fd 2 (the default log sink's stderr), read back from a
// temporary file that fd 2 points at meanwhile.
inline std::string capture_stderr(const std::function<void()>& f) {
  std::FILE* capture = std::tmpfile();
  if (capture == nullptr) return "capture_stderr: no temporary file";
  std::fflush(stderr);
  std::cerr.flush();
  struct Restore {  // also when `f` throws (a failed REQUIRE)
    int saved = dup(2);
    ~Restore() {
      std::fflush(stderr);
      std::cerr.flush();
      dup2(saved, 2);
      close(saved);
    }
  };
  {
    Restore restore;
    dup2(fileno(capture), 2);
    f();
  }
  std::string text;
  std::rewind(capture);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, capture)) > 0) text.append(buffer, n);
  std::fclose(capture);
  return text;
}

// Counts copies and moves of message bodies: local delivery must never copy.
struct CopyCounter {
  static inline std::atomic<int> copies{0};
  static inline std::atomic<int> moves{0};
  static void reset() {
    copies = 0;
    moves = 0;
  }

  int value = 0;
  explicit CopyCounter(int v) : value(v) {}
  CopyCounter(const CopyCounter& other) : value(other.value) { ++copies; }
  CopyCounter(CopyCounter&& other) noexcept : value(other.value) { ++moves; }
  CopyCounter& operator=(const CopyCounter& other) {
    value = other.value;
    ++copies;
    return *this;
  }
  CopyCounter& operator=(CopyCounter&& other) noexcept {
    value = other.value;
    ++moves;
    return *this;
  }
};

// A body that cannot be copied at all: compiling with it proves no copy path.
struct NoCopy {
  int value = 0;
  explicit NoCopy(int v) : value(v) {}
  NoCopy(const NoCopy&) = delete;
  NoCopy& operator=(const NoCopy&) = delete;
  NoCopy(NoCopy&&) noexcept = default;
  NoCopy& operator=(NoCopy&&) noexcept = default;
};

// The seed's echoer: answers every string on its return route.
struct Echoer : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

// Answers every M with the same body, moved: a round trip of any type.
template <class M>
struct BodyEcho : ockam::Worker<M> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<M> msg) override {
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

// Sends `text` on `route` from the app and returns the string that comes back,
// or a "<... failed: ...>" text naming the error: one check per round trip.
inline std::string echoed(ockam::Node& node, const ockam::Route& route, const std::string& text) {
  auto sent = node.send(route, text);
  if (!sent) return "<send failed: " + describe(sent) + ">";
  auto reply = node.receive<std::string>(kWait);
  if (!reply) return "<receive failed: " + describe(reply) + ">";
  return reply.value().body();
}

}  // namespace ockam_test

#define CHECK_OK(expr)                                                 \
  do {                                                                 \
    auto&& ockam_result_ = (expr);                                     \
    CHECK_MESSAGE(ockam_result_.has_value(), ockam_test::describe(ockam_result_)); \
  } while (0)

#define REQUIRE_OK(expr)                                               \
  do {                                                                 \
    auto&& ockam_result_ = (expr);                                     \
    REQUIRE_MESSAGE(ockam_result_.has_value(), ockam_test::describe(ockam_result_)); \
  } while (0)
