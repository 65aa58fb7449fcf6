// stop() in the middle of traffic, many times: nothing accepted is lost or
// handled twice, every shutdown runs once, and stop() returns.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::ErrorCode;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::kStressWait;

namespace {

constexpr int kRelays = 8;

// The counters are seq_cst (default) and read once stop() has returned and
// the sending threads are joined, which orders every update before the read.
struct Traffic {
  std::atomic<std::int64_t> accepted{0};  // sends that returned success
  std::atomic<std::int64_t> handled{0};   // handler calls
  std::atomic<std::int64_t> unexpected_errors{0};
  std::mutex first_unexpected_mu;
  std::string first_unexpected;  // guarded by first_unexpected_mu
  std::array<std::atomic<int>, kRelays> shutdowns{};
  std::int64_t threshold = 0;
  ockam_test::Gate busy;  // opened once `threshold` messages were handled
};

void note_handled(Traffic& traffic) {
  if (++traffic.handled == traffic.threshold) traffic.busy.open();
}

std::string relay_name(int i) { return "r" + std::to_string(i); }

// NodeStopped is the only refusal expected. No send here goes to a worker
// stopped otherwise than by stop(), which raises stopping_ before it unlinks
// any worker, and a send whose lookup fails reads stopping_ again: a send
// racing with stop() gets NodeStopped, never AddressNotFound.
void count_send(Traffic& traffic, const Result<void>& sent) {
  if (sent) {
    ++traffic.accepted;
  } else if (sent.error().code() != ErrorCode::NodeStopped) {
    if (traffic.unexpected_errors++ == 0) {
      std::lock_guard lock(traffic.first_unexpected_mu);
      traffic.first_unexpected = ockam_test::describe(sent);
    }
  }
}

void check_no_unexpected_errors(Traffic& traffic) {
  std::lock_guard lock(traffic.first_unexpected_mu);
  CHECK_MESSAGE(traffic.unexpected_errors.load() == 0, "first: " << traffic.first_unexpected);
}

// Passes a message with hops left on to another relay.
struct Relay : ockam::Worker<int> {
  Traffic* traffic;
  int index;
  Relay(Traffic* t, int i) : traffic(t), index(i) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    note_handled(*traffic);
    int hops_left = msg.body();
    if (hops_left > 0) {
      int next = (index + 1 + hops_left % 3) % kRelays;
      count_send(*traffic, ctx.send(relay_name(next), hops_left - 1));
    }
    return {};
  }
  Result<void> shutdown(Context&) override {
    ++traffic->shutdowns[index];
    return {};
  }
};

}  // namespace

TEST_CASE("stop() during relay traffic, 20 times: handled + dropped == accepted, every shutdown once") {
  ockam_test::LogCapture quiet(false);  // dropped-message logs are expected here
  const int rounds = 20;
  std::int64_t total_dropped = 0, total_handled = 0;
  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    Traffic traffic;
    traffic.threshold = static_cast<std::int64_t>(ockam_test::stress_size(20000));
    ockam::NodeOptions options;
    options.threads = 2 + round % 3;
    ockam::Node node(options);
    for (int i = 0; i < kRelays; ++i) REQUIRE_OK(node.start_worker(relay_name(i), Relay{&traffic, i}));

    // Long-lived messages keep the relays busy until stop.
    for (int i = 0; i < 32; ++i) count_send(traffic, node.send(relay_name(i % kRelays), 1 << 30));
    // Short-lived ones from another thread, right up to (and across) stop.
    std::atomic<std::int64_t> outside_tries{0};
    std::thread outside([&] {
      for (std::int64_t i = 0; i < 50'000'000; ++i) {
        // Waits for room in a full mailbox (bounded); NodeStopped still comes at once.
        auto sent = node.send_waiting(relay_name(static_cast<int>(i % kRelays)), 3, kStressWait);
        ++outside_tries;
        count_send(traffic, sent);
        if (!sent && sent.error().code() == ErrorCode::NodeStopped) return;
      }
    });

    REQUIRE_MESSAGE(traffic.busy.wait(kStressWait), "traffic never reached the threshold");
    // The traffic never ends, so the drain always times out: short deadlines,
    // and every other round the immediate stop.
    auto stopped = node.stop(round % 2 == 0 ? 0ms : 20ms);
    outside.join();
    REQUIRE_OK(stopped);

    const auto stats = node.stats();
    total_dropped += static_cast<std::int64_t>(stats.dropped);
    total_handled += traffic.handled.load();
    CHECK(traffic.handled.load() + static_cast<std::int64_t>(stats.dropped) == traffic.accepted.load());
    check_no_unexpected_errors(traffic);
    CHECK(stats.wrong_type == 0);
    CHECK(stats.handler_errors == 0);
    for (int i = 0; i < kRelays; ++i) CHECK(traffic.shutdowns[i].load() == 1);
    CHECK(code_of(node.send(relay_name(0), 1)) == "NodeStopped");
    CHECK(code_of(node.start_worker("late", Relay{&traffic, 0})) == "NodeStopped");
    CHECK_OK(node.stop());
    CHECK(traffic.shutdowns[0].load() == 1);
  }
  // Shows the test really stopped mid-traffic (drops are likely, not certain).
  MESSAGE("over " << rounds << " rounds: handled " << total_handled << ", dropped at stop " << total_dropped);
}

TEST_CASE("stop() while workers are being started and stopped keeps the counts exact") {
  // Churn: a worker starts and stops workers while messages fly; stop() lands
  // in the middle of it.
  struct Churner : ockam::Worker<int> {
    Traffic* traffic;
    std::atomic<std::int64_t>* started;
    std::atomic<std::int64_t>* churn_shutdowns;
    Churner(Traffic* t, std::atomic<std::int64_t>* s, std::atomic<std::int64_t>* c)
        : traffic(t), started(s), churn_shutdowns(c) {}
    struct Leaf : ockam::Worker<int> {
      Traffic* traffic;
      std::atomic<std::int64_t>* shutdowns;
      Leaf(Traffic* t, std::atomic<std::int64_t>* s) : traffic(t), shutdowns(s) {}
      Result<void> handle_message(Context&, Routed<int>) override {
        note_handled(*traffic);
        return {};
      }
      Result<void> shutdown(Context&) override {
        ++*shutdowns;
        return {};
      }
    };
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      note_handled(*traffic);
      int n = msg.body();
      std::string leaf = "leaf" + std::to_string(n);
      if (ctx.start_worker(leaf, Leaf{traffic, churn_shutdowns})) ++*started;
      count_send(*traffic, ctx.send(leaf, n));
      if (n % 2 == 0) (void)ctx.stop_worker(leaf);
      count_send(*traffic, ctx.send(ctx.address(), n + 1));
      return {};
    }
  };
  ockam_test::LogCapture quiet(false);
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    Traffic traffic;
    traffic.threshold = static_cast<std::int64_t>(ockam_test::stress_size(4000));
    std::atomic<std::int64_t> started{0}, churn_shutdowns{0};
    ockam::Node node;
    REQUIRE_OK(node.start_worker("churner", Churner{&traffic, &started, &churn_shutdowns}));
    count_send(traffic, node.send("churner", 0));
    REQUIRE(traffic.busy.wait(kStressWait));
    REQUIRE_OK(node.stop(round % 2 == 0 ? 0ms : 20ms));  // endless churn: see above
    CHECK(traffic.handled.load() + static_cast<std::int64_t>(node.stats().dropped) ==
          traffic.accepted.load());
    CHECK(churn_shutdowns.load() == started.load());
    check_no_unexpected_errors(traffic);
    CHECK(node.worker_count() == 0);
  }
}
