// Detached contexts (Context::new_detached): an address and a mailbox of
// their own, used from any thread as the app's is.
#include <doctest/doctest.h>

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
using ockam_test::kWait;
using ockam_test::str;

namespace {

using IntEcho = ockam_test::BodyEcho<int>;

}  // namespace

TEST_CASE("a detached context sends and receives on another thread, and its replies never reach the app") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", IntEcho{}));
  auto detached = node.new_detached("side");
  REQUIRE_OK(detached);
  std::unique_ptr<Context> side = std::move(detached).value();
  CHECK(str(side->address()) == "side");

  std::vector<int> got;
  std::string last_dst;
  std::thread other([&] {
    for (int i = 0; i < 100; ++i) {
      if (!side->send("echoer", i)) return;
      Result<Routed<int>> reply = side->receive<int>(kWait);
      if (!reply) return;
      got.push_back(reply.value().body());
      last_dst = str(reply.value().dst_addr());
    }
  });
  other.join();
  std::vector<int> expected;
  for (int i = 0; i < 100; ++i) expected.push_back(i);
  CHECK(got == expected);
  CHECK(last_dst == "side");
  CHECK(code_of(node.receive<int>(0ms)) == "Timeout");  // nothing went to the app
  CHECK(node.worker_count() == 1);                       // a detached context is no worker
  CHECK_OK(node.stop());
}

TEST_CASE("destroying a detached context frees its address and counts what was queued as dropped") {
  ockam_test::LogCapture logs;
  ockam::Node node;
  auto side = node.new_detached("side");
  REQUIRE_OK(side);
  for (int i = 0; i < 3; ++i) REQUIRE_OK(node.send("side", i));
  side.value().reset();
  CHECK(node.stats().dropped == 3);
  CHECK(logs.matching({"detached context 'side'", "3 queued"}).size() == 1);
  CHECK(code_of(node.send("side", 4)) == "AddressNotFound");
  auto again = node.new_detached("side");  // the address is free again
  REQUIRE_OK(again);
  REQUIRE_OK(node.send("side", 5));
  auto five = again.value()->receive<int>(kWait);
  REQUIRE_OK(five);
  CHECK(five.value().body() == 5);
  CHECK_OK(node.stop());
  CHECK(node.stats().dropped == 3);
}

TEST_CASE("a detached context's receive consumes a body of the wrong type, as the app's does") {
  ockam::Node node;
  auto side = node.new_detached("side");
  REQUIRE_OK(side);
  Context& ctx = *side.value();
  REQUIRE_OK(node.send("side", std::string("not an int")));
  REQUIRE_OK(node.send("side", 7));
  auto wrong = ctx.receive<int>(kWait);
  CHECK(code_of(wrong) == "WrongMessageType");
  auto seven = ctx.receive<int>(kWait);
  REQUIRE_OK(seven);
  CHECK(seven.value().body() == 7);
  CHECK(node.stats().wrong_type == 1);
  CHECK(code_of(ctx.receive<int>(1ms)) == "Timeout");
}

TEST_CASE("new_detached refuses an address in use, a reserved one and a remote one; stop_worker refuses it") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", IntEcho{}));
  auto side = node.new_detached("side");
  REQUIRE_OK(side);
  CHECK(code_of(node.new_detached("side")) == "AddressInUse");
  CHECK(code_of(node.new_detached("echoer")) == "AddressInUse");
  CHECK(code_of(node.new_detached("app")) == "AddressInUse");
  CHECK(code_of(node.start_worker("side", IntEcho{})) == "AddressInUse");
  CHECK(code_of(node.new_detached("~1")) == "InvalidAddress");
  CHECK(code_of(node.new_detached("1#127.0.0.1:4000")) == "InvalidAddress");
  CHECK(code_of(node.new_detached("")) == "InvalidAddress");
  auto stopped = node.stop_worker("side");
  CHECK(code_of(stopped) == "AccessDenied");
  CHECK(ockam_test::contains(stopped.error().message(), "detached context"));
  REQUIRE_OK(node.send("side", 1));  // still there
  CHECK(side.value()->receive<int>(kWait).value().body() == 1);
}

TEST_CASE("at the node's stop a blocked receive returns NodeStopped, the queue is counted, and the context may outlive the node") {
  std::unique_ptr<Context> outlives;
  std::string blocked_result;
  {
    ockam::Node node;
    auto waiting = node.new_detached("waiting");
    REQUIRE_OK(waiting);
    auto full = node.new_detached("full");
    REQUIRE_OK(full);
    for (int i = 0; i < 2; ++i) REQUIRE_OK(node.send("full", i));
    // Blocked or not yet, the receive ends in NodeStopped once stop() runs.
    std::thread receiver([&] { blocked_result = code_of(waiting.value()->receive<int>(60s)); });
    CHECK_OK(node.stop());
    receiver.join();
    CHECK(node.stats().dropped == 2);
    CHECK(code_of(full.value()->receive<int>(0ms)) == "NodeStopped");
    CHECK(code_of(full.value()->send("waiting", 1)) == "NodeStopped");
    CHECK(code_of(node.new_detached("late")) == "NodeStopped");
    outlives = std::move(full).value();
  }  // the node is gone; `waiting` went with it in scope
  CHECK(blocked_result == "NodeStopped");
  outlives.reset();  // safe after the node (ASan checks)
}

TEST_CASE("detached contexts on several threads each get their own replies, in order") {
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  REQUIRE_OK(node.start_worker("echoer", IntEcho{}));
  constexpr int kThreads = 4;
  const int per_thread = static_cast<int>(ockam_test::stress_size(2000));
  std::vector<int> in_order(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto ctx = node.new_detached("side" + std::to_string(t));
      if (!ctx) return;
      for (int i = 0; i < per_thread; ++i) {
        if (!ctx.value()->send("echoer", t * 1'000'000 + i)) return;
        auto reply = ctx.value()->receive<int>(kWait);
        if (!reply || reply.value().body() != t * 1'000'000 + i) return;
        ++in_order[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) CHECK(in_order[t] == per_thread);
  CHECK_OK(node.stop());
  CHECK(node.stats().dropped == 0);
}
