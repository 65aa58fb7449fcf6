#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::Echoer;
using ockam_test::kWait;
using ockam_test::str;

namespace {

// Records every call. Plain (non-atomic) vector: the runtime's guarantee that
// calls never overlap and see each other's writes is what makes this safe.
struct Journal : ockam::Worker<int> {
  std::vector<std::string>* events;
  int reply_at;
  explicit Journal(std::vector<std::string>* e, int reply_at_count = -1)
      : events(e), reply_at(reply_at_count) {}
  Result<void> initialize(Context& ctx) override {
    events->push_back("init@" + str(ctx.address()));
    return {};
  }
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    events->push_back("msg" + std::to_string(msg.body()));
    if (msg.body() == reply_at) return ctx.send("app", reply_at);
    return {};
  }
  Result<void> shutdown(Context& ctx) override {
    events->push_back("shutdown@" + str(ctx.address()));
    return {};
  }
};


}  // namespace

TEST_CASE("initialize runs before the first message and shutdown after the last") {
  std::vector<std::string> events;
  const int count = 100;
  {
    ockam::Node node;
    REQUIRE_OK(node.start_worker("journal", Journal{&events, count - 1}));
    // Sent right after start_worker: queued until initialize has run.
    for (int i = 0; i < count; ++i) REQUIRE_OK(node.send("journal", i));
    REQUIRE_OK(node.receive<int>(kWait));
    REQUIRE_OK(node.stop());
  }
  REQUIRE(events.size() == count + 2);
  CHECK(events.front() == "init@journal");
  for (int i = 0; i < count; ++i) CHECK(events[i + 1] == "msg" + std::to_string(i));
  CHECK(events.back() == "shutdown@journal");
}

TEST_CASE("stop_worker runs shutdown once, after the worker's last message") {
  std::vector<std::string> events;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("journal", Journal{&events, 2}));
  for (int i = 0; i < 3; ++i) REQUIRE_OK(node.send("journal", i));
  REQUIRE_OK(node.receive<int>(kWait));
  REQUIRE_OK(node.stop_worker("journal"));
  REQUIRE_OK(node.stop());  // joins the pool: shutdown has run by now
  REQUIRE(events.size() == 5);
  CHECK(events[0] == "init@journal");
  CHECK(events[3] == "msg2");
  CHECK(events[4] == "shutdown@journal");
}

TEST_CASE("each call sees the writes of the previous one, whatever thread runs it") {
  // Plain state mutated in every call while several threads send: a missing
  // happens-before between turns is a data race TSan reports.
  struct Accumulator : ockam::Worker<int> {
    long long* total_out;
    int expected;
    long long sum = 0;         // plain, touched by every turn
    std::vector<int> history;  // plain, reallocated across turns
    bool initialized = false;
    Accumulator(long long* out, int expected_count) : total_out(out), expected(expected_count) {}
    Result<void> initialize(Context&) override {
      initialized = true;
      history.reserve(1);
      return {};
    }
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      if (!initialized) return ockam::Error(ockam::ErrorCode::WorkerFailed, "not initialized");
      sum += msg.body();
      history.push_back(msg.body());
      if (static_cast<int>(history.size()) == expected) return ctx.send("app", sum);
      return {};
    }
    Result<void> shutdown(Context&) override {
      *total_out = sum + static_cast<long long>(history.size());
      return {};
    }
  };
  const int threads = 4;
  const int per_thread = 2500;
  long long at_shutdown = -1;
  {
    ockam::Node node;
    REQUIRE_OK(node.start_worker("acc", Accumulator{&at_shutdown, threads * per_thread}));
    std::vector<std::thread> senders;
    std::atomic<int> failures{0};
    for (int t = 0; t < threads; ++t) {
      senders.emplace_back([&] {
        for (int i = 1; i <= per_thread; ++i) {
          if (!node.send("acc", i)) ++failures;
        }
      });
    }
    for (auto& sender : senders) sender.join();
    REQUIRE(failures.load() == 0);
    auto reply = node.receive<long long>(kWait);
    REQUIRE_OK(reply);
    const long long expected = threads * (static_cast<long long>(per_thread) * (per_thread + 1) / 2);
    CHECK(reply.value().body() == expected);
    REQUIRE_OK(node.stop());
    CHECK(at_shutdown == expected + threads * per_thread);
  }
}

TEST_CASE("a worker started with several addresses gets messages on each, one at a time") {
  struct Multi : ockam::Worker<int> {
    std::atomic<int>* in_flight;
    std::atomic<int>* max_in_flight;
    int handled = 0;  // plain: one-at-a-time must hold across addresses
    int expected;
    Multi(std::atomic<int>* f, std::atomic<int>* m, int e) : in_flight(f), max_in_flight(m), expected(e) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      int now = ++*in_flight;
      int seen = max_in_flight->load();
      while (now > seen && !max_in_flight->compare_exchange_weak(seen, now)) {
      }
      ++handled;
      Result<void> result = {};
      if (msg.body() < 0) {
        result = ctx.send("app", "self=" + str(ctx.address()) + " dst=" + str(msg.dst_addr()));
      } else if (handled == expected) {
        result = ctx.send("app", std::string("done"));
      }
      --*in_flight;
      return result;
    }
  };
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  const int per_address = 3000;
  ockam::Node node;
  REQUIRE_OK(node.start_worker(std::vector<Address>{"a", "b"},
                               Multi{&in_flight, &max_in_flight, 2 + 2 * per_address}));
  CHECK(node.worker_count() == 1);
  REQUIRE_OK(node.send("a", -1));
  auto via_a = node.receive<std::string>(kWait);
  REQUIRE_OK(via_a);
  CHECK(via_a.value().body() == "self=a dst=a");
  REQUIRE_OK(node.send("b", -1));
  auto via_b = node.receive<std::string>(kWait);
  REQUIRE_OK(via_b);
  CHECK(via_b.value().body() == "self=a dst=b");

  std::thread to_a([&] {
    for (int i = 0; i < per_address; ++i) (void)node.send("a", i);
  });
  std::thread to_b([&] {
    for (int i = 0; i < per_address; ++i) (void)node.send("b", i);
  });
  to_a.join();
  to_b.join();
  auto done = node.receive<std::string>(kWait);
  REQUIRE_OK(done);
  CHECK(done.value().body() == "done");
  CHECK(max_in_flight.load() == 1);
}

TEST_CASE("stop_worker on any of a worker's addresses removes all of them at once") {
  ockam::Node node;
  int shutdowns = 0;
  struct Counted : ockam::Worker<std::string> {
    int* shutdowns;
    explicit Counted(int* s) : shutdowns(s) {}
    Result<void> handle_message(Context&, Routed<std::string>) override { return {}; }
    Result<void> shutdown(Context&) override {
      ++*shutdowns;
      return {};
    }
  };
  REQUIRE_OK(node.start_worker(std::vector<Address>{"a", "b", "c"}, Counted{&shutdowns}));
  REQUIRE(node.worker_count() == 1);
  REQUIRE_OK(node.stop_worker("b"));
  CHECK(node.worker_count() == 0);
  CHECK(code_of(node.send("a", std::string("x"))) == "AddressNotFound");
  CHECK(code_of(node.send("b", std::string("x"))) == "AddressNotFound");
  CHECK(code_of(node.send("c", std::string("x"))) == "AddressNotFound");
  CHECK(code_of(node.stop_worker("a")) == "AddressNotFound");
  // All three addresses are free for a new worker.
  CHECK_OK(node.start_worker(std::vector<Address>{"c", "a"}, Echoer{}));
  REQUIRE_OK(node.stop());
  CHECK(shutdowns == 1);
}

TEST_CASE("worker_count counts started, not yet stopped workers, excluding the app") {
  ockam::Node node;
  CHECK(node.worker_count() == 0);
  for (int i = 0; i < 10; ++i) REQUIRE_OK(node.start_worker("w" + std::to_string(i), Echoer{}));
  CHECK(node.worker_count() == 10);
  REQUIRE_OK(node.stop_worker("w3"));
  CHECK(node.worker_count() == 9);
  CHECK(code_of(node.start_worker("w5", Echoer{})) == "AddressInUse");
  CHECK(node.worker_count() == 9);
  REQUIRE_OK(node.start_worker("w3", Echoer{}));
  CHECK(node.worker_count() == 10);
}

TEST_CASE("stop_worker lets the message in hand finish and counts the queued ones as dropped") {
  // The handler parks on its first message; more messages queue behind it;
  // another thread opens the gate only once stop_worker has removed the
  // address (sends fail), so exactly one message is handled.
  struct Parked : ockam::Worker<int> {
    ockam_test::Gate* entered;
    ockam_test::Gate* release;
    std::atomic<int>* handled;
    std::atomic<int>* finished;
    std::atomic<int>* shutdowns;
    Parked(ockam_test::Gate* e, ockam_test::Gate* r, std::atomic<int>* h, std::atomic<int>* f,
           std::atomic<int>* s)
        : entered(e), release(r), handled(h), finished(f), shutdowns(s) {}
    Result<void> handle_message(Context&, Routed<int>) override {
      ++*handled;
      entered->open();
      release->wait();
      ++*finished;
      return {};
    }
    Result<void> shutdown(Context&) override {
      ++*shutdowns;
      return {};
    }
  };
  ockam_test::LogCapture logs;
  ockam_test::Gate entered, release;
  std::atomic<int> handled{0}, finished{0}, shutdowns{0};
  std::atomic<int> accepted{0};
  ockam::Node node;
  REQUIRE_OK(node.start_worker("parked", Parked{&entered, &release, &handled, &finished, &shutdowns}));
  REQUIRE_OK(node.send("parked", 0));
  ++accepted;
  REQUIRE(entered.wait());
  for (int i = 1; i <= 10; ++i) {
    REQUIRE_OK(node.send("parked", i));
    ++accepted;
  }
  bool removed = false;  // the opener's; read after join()
  std::thread opener([&] {
    // Keeps probing until stop_worker has taken the address away.
    removed = ockam_test::eventually([&] {
      auto sent = node.send("parked", 99);
      if (sent) ++accepted;
      return code_of(sent) == "AddressNotFound";
    });
    release.open();
  });
  auto stopped = node.stop_worker("parked");
  opener.join();
  CHECK_MESSAGE(removed, "stop_worker did not take the address away while the handler was parked");
  CHECK_OK(stopped);
  CHECK(node.worker_count() == 0);
  REQUIRE_OK(node.stop());
  CHECK(handled.load() == 1);
  CHECK(finished.load() == 1);
  CHECK(shutdowns.load() == 1);
  CHECK(node.stats().dropped == static_cast<uint64_t>(accepted.load() - 1));
}

TEST_CASE("a worker can stop itself from its handler; what is queued behind is dropped") {
  struct SelfStopper : ockam::Worker<int> {
    ockam_test::Gate* release;
    std::atomic<int>* handled;
    std::atomic<int>* shutdowns;
    SelfStopper(ockam_test::Gate* r, std::atomic<int>* h, std::atomic<int>* s)
        : release(r), handled(h), shutdowns(s) {}
    Result<void> handle_message(Context& ctx, Routed<int>) override {
      ++*handled;
      release->wait();
      return ctx.stop_worker(ctx.address());
    }
    Result<void> shutdown(Context&) override {
      ++*shutdowns;
      return {};
    }
  };
  ockam_test::LogCapture logs;
  ockam_test::Gate release;
  std::atomic<int> handled{0}, shutdowns{0};
  ockam::Node node;
  REQUIRE_OK(node.start_worker("self", SelfStopper{&release, &handled, &shutdowns}));
  for (int i = 0; i < 11; ++i) REQUIRE_OK(node.send("self", i));
  release.open();
  CHECK(ockam_test::eventually([&] { return node.worker_count() == 0; }));
  CHECK(ockam_test::eventually([&] { return shutdowns.load() == 1; }));
  CHECK(ockam_test::eventually([&] { return node.stats().dropped == 10; }));
  CHECK(code_of(node.send("self", 0)) == "AddressNotFound");
  REQUIRE_OK(node.stop());
  CHECK(handled.load() == 1);
  CHECK(shutdowns.load() == 1);
  CHECK(node.stats().dropped == 10);
  CHECK(node.stats().handler_errors == 0);
}

TEST_CASE("a worker can stop another worker from its handler") {
  struct Stopper : ockam::Worker<std::string> {
    Result<void> handle_message(Context& ctx, Routed<std::string> msg) override {
      auto stopped = ctx.stop_worker(Address(msg.body()));
      return ctx.send("app", code_of(stopped));
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("victim", Echoer{}));
  REQUIRE_OK(node.start_worker("stopper", Stopper{}));
  REQUIRE_OK(node.send("stopper", std::string("victim")));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "ok");
  CHECK(node.worker_count() == 1);
  CHECK(code_of(node.send("victim", std::string("x"))) == "AddressNotFound");
}

TEST_CASE("initialize may send messages; they are delivered") {
  struct Announcer : ockam::Worker<int> {
    Result<void> initialize(Context& ctx) override {
      return ctx.send("app", "ready: " + str(ctx.address()));
    }
    Result<void> handle_message(Context&, Routed<int>) override { return {}; }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("announcer", Announcer{}));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "ready: announcer");
}

TEST_CASE("a worker is destroyed after its shutdown, and only once") {
  struct Tracked : ockam::Worker<int> {
    std::shared_ptr<std::atomic<int>> destroyed;
    std::shared_ptr<std::atomic<int>> shutdown_seen_destroyed;
    Tracked(std::shared_ptr<std::atomic<int>> d, std::shared_ptr<std::atomic<int>> s)
        : destroyed(std::move(d)), shutdown_seen_destroyed(std::move(s)) {}
    Tracked(Tracked&&) = default;
    ~Tracked() override {
      if (destroyed) ++*destroyed;
    }
    Result<void> handle_message(Context&, Routed<int>) override { return {}; }
    Result<void> shutdown(Context&) override {
      *shutdown_seen_destroyed = destroyed->load();
      return {};
    }
  };
  auto destroyed = std::make_shared<std::atomic<int>>(0);
  auto at_shutdown = std::make_shared<std::atomic<int>>(-1);
  {
    ockam::Node node;
    // Moved-from instances have a null pointer and do not count.
    REQUIRE_OK(node.start_worker("tracked", Tracked{destroyed, at_shutdown}));
    REQUIRE_OK(node.stop());
  }
  CHECK(at_shutdown->load() == 0);
  CHECK(destroyed->load() == 1);
}

TEST_CASE("an address freed by stop_worker can host a new worker at once; the old one's queue is not handed over") {
  // The old worker parks on its first message with more queued behind it;
  // the address is restarted before the old worker's turn ends.
  struct Old : ockam::Worker<int> {
    ockam_test::Gate* entered;
    ockam_test::Gate* release;
    std::atomic<int>* handled;
    Old(ockam_test::Gate* e, ockam_test::Gate* r, std::atomic<int>* h) : entered(e), release(r), handled(h) {}
    Result<void> handle_message(Context&, Routed<int>) override {
      ++*handled;
      entered->open();
      release->wait();
      return {};
    }
  };
  struct New : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      return ctx.send("app", msg.body());
    }
  };
  ockam_test::LogCapture logs(false);
  ockam_test::Gate entered, release;
  std::atomic<int> old_handled{0};
  ockam::Node node;
  REQUIRE_OK(node.start_worker("x", Old{&entered, &release, &old_handled}));
  REQUIRE_OK(node.send("x", 0));
  REQUIRE(entered.wait());
  for (int i = 1; i <= 5; ++i) REQUIRE_OK(node.send("x", i));
  // stop_worker may wait for the message in hand: open the gate from a
  // thread that first sees the address gone.
  std::atomic<bool> restarted_flag{false};  // seq_cst: test bookkeeping
  bool freed = false;                       // the opener's; read after join()
  std::thread opener([&] {
    freed = ockam_test::eventually([&] { return node.worker_count() == 0 || restarted_flag.load(); });
    release.open();
  });
  auto stopped = node.stop_worker("x");
  CHECK_OK(stopped);
  auto restarted = node.start_worker("x", New{});
  restarted_flag = true;
  CHECK_OK(restarted);
  CHECK_OK(node.send("x", 100));  // not REQUIRE: the opener is not joined yet
  auto reply = node.receive<int>(kWait);
  opener.join();
  CHECK_MESSAGE(freed, "stop_worker did not free the address while the old handler was parked");
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 100);  // the new worker's first message is the new one
  CHECK(code_of(node.receive<int>(50ms)) == "Timeout");
  REQUIRE_OK(node.stop());
  CHECK(old_handled.load() == 1);
  CHECK(node.stats().dropped == 5);
}
