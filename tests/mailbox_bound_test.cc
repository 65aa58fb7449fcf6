// Bounded mailboxes: a full one refuses at once (QueueFull) and queues
// nothing; outside the pool a sender may wait for room; a worker never does.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::Gate;
using ockam_test::kWait;

namespace {

// Parks on its first message until `release` opens, then counts.
struct Parked : ockam::Worker<int> {
  Gate* entered;
  Gate* release;
  std::atomic<int>* handled;
  Parked(Gate* e, Gate* r, std::atomic<int>* h) : entered(e), release(r), handled(h) {}
  Result<void> handle_message(Context&, Routed<int>) override {
    if (handled->fetch_add(1) == 0) {
      entered->open();
      if (!release->wait()) return ockam::Error(ockam::ErrorCode::Timeout, "never released");
    }
    return {};
  }
};

ockam::WorkerOptions capacity(std::size_t n) {
  ockam::WorkerOptions options;
  options.mailbox_capacity = n;
  return options;
}

// A node whose worker "w" holds one message: it is parked on message 0, and
// message 1 fills its mailbox.
struct FullWorker {
  Gate entered, release;
  std::atomic<int> handled{0};
  ockam::Node node;
  FullWorker() {
    REQUIRE_OK(node.start_worker("w", Parked{&entered, &release, &handled}, capacity(1)));
    REQUIRE_OK(node.send("w", 0));
    REQUIRE(entered.wait());
    REQUIRE_OK(node.send("w", 1));
  }
};

}  // namespace

TEST_CASE("the default mailbox holds 65,536 messages") { CHECK(ockam::NodeOptions{}.mailbox_capacity == 65536); }

TEST_CASE("a send to a full mailbox returns QueueFull at once and queues nothing") {
  Gate entered, release;
  std::atomic<int> handled{0};
  ockam::Node node;
  REQUIRE_OK(node.start_worker("w", Parked{&entered, &release, &handled}, capacity(10)));
  REQUIRE_OK(node.send("w", 0));  // taken out of the mailbox: the handler parks on it
  REQUIRE(entered.wait());
  for (int i = 1; i <= 10; ++i) REQUIRE_OK(node.send("w", i));
  auto refused = node.send("w", 11);
  CHECK(code_of(refused) == "QueueFull");
  CHECK_MESSAGE(ockam_test::contains(refused.error().message(), "'w' holds 10 messages"), refused.error().message());
  release.open();
  REQUIRE_OK(node.stop(kWait));
  CHECK(handled.load() == 11);  // the refused one was never queued
  CHECK(node.stats().dropped == 0);
}

TEST_CASE("NodeOptions::mailbox_capacity bounds the app's mailbox too") {
  struct Flooder : ockam::Worker<int> {
    std::atomic<int>* accepted;
    std::atomic<int>* full;
    Flooder(std::atomic<int>* a, std::atomic<int>* f) : accepted(a), full(f) {}
    Result<void> handle_message(Context& ctx, Routed<int>) override {
      for (int i = 0; i < 10; ++i) {
        auto sent = ctx.send("app", i);
        if (sent) ++*accepted;
        if (!sent && sent.error().code() == ockam::ErrorCode::QueueFull) ++*full;
      }
      return {};
    }
  };
  ockam::NodeOptions options;
  options.mailbox_capacity = 5;
  ockam::Node node(options);
  std::atomic<int> accepted{0}, full{0};
  REQUIRE_OK(node.start_worker("flooder", Flooder{&accepted, &full}));
  REQUIRE_OK(node.send("flooder", 0));
  REQUIRE(ockam_test::eventually([&] { return accepted.load() + full.load() == 10; }));
  CHECK(accepted.load() == 5);
  CHECK(full.load() == 5);
  for (int i = 0; i < 5; ++i) {
    auto got = node.receive<int>(kWait);
    REQUIRE_OK(got);
    CHECK(got.value().body() == i);
  }
}

TEST_CASE("send_waiting from outside the pool waits for room, then queues") {
  FullWorker full;
  REQUIRE(code_of(full.node.send("w", 2)) == "QueueFull");  // full now
  std::string waited;
  std::thread sender([&] { waited = code_of(full.node.send_waiting("w", 2, kWait)); });
  full.release.open();  // the worker takes 1, which makes room for 2
  sender.join();
  CHECK(waited == "ok");
  REQUIRE_OK(full.node.stop(kWait));
  CHECK(full.handled.load() == 3);
}

TEST_CASE("send_waiting gives up with QueueFull when no room comes within the timeout") {
  FullWorker full;
  CHECK(code_of(full.node.send_waiting("w", 2, 20ms)) == "QueueFull");
  CHECK(code_of(full.node.send_waiting("nobody", 2, kWait)) == "AddressNotFound");  // only a full mailbox is waited for
  full.release.open();
  REQUIRE_OK(full.node.stop(kWait));
  CHECK(full.handled.load() == 2);
}

TEST_CASE("a worker's send_waiting never blocks its pool thread: QueueFull at once") {
  // Its own mailbox holds one message: the first send to itself fills it,
  // and the second would wait for a turn that can only come after this one.
  struct Impatient : ockam::Worker<int> {
    std::string* result;
    Gate* done;
    Impatient(std::string* r, Gate* d) : result(r), done(d) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      if (msg.body() != 0) return {};
      const std::string first = code_of(ctx.send_waiting(ctx.address(), 1, 60s));
      *result = first + " " + code_of(ctx.send_waiting(ctx.address(), 2, 60s));
      done->open();
      return {};
    }
  };
  Gate done;
  std::string result;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("impatient", Impatient{&result, &done}, capacity(1)));
  REQUIRE_OK(node.send("impatient", 0));
  REQUIRE(done.wait());  // well before its 60 s
  CHECK(result == "ok QueueFull");
  REQUIRE_OK(node.stop(kWait));
}
