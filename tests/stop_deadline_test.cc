// stop(timeout): the drain (workers handle what is queued), its deadline,
// and a stop that gives up on a handler that does not return.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::Gate;

namespace {

// Each message is 0.1 ms of work (the handler's own time, not a wait for
// anything); the first one parks until every message is queued.
struct Slow : ockam::Worker<int> {
  std::atomic<int>* handled;
  std::atomic<int>* shut_down;
  Gate* all_queued;
  Slow(std::atomic<int>* h, std::atomic<int>* s, Gate* q) : handled(h), shut_down(s), all_queued(q) {}
  Result<void> handle_message(Context&, Routed<int> msg) override {
    if (msg.body() == 0 && !all_queued->wait()) return ockam::Error(ockam::ErrorCode::Timeout, "never all queued");
    std::this_thread::sleep_for(100us);
    ++*handled;
    return {};
  }
  Result<void> shutdown(Context&) override {
    ++*shut_down;
    return {};
  }
};

constexpr int kQueued = 10000;

// A node with one Slow worker, "slow".
struct SlowNode {
  std::atomic<int> handled{0}, shut_down{0};
  Gate all_queued;
  ockam::Node node;
  explicit SlowNode(ockam::NodeOptions options = {}) : node(options) {
    REQUIRE_OK(node.start_worker("slow", Slow{&handled, &shut_down, &all_queued}));
  }
  // Queues n messages; message 0 waits until all are in.
  void queue(int n) {
    for (int i = 0; i < n; ++i) REQUIRE_OK(node.send("slow", i));
    all_queued.open();
  }
};

}  // namespace

TEST_CASE("stop(5s) lets a worker handle all of its 10,000 queued messages: nothing is dropped") {
  SlowNode slow;
  slow.queue(kQueued);
  REQUIRE_OK(slow.node.stop(5s));
  CHECK(slow.handled.load() == kQueued);
  CHECK(slow.node.stats().dropped == 0);
  CHECK(slow.node.stats().handler_errors == 0);
  CHECK(slow.shut_down.load() == 1);
}

TEST_CASE("stop(10ms) stops a worker with 10,000 slow messages queued, counting the unhandled ones as dropped") {
  ockam_test::LogCapture logs;
  SlowNode slow;
  slow.queue(kQueued);
  REQUIRE_OK(slow.node.stop(10ms));
  CHECK(slow.handled.load() < kQueued);
  CHECK(slow.handled.load() + static_cast<int>(slow.node.stats().dropped) == kQueued);
  CHECK(slow.shut_down.load() == 1);
  CHECK(logs.matching({"worker 'slow' stopped with", "dropped"}).size() == 1);
}

TEST_CASE("during the drain, workers' sends to each other are delivered and sends from outside get NodeStopped") {
  // "first" passes each message on to "second"; both have work queued when
  // stop() begins, and every message reaches "second".
  struct Passer : ockam::Worker<int> {
    Gate* all_queued;
    explicit Passer(Gate* q) : all_queued(q) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      if (msg.body() == 0 && !all_queued->wait()) return ockam::Error(ockam::ErrorCode::Timeout, "never all queued");
      return ctx.send("second", msg.body());
    }
  };
  struct Counter : ockam::Worker<int> {
    std::atomic<int>* count;
    explicit Counter(std::atomic<int>* c) : count(c) {}
    Result<void> handle_message(Context&, Routed<int>) override {
      ++*count;
      return {};
    }
  };
  std::atomic<int> reached{0};
  Gate all_queued;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("first", Passer{&all_queued}));
  REQUIRE_OK(node.start_worker("second", Counter{&reached}));
  constexpr int kMessages = 2000;
  for (int i = 0; i < kMessages; ++i) REQUIRE_OK(node.send("first", i));
  std::string outside;
  std::thread opener([&] {
    // "first" is parked on message 0, so the drain cannot be over yet. (No
    // worker holds "nobody": before the stop the answer is AddressNotFound.)
    const bool refused = ockam_test::eventually([&] { return code_of(node.send("nobody", -1)) == "NodeStopped"; });
    outside = refused ? "NodeStopped" : "never refused";
    all_queued.open();
  });
  REQUIRE_OK(node.stop(ockam_test::kWait));
  opener.join();
  CHECK(outside == "NodeStopped");
  CHECK(reached.load() == kMessages);
  CHECK(node.stats().dropped == 0);
  CHECK(node.stats().handler_errors == 0);
}

TEST_CASE("stop(200ms) returns Timeout, naming the worker, when a handler does not return; the node then refuses calls") {
  ockam_test::LogCapture logs(false);
  Gate entered, release;
  std::atomic<int> shut_down{0};
  struct Stuck : ockam::Worker<int> {
    Gate* entered;
    Gate* release;
    std::atomic<int>* shut_down;
    Stuck(Gate* e, Gate* r, std::atomic<int>* s) : entered(e), release(r), shut_down(s) {}
    Result<void> handle_message(Context&, Routed<int>) override {
      entered->open();
      (void)release->wait(30s);  // checked below: the second stop() must succeed
      return {};
    }
    Result<void> shutdown(Context&) override {
      ++*shut_down;
      return {};
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("stuck", Stuck{&entered, &release, &shut_down}));
  REQUIRE_OK(node.send("stuck", 1));
  REQUIRE(entered.wait());
  const auto before = std::chrono::steady_clock::now();
  auto stopped = node.stop(200ms);
  const auto took = std::chrono::steady_clock::now() - before;
  CHECK(code_of(stopped) == "Timeout");
  CHECK(ockam_test::contains(ockam_test::describe(stopped), "'stuck'"));
  // Drain and shutdown phases of 200 ms each: it returned without the handler.
  CHECK_MESSAGE(took < 2s, "stop(200ms) took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                               << " ms");
  CHECK(code_of(node.send("stuck", 2)) == "NodeStopped");
  CHECK(code_of(node.start_worker("late", Stuck{&entered, &release, &shut_down})) == "NodeStopped");
  CHECK(code_of(node.stop_worker("stuck")) == "NodeStopped");
  CHECK(code_of(node.receive<int>(10ms)) == "NodeStopped");
  CHECK(shut_down.load() == 0);  // its handler is still running
  release.open();
  CHECK_OK(node.stop(ockam_test::kWait));  // waits for the handler this time
  CHECK(shut_down.load() == 1);
}

TEST_CASE("a ring of workers passing tokens forever stops within the timeout") {
  struct Link : ockam::Worker<int> {
    std::string next;
    std::atomic<long>* handled;
    std::atomic<long>* accepted;
    Link(std::string n, std::atomic<long>* h, std::atomic<long>* a) : next(std::move(n)), handled(h), accepted(a) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      ++*handled;
      if (ctx.send(next, msg.body())) ++*accepted;
      return {};
    }
  };
  ockam_test::LogCapture logs(false);
  constexpr int kLinks = 100, kTokens = 10;
  std::atomic<long> handled{0}, accepted{kTokens};
  ockam::Node node;
  for (int i = 0; i < kLinks; ++i) {
    REQUIRE_OK(node.start_worker("link" + std::to_string(i),
                                 Link{"link" + std::to_string((i + 1) % kLinks), &handled, &accepted}));
  }
  for (int t = 0; t < kTokens; ++t) REQUIRE_OK(node.send("link" + std::to_string(t * (kLinks / kTokens)), t));
  REQUIRE(ockam_test::eventually([&] { return handled.load() >= 10 * kLinks; }));
  REQUIRE_OK(node.stop(100ms));  // the drain never ends by itself; the deadline ends it
  CHECK(handled.load() + static_cast<long>(node.stats().dropped) == accepted.load());
  CHECK(node.worker_count() == 0);
}

TEST_CASE("stop(0ms) stops at once: queued messages are dropped and every shutdown runs") {
  ockam_test::LogCapture logs(false);
  SlowNode slow;
  for (int i = 0; i < 100; ++i) REQUIRE_OK(slow.node.send("slow", i));
  bool refused = false;
  std::thread opener([&] {
    refused = ockam_test::eventually([&] { return code_of(slow.node.send("nobody", -1)) == "NodeStopped"; });
    slow.all_queued.open();  // message 0 finishes; the other 99 are behind the claim
  });
  REQUIRE_OK(slow.node.stop(0ms));
  opener.join();
  CHECK(refused);
  CHECK(slow.handled.load() + static_cast<int>(slow.node.stats().dropped) == 100);
  CHECK(slow.node.stats().dropped >= 99);
  CHECK(slow.shut_down.load() == 1);
}

TEST_CASE("NodeOptions::stop_timeout is what stop() and the destructor wait, and defaults to one second") {
  CHECK(ockam::NodeOptions{}.stop_timeout == 1s);
  std::atomic<int> handled{0}, shut_down{0};
  Gate all_queued;
  {
    ockam::NodeOptions options;
    options.stop_timeout = 5s;
    ockam::Node node(options);
    REQUIRE_OK(node.start_worker("slow", Slow{&handled, &shut_down, &all_queued}));
    for (int i = 0; i < 1000; ++i) REQUIRE_OK(node.send("slow", i));
    all_queued.open();
  }  // the destructor drains: 1,000 x 0.1 ms fits in 5 s
  CHECK(handled.load() == 1000);
  CHECK(shut_down.load() == 1);
}
