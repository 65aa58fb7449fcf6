// Requests with a timeout (Context::request): the blocking form (the app,
// detached contexts) and the worker's continuation form.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::Result;
using ockam::Route;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::contains;
using ockam_test::kWait;
using ockam_test::str;

namespace {

using IntEcho = ockam_test::BodyEcho<int>;

// Holds the first request unanswered; when the second comes, answers the
// first (late: its request has timed out by then), then the second.
struct LateFirst : ockam::Worker<int> {
  std::optional<Route> first;
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    if (!first) {
      first = msg.return_route();
      return {};
    }
    if (Result<void> r = ctx.send(*first, std::string("reply to the first")); !r) return r;
    return ctx.send(msg.return_route(), std::string("reply to the second"));
  }
};

// Keeps every request's return route; on "answer" replies to all of them.
struct Holder : ockam::Worker<std::variant<int, std::string>> {
  std::vector<Route> held;
  Result<void> handle_message(Context& ctx, Routed<std::variant<int, std::string>> msg) override {
    if (std::holds_alternative<int>(msg.body())) {
      held.push_back(msg.return_route());
      return {};
    }
    for (const Route& r : held) {
      if (Result<void> sent = ctx.send(r, 1); !sent) return sent;
    }
    held.clear();
    return ctx.send(msg.return_route(), std::string("answered"));
  }
};

// What a Requester saw. Written by its turns only; read by the test after
// stop() (which orders them).
struct Seen {
  int messages = 0;
  int continuations = 0;
  int replies_ok = 0;
  int timeouts = 0;
  int other_errors = 0;
  bool busy = false;     // set while a call of the worker runs: non-atomic on purpose (TSan)
  int overlapped = 0;    // a call began while another was running
};

// On int n: requests n from `server` with `timeout`; each continuation
// tells the app "done" once `expect` continuations have run.
struct Requester : ockam::Worker<int> {
  Seen* seen;
  Route server;
  std::chrono::milliseconds timeout;
  int expect;
  Requester(Seen* s, Route to, std::chrono::milliseconds t, int e) : seen(s), server(std::move(to)), timeout(t), expect(e) {}

  struct Call {
    Seen* seen;
    explicit Call(Seen* s) : seen(s) {
      if (seen->busy) ++seen->overlapped;
      seen->busy = true;
    }
    ~Call() { seen->busy = false; }
  };

  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    Call call(seen);
    ++seen->messages;
    const int n = msg.body();
    return ctx.request<int>(server, n, timeout, [s = seen, n, expect = expect](Context& c, Result<Routed<int>> reply) {
      Call inner(s);
      ++s->continuations;
      if (reply) {
        s->replies_ok += reply.value().body() == n ? 1 : 0;
        s->other_errors += reply.value().body() == n ? 0 : 1;
      } else if (reply.error().code() == ockam::ErrorCode::Timeout) {
        ++s->timeouts;
      } else {
        ++s->other_errors;
      }
      if (s->continuations == expect) (void)c.send("app", std::string("done"));
    });
  }
};

}  // namespace

TEST_CASE("the app's request gets the reply at a reply address of its own") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", IntEcho{}));
  auto reply = node.context().request<int>("echoer", 5, kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 5);
  CHECK(str(reply.value().dst_addr()).front() == '~');  // a fresh address, not "app"
  CHECK(code_of(node.receive<int>(0ms)) == "Timeout");  // nothing reached the app itself
  CHECK(code_of(node.context().request<int>("nobody", 1, kWait)) == "AddressNotFound");
  CHECK_OK(node.stop());
  CHECK(node.stats().late_replies == 0);
}

TEST_CASE("a late reply to an earlier request is never returned for a later one; it is dropped and counted") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("server", LateFirst{}));
  auto first = node.context().request<std::string>("server", 1, 50ms);
  CHECK(code_of(first) == "Timeout");
  // The server answers the first request now, before the second's reply.
  auto second = node.context().request<std::string>("server", 2, kWait);
  REQUIRE_OK(second);
  CHECK(second.value().body() == "reply to the second");
  CHECK_OK(node.stop());
  CHECK(node.stats().late_replies == 1);
  CHECK(node.stats().dropped == 0);
}

TEST_CASE("a detached context's request on another thread gets its own reply") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", IntEcho{}));
  auto side = node.new_detached("side");
  REQUIRE_OK(side);
  std::vector<int> got;
  std::thread other([&] {
    for (int i = 0; i < 50; ++i) {
      auto reply = side.value()->request<int>("echoer", i, kWait);
      if (!reply) return;
      got.push_back(reply.value().body());
    }
  });
  other.join();
  std::vector<int> expected;
  for (int i = 0; i < 50; ++i) expected.push_back(i);
  CHECK(got == expected);
}

TEST_CASE("from a worker the blocking request is AccessDenied, and from the app the continuation form is") {
  struct Blocker : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int>) override {
      auto r = ctx.request<int>("echoer", 1, 10ms);
      std::string seen = code_of(r) + (r ? "" : (contains(r.error().message(), "continuation") ? " names the continuation form" : ""));
      // Nor through a detached context of its own, on the pool thread.
      auto own = ctx.new_detached("blocker's own");
      if (!own) return own.error();
      auto through = own.value()->request<int>("echoer", 1, 10ms);
      seen += "; " + code_of(through);
      return ctx.send("app", seen);
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", IntEcho{}));
  REQUIRE_OK(node.start_worker("blocker", Blocker{}));
  REQUIRE_OK(node.send("blocker", 0));
  auto seen = node.receive<std::string>(kWait);
  REQUIRE_OK(seen);
  CHECK(seen.value().body() == "AccessDenied names the continuation form; AccessDenied");
  bool ran = false;
  auto from_app = node.context().request<int>("echoer", 1, kWait, [&](Context&, Result<Routed<int>>) { ran = true; });
  CHECK(code_of(from_app) == "AccessDenied");
  CHECK_OK(node.stop());
  CHECK_FALSE(ran);
}

TEST_CASE("a worker's continuations run exactly once each, on the worker's turns, never beside its handler") {
  const int n = static_cast<int>(ockam_test::stress_size(2000));
  Seen seen;
  {
    ockam::Node node(ockam::NodeOptions{.threads = 2});
    REQUIRE_OK(node.start_worker("echoer", IntEcho{}));
    REQUIRE_OK(node.start_worker("requester", Requester{&seen, Route("echoer"), kWait, n}));
    for (int i = 0; i < n; ++i) REQUIRE_OK(node.send_waiting("requester", i, kWait));
    auto done = node.receive<std::string>(ockam_test::kStressWait);
    REQUIRE_OK(done);
    CHECK(done.value().body() == "done");
    CHECK_OK(node.stop());
    CHECK(node.stats().dropped == 0);
    CHECK(node.stats().late_replies == 0);
    CHECK(node.stats().timers_dropped == 0);
  }
  CHECK(seen.messages == n);
  CHECK(seen.continuations == n);
  CHECK(seen.replies_ok == n);
  CHECK(seen.timeouts == 0);
  CHECK(seen.other_errors == 0);
  CHECK(seen.overlapped == 0);
}

TEST_CASE("a worker's continuation gets Timeout once when no reply comes, and the late reply is counted") {
  Seen seen;
  {
    ockam::Node node;
    REQUIRE_OK(node.start_worker("holder", Holder{}));
    REQUIRE_OK(node.start_worker("requester", Requester{&seen, Route("holder"), 20ms, 1}));
    REQUIRE_OK(node.send("requester", 1));
    auto done = node.receive<std::string>(kWait);  // after the Timeout
    REQUIRE_OK(done);
    // Now the holder answers: a late reply, counted as it arrives.
    auto answered = node.context().request<std::string>("holder", std::string("answer"), kWait);
    REQUIRE_OK(answered);
    CHECK(ockam_test::eventually([&] { return node.stats().late_replies == 1; }));
    CHECK_OK(node.stop());
    CHECK(node.stats().late_replies == 1);
    CHECK(node.stats().dropped == 0);
  }
  CHECK(seen.continuations == 1);
  CHECK(seen.timeouts == 1);
  CHECK(seen.replies_ok == 0);
  CHECK(seen.overlapped == 0);
}

TEST_CASE("a worker's request still waiting at the node's stop is dropped and counted; its continuation never runs") {
  Seen seen;
  {
    ockam_test::LogCapture logs;
    ockam::Node node;
    REQUIRE_OK(node.start_worker("holder", Holder{}));
    REQUIRE_OK(node.start_worker("requester", Requester{&seen, Route("holder"), 1h, 1}));
    REQUIRE_OK(node.send("requester", 1));
    // The request is sent once its timeout is set.
    REQUIRE(ockam_test::eventually([&] { return node.stats().timers_pending == 1; }));
    CHECK_OK(node.stop());
    CHECK(node.stats().dropped == 1);
    CHECK(node.stats().timers_dropped == 1);  // its timeout's timer
    CHECK(logs.matching({"request of worker 'requester'", "stop"}).size() == 1);
  }
  CHECK(seen.messages == 1);
  CHECK(seen.continuations == 0);
}
