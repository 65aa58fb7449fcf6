// The app's own mailbox under load: many threads and many workers send to
// "app"; receive() gets each message once, in per-sender order.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::kStressWait;

namespace {
struct Tagged {
  int sender;
  std::int64_t seq;
};
}  // namespace

TEST_CASE("4 threads sending to the app: each message received once, in per-sender order") {
  const int senders = 4;
  const auto per_sender = static_cast<std::int64_t>(ockam_test::stress_size(20000));
  ockam::Node node;
  std::atomic<std::int64_t> failed_sends{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      for (std::int64_t i = 0; i < per_sender; ++i) {
        // The app's mailbox is bounded: wait for room while it receives.
        if (!node.send_waiting("app", Tagged{s, i}, kStressWait)) ++failed_sends;
      }
    });
  }
  // Receive while the senders are still sending: the app's wake-up path races with them.
  std::vector<std::int64_t> next(senders, 0);
  std::int64_t out_of_order = 0;
  std::string receive_error;
  for (std::int64_t n = 0; n < senders * per_sender; ++n) {
    auto message = node.receive<Tagged>(kStressWait);
    if (!message) {
      receive_error = ockam_test::describe(message);
      break;
    }
    const Tagged& tag = message.value().body();
    if (tag.seq != next[tag.sender]) ++out_of_order;
    next[tag.sender] = tag.seq + 1;
  }
  for (auto& thread : threads) thread.join();
  CHECK_MESSAGE(receive_error.empty(), receive_error);
  CHECK(failed_sends.load() == 0);
  CHECK(out_of_order == 0);
  for (int s = 0; s < senders; ++s) CHECK(next[s] == per_sender);
  // Nothing extra is left.
  CHECK(ockam_test::code_of(node.receive<Tagged>(std::chrono::milliseconds(50))) == "Timeout");
}

TEST_CASE("1000 workers replying to the app at once: every reply arrives exactly once") {
  struct Replier : ockam::Worker<int> {
    int id;
    explicit Replier(int i) : id(i) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      for (int k = 0; k < msg.body(); ++k) {
        auto sent = ctx.send(msg.return_route(), Tagged{id, k});
        if (!sent) return sent;
      }
      return {};
    }
  };
  const int workers = 1000;
  const int replies_each = static_cast<int>(ockam_test::stress_size(20));
  ockam::NodeOptions options;
  options.threads = 4;
  ockam::Node node(options);
  for (int w = 0; w < workers; ++w) REQUIRE_OK(node.start_worker("r" + std::to_string(w), Replier{w}));
  for (int w = 0; w < workers; ++w) REQUIRE_OK(node.send("r" + std::to_string(w), replies_each));
  std::vector<int> next(workers, 0);
  int out_of_order = 0;
  for (int n = 0; n < workers * replies_each; ++n) {
    auto message = node.receive<Tagged>(kStressWait);
    REQUIRE_OK(message);
    const Tagged& tag = message.value().body();
    REQUIRE(tag.sender >= 0);
    REQUIRE(tag.sender < workers);
    if (tag.seq != next[tag.sender]) ++out_of_order;
    next[tag.sender] = static_cast<int>(tag.seq) + 1;
  }
  CHECK(out_of_order == 0);
  for (int w = 0; w < workers; ++w) REQUIRE(next[w] == replies_each);
  CHECK(ockam_test::code_of(node.receive<Tagged>(std::chrono::milliseconds(50))) == "Timeout");
  CHECK(node.stats().handler_errors == 0);
}
