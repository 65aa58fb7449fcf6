#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
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
using ockam_test::kWait;

namespace {

struct ShutdownCounter : ockam::Worker<int> {
  std::atomic<int>* shutdowns;
  explicit ShutdownCounter(std::atomic<int>* s) : shutdowns(s) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    return ctx.send(msg.return_route(), msg.body());
  }
  Result<void> shutdown(Context&) override {
    ++*shutdowns;
    return {};
  }
};

}  // namespace

TEST_CASE("stop runs every worker's shutdown exactly once and returns") {
  std::atomic<int> shutdowns{0};
  ockam::Node node;
  for (int i = 0; i < 50; ++i) REQUIRE_OK(node.start_worker("w" + std::to_string(i), ShutdownCounter{&shutdowns}));
  REQUIRE_OK(node.send("w7", 7));
  REQUIRE_OK(node.receive<int>(kWait));
  REQUIRE_OK(node.stop());
  CHECK(shutdowns.load() == 50);
  CHECK(node.worker_count() == 0);
}

TEST_CASE("stop is idempotent: a second stop succeeds and runs nothing again") {
  std::atomic<int> shutdowns{0};
  ockam::Node node;
  REQUIRE_OK(node.start_worker("w", ShutdownCounter{&shutdowns}));
  CHECK_OK(node.stop());
  CHECK_OK(node.stop());
  CHECK(shutdowns.load() == 1);
}

TEST_CASE("the node's destructor stops it, running every shutdown") {
  std::atomic<int> shutdowns{0};
  {
    ockam::Node node;
    for (int i = 0; i < 5; ++i) REQUIRE_OK(node.start_worker("w" + std::to_string(i), ShutdownCounter{&shutdowns}));
  }
  CHECK(shutdowns.load() == 5);
}

TEST_CASE("a node with no workers stops at once, and a stopped node destructs cleanly") {
  ockam::Node node;
  CHECK_OK(node.stop());
}

TEST_CASE("sends after stop return NodeStopped, from the app and from other threads") {
  ockam::Node node;
  std::atomic<int> shutdowns{0};
  REQUIRE_OK(node.start_worker("w", ShutdownCounter{&shutdowns}));
  REQUIRE_OK(node.stop());
  CHECK(code_of(node.send("w", 1)) == "NodeStopped");
  std::string from_thread;
  std::thread other([&] { from_thread = code_of(node.send("w", 2)); });
  other.join();
  CHECK(from_thread == "NodeStopped");
}

TEST_CASE("stop lets the message in hand finish before shutdown runs") {
  // The handler parks on a gate; a helper thread opens it only once stop has
  // begun (sends fail with NodeStopped), so stop must wait for the handler.
  struct Parked : ockam::Worker<int> {
    ockam_test::Gate* entered;
    ockam_test::Gate* release;
    std::vector<std::string>* events;
    Parked(ockam_test::Gate* e, ockam_test::Gate* r, std::vector<std::string>* ev)
        : entered(e), release(r), events(ev) {}
    Result<void> handle_message(Context&, Routed<int>) override {
      events->push_back("begin");
      entered->open();
      bool opened = release->wait();
      events->push_back(opened ? "end" : "end (gate timed out)");
      return {};
    }
    Result<void> shutdown(Context&) override {
      events->push_back("shutdown");
      return {};
    }
  };
  ockam_test::LogCapture logs;
  ockam_test::Gate entered, release;
  std::vector<std::string> events;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("parked", Parked{&entered, &release, &events}));
  REQUIRE_OK(node.send("parked", 1));
  REQUIRE(entered.wait());
  bool saw_stop = false;
  std::thread opener([&] {
    // No worker holds "nobody": AddressNotFound until the stop begins.
    saw_stop = ockam_test::eventually([&] { return code_of(node.send("nobody", 2)) == "NodeStopped"; });
    release.open();
  });
  auto stopped = node.stop();
  // stop() returned: every thread is joined, so the plain vector is safe to read.
  opener.join();
  CHECK_MESSAGE(saw_stop, "sends from outside never got NodeStopped during stop()");
  CHECK_OK(stopped);
  REQUIRE(events.size() == 3);
  CHECK(events[0] == "begin");
  CHECK(events[1] == "end");
  CHECK(events[2] == "shutdown");
}

TEST_CASE("a handler sending while the node stops gets success or NodeStopped, and its message is never lost") {
  // A ping-pong pair keeps traffic going until stop, whose drain therefore
  // always times out. NodeStopped means "the node is stopping or stopped",
  // so a send racing with stop() must not see AddressNotFound for a peer
  // that stop() is taking down.
  struct Unexpected {
    std::mutex mu;
    int count = 0;
    std::string first;
  };
  struct Pinger : ockam::Worker<int> {
    ockam::Address peer;
    Unexpected* unexpected;
    std::atomic<int>* rounds;
    std::atomic<int>* accepted;
    Pinger(const char* p, Unexpected* u, std::atomic<int>* r, std::atomic<int>* a)
        : peer(p), unexpected(u), rounds(r), accepted(a) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      ++*rounds;
      auto sent = ctx.send(peer, msg.body() + 1);
      if (sent) {
        ++*accepted;
      } else if (sent.error().code() != ockam::ErrorCode::NodeStopped) {
        std::lock_guard lock(unexpected->mu);
        if (unexpected->count++ == 0) unexpected->first = ockam_test::describe(sent);
      }
      return {};
    }
  };
  ockam_test::LogCapture logs(false);
  for (int round = 0; round < 20; ++round) {
    CAPTURE(round);
    Unexpected unexpected;
    std::atomic<int> rounds{0};
    std::atomic<int> accepted{1};  // the app's first send
    ockam::Node node;
    REQUIRE_OK(node.start_worker("ping", Pinger{"pong", &unexpected, &rounds, &accepted}));
    REQUIRE_OK(node.start_worker("pong", Pinger{"ping", &unexpected, &rounds, &accepted}));
    REQUIRE_OK(node.send("ping", 0));
    REQUIRE(ockam_test::eventually([&] { return rounds.load() >= 200; }));
    REQUIRE_OK(node.stop(round % 2 == 0 ? 0ms : 10ms));
    CHECK_MESSAGE(unexpected.count == 0, "first unexpected send result: " << unexpected.first);
    // Every accepted message was handled or dropped (stop() joined the pool,
    // so the counts are final).
    CHECK(rounds.load() + static_cast<int>(node.stats().dropped) == accepted.load());
  }
}
