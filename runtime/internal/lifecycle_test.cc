// White-box tests of the worker lifecycle: the test seam (lifecycle.h)
// parks a thread at the points that decide the hard interleavings, so each
// one happens every run instead of once in a million.
#include "runtime/internal/lifecycle.h"

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/internal/cell.h"
#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam::detail::Cell;
using ockam::detail::SeamPoint;
using ockam_test::code_of;
using ockam_test::Gate;

namespace {

// The seam for one test case: a std::function behind the process-wide
// function pointer, removed again when the case ends.
class Seam {
 public:
  using Fn = std::function<void(SeamPoint, Cell&, std::size_t)>;
  explicit Seam(Fn fn) {
    current() = std::move(fn);
    ockam::detail::set_test_seam(&Seam::call);
  }
  ~Seam() {
    ockam::detail::set_test_seam(nullptr);
    current() = nullptr;
  }

 private:
  static Fn& current() {
    static Fn fn;
    return fn;
  }
  static void call(SeamPoint point, Cell& cell, std::size_t index) { current()(point, cell, index); }
};

bool is(const Cell& cell, const char* address) { return cell.address == ockam::Address(address); }

// Counts what the node did with a worker.
struct Calls {
  std::atomic<int> initialized{0};
  std::atomic<int> handled{0};
  std::atomic<int> shut_down{0};
};

struct Counted : ockam::Worker<int> {
  Calls* calls;
  Gate* before_initialize = nullptr;  // initialize() waits for it, then fails
  explicit Counted(Calls* c, Gate* g = nullptr) : calls(c), before_initialize(g) {}
  Result<void> initialize(Context&) override {
    ++calls->initialized;
    if (before_initialize == nullptr) return {};
    const bool opened = before_initialize->wait();
    return ockam::Error(ockam::ErrorCode::WorkerFailed, opened ? "fails on purpose" : "gate timed out");
  }
  Result<void> handle_message(Context&, Routed<int>) override {
    ++calls->handled;
    return {};
  }
  Result<void> shutdown(Context&) override {
    ++calls->shut_down;
    return {};
  }
};

}  // namespace

TEST_CASE("a worker whose initialize() fails after another thread claimed it handles none of its queued messages") {
  // Defect A: the claimer is parked between its claim and its unlink while
  // initialize() fails; the turn must not go on to dispatch the queue.
  ockam_test::LogCapture logs(false);
  Gate claimed;
  bool turn_went_idle = false;
  Seam seam([&](SeamPoint point, Cell& cell, std::size_t) {
    if (point != SeamPoint::kClaimed || !is(cell, "w")) return;
    claimed.open();  // initialize() fails now
    // The worker's turn runs on: wait until it has gone idle.
    turn_went_idle = ockam_test::eventually([&] { return cell.mailbox.marked_empty(); });
  });
  Calls calls;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("w", Counted{&calls, &claimed}));
  for (int i = 0; i < 3; ++i) REQUIRE_OK(node.send("w", i));
  REQUIRE_OK(node.stop_worker("w"));  // claims; the seam runs on this thread
  REQUIRE_OK(node.stop());
  CHECK(turn_went_idle);
  CHECK(calls.initialized.load() == 1);
  CHECK(calls.handled.load() == 0);
  CHECK(calls.shut_down.load() == 0);  // its initialize() failed
  CHECK(node.stats().worker_failures == 1);
  CHECK(node.stats().dropped == 3);
}

TEST_CASE("a multi-address start that loses an address race returns AddressInUse and runs nothing of the worker") {
  // Defect B: the new worker's first address is in, and a message reaches it;
  // another thread claims it through that address and parks before its
  // unlink; then start() meets the taken second address.
  ockam_test::LogCapture logs(false);
  Gate first_in, claimed, start_returned;
  bool turn_went_idle = false;
  Seam seam([&](SeamPoint point, Cell& cell, std::size_t index) {
    if (!is(cell, "a")) return;
    if (point == SeamPoint::kInserted && index == 0) {
      first_in.open();
      (void)claimed.wait();  // checked through start's result below
    } else if (point == SeamPoint::kClaimed) {
      claimed.open();
      if (start_returned.wait()) {
        turn_went_idle = ockam_test::eventually([&] { return cell.mailbox.marked_empty(); });
      }
    }
  });
  Calls holder_calls, calls;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("b", Counted{&holder_calls}));
  std::string started;
  std::thread starter([&] {
    started = code_of(node.start_worker(std::vector<ockam::Address>{"a", "b"}, Counted{&calls}));
    start_returned.open();
  });
  REQUIRE(first_in.wait());
  CHECK_OK(node.send("a", 1));            // queued for the half-started worker
  CHECK_OK(node.stop_worker("a"));        // claims; the seam parks this thread
  starter.join();
  CHECK(started == "AddressInUse");
  CHECK(turn_went_idle);
  CHECK(node.worker_count() == 1);        // the holder of "b" only
  REQUIRE_OK(node.stop());
  CHECK(calls.initialized.load() == 0);
  CHECK(calls.handled.load() == 0);
  CHECK(calls.shut_down.load() == 0);
  CHECK(node.stats().dropped == 1);
  CHECK(holder_calls.shut_down.load() == 1);
}

TEST_CASE("a worker claimed while start() still inserts its addresses is unreachable at all of them once stopped") {
  // The claimer unlinks before start() has inserted the second address;
  // start() must take that one back out before the seal, or a send through
  // it would land behind the StopEnvelope.
  ockam_test::LogCapture logs(false);
  Gate first_in, unlinked;
  Seam seam([&](SeamPoint point, Cell& cell, std::size_t index) {
    if (!is(cell, "p")) return;
    if (point == SeamPoint::kInserted && index == 0) {
      first_in.open();
      (void)unlinked.wait();  // checked below: "q" must end up unreachable either way
    }
  });
  Calls calls;
  ockam::Node node;
  std::string started;
  std::thread starter([&] { started = code_of(node.start_worker(std::vector<ockam::Address>{"p", "q"}, Counted{&calls})); });
  REQUIRE(first_in.wait());
  CHECK_OK(node.stop_worker("p"));  // unlinks "p" and the not-yet-inserted "q"
  unlinked.open();
  starter.join();
  CHECK(started == "ok");
  CHECK(code_of(node.send("q", 1)) == "AddressNotFound");
  CHECK(code_of(node.send("p", 1)) == "AddressNotFound");
  CHECK(node.worker_count() == 0);
  REQUIRE_OK(node.stop());
  // start_worker() succeeded, so initialize() and shutdown() ran as a pair.
  CHECK(calls.initialized.load() == 1);
  CHECK(calls.shut_down.load() == 1);
  CHECK(calls.handled.load() == 0);
}

TEST_CASE("a monitor that finds its target just as another thread claims it is told Stopped once, at its end") {
  // The monitor has found the target (inside its ReadSection) and is parked
  // there until the stopper has claimed it; the stopper's grace period then
  // waits for the monitor, which must be told by the target's end, not lost
  // and not told twice.
  ockam_test::LogCapture logs(false);
  Gate found;
  bool saw_claim = false;
  Seam seam([&](SeamPoint point, Cell& cell, std::size_t) {
    if (point != SeamPoint::kWatchFound || !is(cell, "target")) return;
    found.open();
    saw_claim = ockam_test::eventually([&] { return (cell.phase.load() & ockam::detail::Phase::kClaimed) != 0; });
  });
  Calls calls;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("target", Counted{&calls}));
  std::string monitored;
  std::thread watcher([&] { monitored = code_of(node.context().monitor("target")); });
  REQUIRE(found.wait());
  CHECK_OK(node.stop_worker("target"));  // claims, then waits for the parked monitor's section
  watcher.join();
  CHECK(saw_claim);
  CHECK(monitored == "ok");
  auto notice = node.receive<ockam::WorkerStopped>(ockam_test::kWait);
  REQUIRE_OK(notice);
  CHECK(notice.value().body().reason == ockam::WorkerStopped::Reason::Stopped);
  CHECK(calls.shut_down.load() == 1);  // told after the shutdown
  REQUIRE_OK(node.stop());
  CHECK(node.stats().dropped == 0);  // and only once
}

TEST_CASE("a stop that removes a cached target waits for the send that holds it") {
  // The relay's second send hits its TargetCache and is parked right after,
  // inside its ReadSection, until the stopper has removed the address (the
  // shard's removal count has moved on). The stopper's grace period must
  // then wait for that push, so the message lands before the StopEnvelope:
  // dropped and counted, never pushed to a sealed or freed cell.
  struct Relay : ockam::Worker<int> {
    std::atomic<int>* sent;
    explicit Relay(std::atomic<int>* s) : sent(s) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      Result<void> r = ctx.send("target", msg.body());
      if (r) ++*sent;
      return r;
    }
  };
  ockam_test::LogCapture logs(false);
  std::atomic<bool> armed{false};
  Gate parked;
  bool saw_removal = false;
  ockam::Node* node_seen = nullptr;
  std::size_t workers_before = 0;
  Seam seam([&](SeamPoint point, Cell& cell, std::size_t) {
    if (point != SeamPoint::kTargetCached || !is(cell, "target") || !armed.exchange(false)) return;
    parked.open();
    // The stopper removes the address, then waits for this section.
    saw_removal = ockam_test::eventually([&] { return node_seen->stats().workers + 1 == workers_before; });
  });
  Calls calls;
  std::atomic<int> sent{0};
  ockam::Node node;
  node_seen = &node;
  REQUIRE_OK(node.start_worker("target", Counted{&calls}));
  REQUIRE_OK(node.start_worker("relay", Relay{&sent}));
  REQUIRE_OK(node.send("relay", 1));  // a lookup: fills the relay's cache
  REQUIRE(ockam_test::eventually([&] { return calls.handled.load() == 1; }));
  workers_before = node.stats().workers;
  armed = true;
  REQUIRE_OK(node.send("relay", 2));  // a hit: parked by the seam
  REQUIRE(parked.wait());
  CHECK_OK(node.stop_worker("target"));  // returns only after the parked push
  REQUIRE(ockam_test::eventually([&] { return sent.load() == 2; }));
  CHECK(saw_removal);
  REQUIRE_OK(node.stop());
  CHECK(calls.handled.load() == 1);  // the second came after the claim: not dispatched
  CHECK(node.stats().dropped == 1);  // but counted, not lost
  CHECK(node.stats().handler_errors == 0);
}

// Cell's layout promise (cell.h): what senders only read (the address a
// lookup compares) lies in the first 64 bytes of the cell; what senders
// and the turn both write for every message (the mailbox, queued, the
// turn's handled count) lies in the next 64, so that a sender's read
// never waits for the turn's writes.
TEST_CASE("a cell keeps what senders read on one cache line and what they and its turn write on the next") {
  struct Nothing : ockam::Worker<int> {
    ockam::Result<void> handle_message(ockam::Context&, ockam::Routed<int>) override { return {}; }
  };
  ockam::detail::WorkerCell<Nothing> cell{Nothing{}};
  const ockam::detail::Cell& base = cell;
  auto at = [&](const void* field) {
    return static_cast<std::size_t>(static_cast<const char*>(field) - reinterpret_cast<const char*>(&base));
  };
  CHECK(at(&base.address) + sizeof(base.address) <= 64);
  for (const void* field : {static_cast<const void*>(&base.mailbox), static_cast<const void*>(&base.queued),
                            static_cast<const void*>(&base.phase), static_cast<const void*>(&base.handled)}) {
    CHECK(at(field) >= 64);
    CHECK(at(field) < 128);
  }
  CHECK(at(&base.handled) + sizeof(base.handled) <= 128);
  CHECK(at(&base.mailbox) + sizeof(base.mailbox) <= 128);
}
