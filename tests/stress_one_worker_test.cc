// Many senders, one worker: exactly-once, per-sender order, one call at a time.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::kStressWait;

namespace {

struct Tagged {
  int sender;
  std::int64_t seq;
};

// Everything it records is plain state: the runtime's one-call-at-a-time
// guarantee is what keeps it consistent (TSan checks that it really is).
struct Sink : ockam::Worker<Tagged> {
  std::atomic<int>* in_flight;
  std::atomic<int>* max_in_flight;
  std::vector<std::int64_t> next_seq;  // per sender: the seq expected next
  std::int64_t total = 0;
  std::int64_t out_of_order = 0;
  std::int64_t expected_total;
  Sink(std::atomic<int>* f, std::atomic<int>* m, int senders, std::int64_t expected)
      : in_flight(f), max_in_flight(m), next_seq(senders, 0), expected_total(expected) {}

  Result<void> handle_message(Context& ctx, Routed<Tagged> msg) override {
    int now = ++*in_flight;
    int seen = max_in_flight->load();
    while (now > seen && !max_in_flight->compare_exchange_weak(seen, now)) {
    }
    const Tagged& tag = msg.body();
    // seq == expected next: neither duplicated, skipped nor reordered.
    if (tag.sender < 0 || tag.sender >= static_cast<int>(next_seq.size()) ||
        tag.seq != next_seq[tag.sender]) {
      ++out_of_order;
    } else {
      ++next_seq[tag.sender];
    }
    ++total;
    Result<void> result = {};
    if (total == expected_total) {
      result = ctx.send("app", std::to_string(total) + " " + std::to_string(out_of_order));
    }
    --*in_flight;
    return result;
  }
};

std::string expected_report(std::int64_t total) { return std::to_string(total) + " 0"; }

}  // namespace

TEST_CASE("5 threads sending to one worker: each message handled once, in per-sender order, one call at a time") {
  const int senders = 5;
  const auto per_sender = static_cast<std::int64_t>(ockam_test::stress_size(40000));
  const std::int64_t total = senders * per_sender;
  std::atomic<int> in_flight{0}, max_in_flight{0};
  std::atomic<std::int64_t> failed_sends{0};

  ockam::Node node;
  REQUIRE_OK(node.start_worker("sink", Sink{&in_flight, &max_in_flight, senders, total}));
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      // The sink's mailbox is bounded: a sender outside the pool waits for room.
      for (std::int64_t i = 0; i < per_sender; ++i) {
        if (!node.send_waiting("sink", Tagged{s, i}, kStressWait)) ++failed_sends;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(failed_sends.load() == 0);

  auto report = node.receive<std::string>(kStressWait);
  REQUIRE_OK(report);
  CHECK(report.value().body() == expected_report(total));
  CHECK(max_in_flight.load() == 1);
  REQUIRE_OK(node.stop());
  CHECK(node.stats().dropped == 0);
  CHECK(node.stats().wrong_type == 0);
  CHECK(node.stats().handler_errors == 0);
}

TEST_CASE("5 workers sending to one worker from the pool: each handled once, in per-sender order") {
  // Producers are workers themselves: sends come from pool threads, and the
  // sink runs on the same pool, so batching and stealing interleave with it.
  // A worker never waits for room: on QueueFull it sends itself where to
  // resume and gives way (its message to itself queues behind the sink's).
  struct Producer : ockam::Worker<std::int64_t> {
    int id;
    std::int64_t count;
    std::atomic<std::int64_t>* full;
    Producer(int i, std::int64_t c, std::atomic<std::int64_t>* f) : id(i), count(c), full(f) {}
    Result<void> handle_message(Context& ctx, Routed<std::int64_t> msg) override {
      for (std::int64_t i = msg.body(); i < count; ++i) {
        auto sent = ctx.send("sink", Tagged{id, i});
        if (sent) continue;
        if (sent.error().code() != ockam::ErrorCode::QueueFull) return sent;
        ++*full;
        return ctx.send(ctx.address(), i);
      }
      return {};
    }
  };
  const int senders = 5;
  const auto per_sender = static_cast<std::int64_t>(ockam_test::stress_size(20000));
  const std::int64_t total = senders * per_sender;
  std::atomic<int> in_flight{0}, max_in_flight{0};

  ockam::NodeOptions options;
  options.threads = 4;
  ockam::Node node(options);
  REQUIRE_OK(node.start_worker("sink", Sink{&in_flight, &max_in_flight, senders, total}));
  std::atomic<std::int64_t> full{0};
  for (int s = 0; s < senders; ++s) {
    REQUIRE_OK(node.start_worker("p" + std::to_string(s), Producer{s, per_sender, &full}));
  }
  for (int s = 0; s < senders; ++s) REQUIRE_OK(node.send("p" + std::to_string(s), std::int64_t{0}));

  auto report = node.receive<std::string>(kStressWait);
  REQUIRE_OK(report);
  CHECK(report.value().body() == expected_report(total));
  CHECK(max_in_flight.load() == 1);
  CHECK(node.stats().handler_errors == 0);
  MESSAGE(full.load() << " sends found the sink's mailbox full and resumed later");
}

TEST_CASE("senders spread over a worker's two addresses still see one call at a time and per-sender order") {
  const int senders = 4;  // 0,1 -> "left", 2,3 -> "right"
  const auto per_sender = static_cast<std::int64_t>(ockam_test::stress_size(20000));
  const std::int64_t total = senders * per_sender;
  std::atomic<int> in_flight{0}, max_in_flight{0};
  std::atomic<std::int64_t> failed_sends{0};

  ockam::Node node;
  REQUIRE_OK(node.start_worker(std::vector<Address>{"left", "right"},
                               Sink{&in_flight, &max_in_flight, senders, total}));
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      const char* to = s < 2 ? "left" : "right";
      for (std::int64_t i = 0; i < per_sender; ++i) {
        if (!node.send_waiting(to, Tagged{s, i}, kStressWait)) ++failed_sends;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(failed_sends.load() == 0);
  auto report = node.receive<std::string>(kStressWait);
  REQUIRE_OK(report);
  CHECK(report.value().body() == expected_report(total));
  CHECK(max_in_flight.load() == 1);
}
