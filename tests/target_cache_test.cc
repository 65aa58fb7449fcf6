// A worker's sends go through its TargetCache (runtime/internal/target_cache.h):
// the cell its last send reached. These check that the cache never outlives
// what it points to: a stop, a restart at the same address, other targets,
// stops racing sends. (A stop that removes the address while a send holds
// the cached cell is forced by the seam in runtime/internal/lifecycle_test.cc.)
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::eventually;
using ockam_test::kWait;

namespace {

// Tells the app who it is, for every message.
struct Tagger : ockam::Worker<int> {
  int id;
  explicit Tagger(int i) : id(i) {}
  Result<void> handle_message(Context& ctx, Routed<int>) override { return ctx.send("app", id); }
};

// Sends each message on to targets[n % size]; tells the app the code of a
// failed send as -1.
struct Relay : ockam::Worker<int> {
  std::vector<Address> targets;
  std::atomic<std::int64_t>* sent_ok;
  std::atomic<std::int64_t>* handled;
  Relay(std::vector<Address> t, std::atomic<std::int64_t>* ok, std::atomic<std::int64_t>* h)
      : targets(std::move(t)), sent_ok(ok), handled(h) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    const Address& to = targets[static_cast<std::size_t>(msg.body()) % targets.size()];
    Result<void> r = ctx.send(to, msg.body());
    if (r) {
      sent_ok->fetch_add(1, std::memory_order_relaxed);
    } else if (r.error().code() == ockam::ErrorCode::AddressNotFound) {
      (void)ctx.send("app", -1);
    }
    handled->fetch_add(1, std::memory_order_relaxed);
    return {};
  }
};

struct Counting : ockam::Worker<int> {
  std::atomic<std::int64_t>* handled;
  explicit Counting(std::atomic<std::int64_t>* h) : handled(h) {}
  Result<void> handle_message(Context&, Routed<int>) override {
    handled->fetch_add(1, std::memory_order_relaxed);
    return {};
  }
};

int received(ockam::Node& node) {
  auto r = node.receive<int>(kWait);
  return r ? r.value().body() : -100;
}

}  // namespace

TEST_CASE("a worker sending to one address again reaches the worker restarted there") {
  ockam::Node node;
  std::atomic<std::int64_t> ok{0}, handled{0};
  REQUIRE(node.start_worker("target", Tagger{1}));
  REQUIRE(node.start_worker("relay", Relay{{"target"}, &ok, &handled}));
  REQUIRE(node.send("relay", 0));
  CHECK(received(node) == 1);
  for (int incarnation = 2; incarnation <= 20; ++incarnation) {
    REQUIRE(node.stop_worker("target"));
    REQUIRE(code_of(node.start_worker("target", Tagger{incarnation})) == "ok");
    REQUIRE(node.send("relay", 0));
    CHECK(received(node) == incarnation);
  }
  CHECK(ok.load() == 20);
}

TEST_CASE("a worker's send to an address whose worker stopped fails though it sent there before") {
  ockam::Node node;
  std::atomic<std::int64_t> ok{0}, handled{0};
  REQUIRE(node.start_worker("target", Tagger{7}));
  REQUIRE(node.start_worker("relay", Relay{{"target"}, &ok, &handled}));
  REQUIRE(node.send("relay", 0));
  CHECK(received(node) == 7);
  REQUIRE(node.stop_worker("target"));
  REQUIRE(node.send("relay", 0));
  CHECK(received(node) == -1);
  CHECK(ok.load() == 1);
}

TEST_CASE("a worker alternating between addresses reaches each one every time") {
  ockam::Node node;
  std::atomic<std::int64_t> ok{0}, handled{0};
  constexpr int kTargets = 3;
  constexpr int kMessages = 3000;
  std::atomic<std::int64_t> counts[kTargets] = {};
  std::vector<Address> targets;
  for (int i = 0; i < kTargets; ++i) {
    targets.emplace_back("t" + std::to_string(i));
    REQUIRE(node.start_worker(targets.back(), Counting{&counts[i]}));
  }
  REQUIRE(node.start_worker("relay", Relay{targets, &ok, &handled}));
  for (int n = 0; n < kMessages; ++n) REQUIRE(node.send("relay", n));
  REQUIRE(eventually([&] {
    return counts[0].load() + counts[1].load() + counts[2].load() == kMessages;
  }));
  for (auto& c : counts) CHECK(c.load() == kMessages / kTargets);
}

// Every send the relay saw succeed reached some incarnation of "target": it
// was handled there, or dropped (and counted) by that incarnation's stop.
TEST_CASE("stops and restarts racing a worker's cached sends lose no message") {
  const auto rounds = static_cast<int>(ockam_test::stress_size(400));
  constexpr int kBurst = 64;
  std::atomic<std::int64_t> ok{0}, relayed{0}, target_handled{0};
  std::uint64_t dropped = 0;
  std::int64_t sent_to_relay = 0;
  {
    ockam::Node node;
    REQUIRE(node.start_worker("target", Counting{&target_handled}));
    REQUIRE(node.start_worker("relay", Relay{{"target"}, &ok, &relayed}));
    for (int round = 0; round < rounds; ++round) {
      for (int i = 0; i < kBurst; ++i) {
        if (node.send("relay", 0)) ++sent_to_relay;
      }
      REQUIRE(node.stop_worker("target"));
      // The relay may send between the stop and the restart: AddressNotFound,
      // reported to the app; drained below.
      REQUIRE(code_of(node.start_worker("target", Counting{&target_handled})) == "ok");
    }
    REQUIRE(eventually([&] { return relayed.load() == sent_to_relay; }));
    while (node.receive<int>(std::chrono::milliseconds(0))) {
    }
    REQUIRE(node.stop_worker("target"));
    REQUIRE(node.stop());
    dropped = node.stats().dropped;
  }
  CHECK(ok.load() == target_handled.load() + static_cast<std::int64_t>(dropped));
  CHECK(ok.load() > 0);
}
