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
