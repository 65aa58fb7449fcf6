// Several nodes in one process: each has its own addresses, workers, pool and
// counters, and nodes can come and go while others run.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::kWait;

namespace {

// Replies with its tag, so a reply tells which node's worker answered.
struct Tagger : ockam::Worker<int> {
  std::string tag;
  explicit Tagger(std::string t) : tag(std::move(t)) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    if (msg.body() < 0) return ockam::Error(ockam::ErrorCode::WorkerFailed, "asked to fail");
    return ctx.send(msg.return_route(), tag + ":" + std::to_string(msg.body()));
  }
};

}  // namespace

TEST_CASE("two nodes have separate address spaces, workers and counters") {
  ockam_test::LogCapture logs;
  ockam::Node first;
  ockam::Node second;
  REQUIRE_OK(first.start_worker("echoer", Tagger{"first"}));
  REQUIRE_OK(second.start_worker("echoer", Tagger{"second"}));  // same name, other node
  REQUIRE_OK(second.start_worker("only-second", Tagger{"second"}));
  CHECK(first.worker_count() == 1);
  CHECK(second.worker_count() == 2);
  CHECK(code_of(first.send("only-second", 1)) == "AddressNotFound");

  REQUIRE_OK(first.send("echoer", 1));
  REQUIRE_OK(second.send("echoer", 2));
  auto from_second = second.receive<std::string>(kWait);
  auto from_first = first.receive<std::string>(kWait);
  REQUIRE_OK(from_first);
  REQUIRE_OK(from_second);
  CHECK(from_first.value().body() == "first:1");
  CHECK(from_second.value().body() == "second:2");

  REQUIRE_OK(second.send("echoer", -1));
  REQUIRE_OK(second.send("echoer", 3));
  REQUIRE_OK(second.receive<std::string>(kWait));
  CHECK(second.stats().handler_errors == 1);
  CHECK(first.stats().handler_errors == 0);

  // Stopping one leaves the other running.
  REQUIRE_OK(second.stop());
  REQUIRE_OK(first.send("echoer", 4));
  auto still = first.receive<std::string>(kWait);
  REQUIRE_OK(still);
  CHECK(still.value().body() == "first:4");
}

TEST_CASE("nodes with different thread counts run side by side") {
  std::vector<std::unique_ptr<ockam::Node>> nodes;
  for (std::size_t threads : {1, 2, 4}) {
    ockam::NodeOptions options;
    options.threads = threads;
    nodes.push_back(std::make_unique<ockam::Node>(options));
    REQUIRE_OK(nodes.back()->start_worker("w", Tagger{"t" + std::to_string(threads)}));
  }
  for (int round = 0; round < 100; ++round) {
    for (auto& node : nodes) REQUIRE_OK(node->send("w", round));
    for (auto& node : nodes) {
      auto reply = node->receive<std::string>(kWait);
      REQUIRE_OK(reply);
      CHECK(ockam_test::contains(reply.value().body(), ":" + std::to_string(round)));
    }
  }
  // Stop in creation order: the first node's pool goes while the others still run.
  for (auto& node : nodes) {
    REQUIRE_OK(node->send("w", 7));
    REQUIRE_OK(node->receive<std::string>(kWait));
    REQUIRE_OK(node->stop());
  }
}

TEST_CASE("a handler blocked in one node does not stall another node") {
  // NodeOptions::threads is per node: a one-thread node whose only thread is
  // busy must not take the other node's threads with it.
  struct Blocker : ockam::Worker<int> {
    ockam_test::Gate* entered;
    ockam_test::Gate* release;
    Blocker(ockam_test::Gate* e, ockam_test::Gate* r) : entered(e), release(r) {}
    Result<void> handle_message(Context&, Routed<int>) override {
      entered->open();
      release->wait();
      return {};
    }
  };
  ockam_test::Gate entered, release;
  ockam::NodeOptions one;
  one.threads = 1;
  ockam::Node blocked(one);
  ockam::NodeOptions two;
  two.threads = 2;
  ockam::Node other(two);
  REQUIRE_OK(blocked.start_worker("blocker", Blocker{&entered, &release}));
  REQUIRE_OK(other.start_worker("w", Tagger{"other"}));
  REQUIRE_OK(blocked.send("blocker", 0));
  REQUIRE(entered.wait());
  REQUIRE_OK(other.send("w", 1));
  auto reply = other.receive<std::string>(std::chrono::seconds(5));
  release.open();
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "other:1");
}

TEST_CASE("a node can be created, used and destroyed many times in a row") {
  for (int i = 0; i < 30; ++i) {
    CAPTURE(i);
    ockam::Node node;
    REQUIRE_OK(node.start_worker("w", Tagger{"n"}));
    REQUIRE_OK(node.send("w", i));
    auto reply = node.receive<std::string>(kWait);
    REQUIRE_OK(reply);
    CHECK(reply.value().body() == "n:" + std::to_string(i));
  }
}

TEST_CASE("nodes on separate threads work independently at the same time") {
  const int threads = 3;
  std::atomic<int> failures{0};
  std::vector<std::thread> runners;
  for (int t = 0; t < threads; ++t) {
    runners.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        ockam::NodeOptions options;
        options.threads = 2;
        ockam::Node node(options);
        if (!node.start_worker("w", Tagger{std::to_string(t)})) ++failures;
        for (int i = 0; i < 100; ++i) {
          if (!node.send("w", i)) ++failures;
          auto reply = node.receive<std::string>(kWait);
          if (!reply || reply.value().body() != std::to_string(t) + ":" + std::to_string(i)) ++failures;
        }
        if (!node.stop()) ++failures;
      }
    });
  }
  for (auto& runner : runners) runner.join();
  CHECK(failures.load() == 0);
}
