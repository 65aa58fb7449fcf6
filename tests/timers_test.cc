// Timers (Context::send_after, Timer::cancel): one timer thread per node.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::kStressWait;
using ockam_test::kWait;
using ockam_test::str;

namespace {

// On "tick <delay>" sets a timer that sends "tock" back to the sender.
struct Ticker : ockam::Worker<std::string> {
  Result<void> handle_message(Context& ctx, Routed<std::string> msg) override {
    auto timer = ctx.send_after(10ms, msg.return_route(), std::string("tock"));
    if (!timer) return timer.error();
    return {};
  }
};

// Counts each id it gets. `seen` and `duplicates` are the worker's own
// (read by the test after stop()); `received` is polled while it runs.
struct Tally {
  explicit Tally(std::size_t n) : seen(n, 0) {}
  std::vector<std::uint8_t> seen;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_range = 0;
  std::atomic<std::uint64_t> received{0};
};
struct Counter : ockam::Worker<std::uint32_t> {
  Tally* tally;
  explicit Counter(Tally* t) : tally(t) {}
  Result<void> handle_message(Context&, Routed<std::uint32_t> msg) override {
    const std::uint32_t id = msg.body();
    if (id >= tally->seen.size()) {
      ++tally->out_of_range;
    } else if (tally->seen[id]++ != 0) {
      ++tally->duplicates;
    }
    tally->received.fetch_add(1, std::memory_order_relaxed);  // relaxed: polled; exact after stop()
    return {};
  }
};

}  // namespace

TEST_CASE("a timer sends its message after the delay, from the context that set it") {
  ockam::Node node;
  const auto before = std::chrono::steady_clock::now();
  auto timer = node.context().send_after(30ms, "app", 7);
  REQUIRE_OK(timer);
  auto seven = node.receive<int>(kWait);
  REQUIRE_OK(seven);
  CHECK(std::chrono::steady_clock::now() - before >= 30ms);
  CHECK(seven.value().body() == 7);
  CHECK(str(seven.value().return_route()) == str(ockam::Route{"app"}));
  CHECK_FALSE(timer.value().cancel());  // after firing: harmless, false

  REQUIRE_OK(node.start_worker("ticker", Ticker{}));
  REQUIRE_OK(node.send("ticker", std::string("tick")));
  auto tock = node.receive<std::string>(kWait);
  REQUIRE_OK(tock);
  CHECK(tock.value().body() == "tock");
  CHECK(str(tock.value().src_addr()) == "ticker");
  CHECK_OK(node.stop());
  CHECK(node.stats().timers_pending == 0);
  CHECK(node.stats().timers_dropped == 0);
}

TEST_CASE("timers with one delay fire in the order set, and a nearer deadline set later fires first") {
  ockam::Node node;
  auto far = node.context().send_after(1h, "app", -1);
  REQUIRE_OK(far);
  // A deadline is now() + delay, and steady_clock never goes back: equal
  // delays give deadlines in the order set, ties broken by that order.
  for (int i = 0; i < 100; ++i) REQUIRE_OK(node.context().send_after(5ms, "app", i));
  std::vector<int> order, expected;
  for (int i = 0; i < 100; ++i) {
    expected.push_back(i);
    auto next = node.receive<int>(kWait);
    REQUIRE_OK(next);
    order.push_back(next.value().body());
  }
  CHECK(order == expected);
  CHECK(far.value().cancel());  // the hour-long one never came first
}

TEST_CASE("a cancelled timer never delivers, also when the cancel races the firing") {
  ockam::Node node;
  const std::size_t n = ockam_test::stress_size(20000);
  std::vector<ockam::Timer> timers;
  timers.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto timer = node.context().send_after(std::chrono::milliseconds(i % 3), "app", static_cast<int>(i));
    REQUIRE_OK(timer);
    timers.push_back(timer.value());
  }
  // Cancelled on another thread while the timer thread fires them.
  std::vector<std::uint8_t> cancelled(n, 0);
  std::thread canceller([&] {
    for (std::size_t i = 0; i < n; ++i) cancelled[i] = timers[i].cancel() ? 1 : 0;
  });
  canceller.join();
  std::size_t expected = 0;
  for (std::uint8_t c : cancelled) expected += c == 0;
  std::vector<std::uint8_t> got(n, 0);
  std::size_t wrong = 0;
  for (std::size_t k = 0; k < expected; ++k) {
    auto message = node.receive<int>(kWait);
    REQUIRE_OK(message);
    const auto id = static_cast<std::size_t>(message.value().body());
    if (cancelled[id] != 0 || got[id]++ != 0) ++wrong;
  }
  CHECK(wrong == 0);
  REQUIRE(ockam_test::eventually([&] { return node.stats().timers_pending == 0; }));
  CHECK(code_of(node.receive<int>(0ms)) == "Timeout");  // every timer is decided: nothing else comes
  for (std::size_t i = 0; i < n; ++i) CHECK_FALSE(timers[i].cancel());
  CHECK(node.stats().timers_dropped == 0);
  CHECK(ockam::Timer{}.cancel() == false);
}

TEST_CASE("1,000,000 timers set from two threads are all fired or cancelled, none lost or doubled") {
  const std::size_t n = ockam_test::stress_size(1'000'000);
  Tally tally(n);
  std::vector<std::uint8_t> cancelled(n, 0);
  {
    ockam::Node node(ockam::NodeOptions{.threads = 2});
    ockam::WorkerOptions roomy;
    roomy.mailbox_capacity = n + 1;  // a burst of fires never meets QueueFull
    REQUIRE_OK(node.start_worker("counter", Counter{&tally}, roomy));
    auto side = node.new_detached("side");
    REQUIRE_OK(side);
    // Thread t sets ids t, t+2, ...; cancels every third of its own, at once.
    std::atomic<std::size_t> failures{0};
    auto set = [&](Context& ctx, std::size_t first) {
      for (std::size_t id = first; id < n; id += 2) {
        auto timer = ctx.send_after(std::chrono::milliseconds(id % 50), "counter", static_cast<std::uint32_t>(id));
        if (!timer) {
          failures.fetch_add(1, std::memory_order_relaxed);  // relaxed: read after join()
          continue;
        }
        if (id % 3 == 0) cancelled[id] = timer.value().cancel() ? 1 : 0;
      }
    };
    std::thread other([&] { set(*side.value(), 1); });
    set(node.context(), 0);
    other.join();
    CHECK(failures.load() == 0);
    std::uint64_t expected = 0;
    for (std::uint8_t c : cancelled) expected += c == 0;
    REQUIRE(ockam_test::eventually([&] { return tally.received.load(std::memory_order_relaxed) >= expected; },
                                   kStressWait));
    CHECK_OK(node.stop());
    CHECK(tally.received.load() == expected);
    CHECK(node.stats().timers_pending == 0);
    CHECK(node.stats().timers_dropped == 0);
    CHECK(node.stats().dropped == 0);
  }
  CHECK(tally.duplicates == 0);
  CHECK(tally.out_of_range == 0);
  std::size_t mismatched = 0;  // fired exactly when not cancelled
  for (std::size_t id = 0; id < n; ++id) mismatched += (tally.seen[id] == 1) != (cancelled[id] == 0);
  CHECK(mismatched == 0);
}

TEST_CASE("timers still pending at the stop are dropped and counted; after it send_after is NodeStopped") {
  ockam::Node node;
  std::vector<ockam::Timer> timers;
  for (int i = 0; i < 10; ++i) {
    auto timer = node.context().send_after(1h, "app", i);
    REQUIRE_OK(timer);
    timers.push_back(timer.value());
  }
  CHECK(timers[0].cancel());
  CHECK(node.stats().timers_pending == 9);
  CHECK_OK(node.stop());
  CHECK(node.stats().timers_pending == 0);
  CHECK(node.stats().timers_dropped == 9);
  for (auto& timer : timers) CHECK_FALSE(timer.cancel());
  CHECK(code_of(node.context().send_after(1ms, "app", 1)) == "NodeStopped");
}

TEST_CASE("a timer whose send is refused when it fires is counted as dropped and logged") {
  ockam_test::LogCapture logs;
  ockam::Node node;
  REQUIRE_OK(node.context().send_after(0ms, "nobody", 1));
  REQUIRE(ockam_test::eventually([&] { return node.stats().timers_dropped == 1; }));
  CHECK(logs.wait_for({"a timer of 'app' fired", "'nobody'", "AddressNotFound"}));
  CHECK(code_of(node.context().send_after(0ms, ockam::Route{}, 1)) == "InvalidAddress");  // checked at once
}

TEST_CASE("a timer outlives its node: cancel() after the node is gone is false and safe") {
  ockam::Timer timer;
  {
    ockam::Node node;
    auto set = node.context().send_after(1h, "app", std::string("never"));
    REQUIRE_OK(set);
    timer = set.value();
  }
  CHECK_FALSE(timer.cancel());
}
