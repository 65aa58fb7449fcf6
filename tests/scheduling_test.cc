// Scheduling properties a user can observe: batching gives way to others.
#include <doctest/doctest.h>

#include <atomic>
#include <string>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::kWait;

TEST_CASE("on a one-thread node a flooded worker gives way after a batch, so another worker is not starved") {
  // DESIGN.md: "A turn handles at most a batch of messages, then reschedules
  // if more are waiting (fairness)". The flooded worker parks on its first
  // message until the flood and the other worker's message are all queued.
  struct Flooded : ockam::Worker<int> {
    ockam_test::Gate* entered;
    ockam_test::Gate* release;
    std::atomic<int>* handled;
    Flooded(ockam_test::Gate* e, ockam_test::Gate* r, std::atomic<int>* h) : entered(e), release(r), handled(h) {}
    Result<void> handle_message(Context&, Routed<int> msg) override {
      if (msg.body() == 0) {
        entered->open();
        release->wait();
      }
      ++*handled;
      return {};
    }
  };
  struct Other : ockam::Worker<int> {
    std::atomic<int>* flooded_handled;
    explicit Other(std::atomic<int>* h) : flooded_handled(h) {}
    Result<void> handle_message(Context& ctx, Routed<int>) override {
      return ctx.send("app", flooded_handled->load());
    }
  };
  const int flood = 20000;
  ockam_test::Gate entered, release;
  std::atomic<int> handled{0};
  ockam::NodeOptions options;
  options.threads = 1;
  options.max_batch = 64;
  ockam::Node node(options);
  REQUIRE_OK(node.start_worker("flooded", Flooded{&entered, &release, &handled}));
  REQUIRE_OK(node.start_worker("other", Other{&handled}));
  REQUIRE_OK(node.send("flooded", 0));
  REQUIRE(entered.wait());
  for (int i = 1; i <= flood; ++i) REQUIRE_OK(node.send("flooded", i));
  REQUIRE_OK(node.send("other", 0));
  release.open();
  auto seen = node.receive<int>(kWait);
  REQUIRE_OK(seen);
  // Some batches may run first, but not the whole flood.
  CHECK_MESSAGE(seen.value().body() < flood / 2,
                "the other worker ran only after " << seen.value().body() << " of " << flood + 1
                                                    << " flooded messages");
}

namespace {

// Counts what it handles: the consumer behind a producer below.
struct Consumer : ockam::Worker<int> {
  std::atomic<int>* handled;
  explicit Consumer(std::atomic<int>* h) : handled(h) {}
  Result<void> handle_message(Context&, Routed<int>) override {
    handled->fetch_add(1);
    return {};
  }
};

}  // namespace

TEST_CASE("a worker woken by a handler that keeps sending to it runs on the other thread before that handler returns") {
  // The woken worker waits in the sending thread's LIFO slot, which no other
  // thread can take; past Scheduler::kSlotPatience sends it is handed on. The
  // producer sends a few hundred messages, then waits inside its handler for
  // the consumer to have handled one: only the other pool thread can run it
  // then. Without the hand-on the wait ends in a timeout.
  struct Producer : ockam::Worker<int> {
    std::atomic<int>* handled;
    explicit Producer(std::atomic<int>* h) : handled(h) {}
    Result<void> handle_message(Context& ctx, Routed<int>) override {
      for (int i = 0; i < 300; ++i) {
        if (Result<void> sent = ctx.send("consumer", i); !sent) return sent;
      }
      const bool progressed = ockam_test::eventually([&] { return handled->load() > 0; });
      return ctx.send("app", progressed ? 1 : 0);
    }
  };
  std::atomic<int> handled{0};
  ockam::NodeOptions options;
  options.threads = 2;
  options.mailbox_capacity = 1000;
  ockam::Node node(options);
  REQUIRE_OK(node.start_worker("consumer", Consumer{&handled}));
  REQUIRE_OK(node.start_worker("producer", Producer{&handled}));
  REQUIRE_OK(node.send("producer", 0));
  auto progressed = node.receive<int>(ockam_test::kStressWait);
  REQUIRE_OK(progressed);
  CHECK_MESSAGE(progressed.value().body() == 1, "the consumer handled nothing while its producer's handler ran");
  REQUIRE(ockam_test::eventually([&] { return handled.load() == 300; }));
  REQUIRE_OK(node.stop());
  CHECK(node.stats().dropped == 0);
}

TEST_CASE("a worker sent to the back of the run queue runs on the other thread while a long turn goes on") {
  // The producer's turn comes from the run queue (the app woke it) and
  // lasts until its consumer has handled every message. The consumer's
  // turns end after max_batch messages and go to the back of the run
  // queue: behind the very drain task that runs the producer's turn, unless
  // that task gave up the drainer's role before running it. Without that,
  // the consumer stops after its first turns and the wait ends in a timeout.
  constexpr int kFlood = 1000;  // many turns' worth: max_batch is 8 below
  struct Producer : ockam::Worker<int> {
    std::atomic<int>* handled;
    explicit Producer(std::atomic<int>* h) : handled(h) {}
    Result<void> handle_message(Context& ctx, Routed<int>) override {
      for (int i = 0; i < kFlood; ++i) {
        if (Result<void> sent = ctx.send("consumer", i); !sent) return sent;
      }
      const bool all = ockam_test::eventually([&] { return handled->load() == kFlood; });
      return ctx.send("app", all ? 1 : 0);
    }
  };
  std::atomic<int> handled{0};
  ockam::NodeOptions options;
  options.threads = 2;
  options.max_batch = 8;
  options.mailbox_capacity = 2 * kFlood;
  ockam::Node node(options);
  REQUIRE_OK(node.start_worker("consumer", Consumer{&handled}));
  REQUIRE_OK(node.start_worker("producer", Producer{&handled}));
  REQUIRE_OK(node.send("producer", 0));
  auto all = node.receive<int>(ockam_test::kStressWait);
  REQUIRE_OK(all);
  CHECK_MESSAGE(all.value().body() == 1, "the consumer stopped at " << handled.load() << " of " << kFlood
                                                                    << " while its producer's turn ran");
  REQUIRE_OK(node.stop());
  CHECK(node.stats().dropped == 0);
}
