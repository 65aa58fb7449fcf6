#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/log.h"
#include "runtime/ockam.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::kWait;

namespace {

// Replies with the ints it gets; fails on request, to exercise error paths.
struct IntWorker : ockam::Worker<int> {
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    if (msg.body() == -1) return ockam::Error(ockam::ErrorCode::WorkerFailed, "boom: handler failed");
    if (msg.body() == -2) throw std::runtime_error("kaboom: handler threw");
    return ctx.send(msg.return_route(), msg.body());
  }
};

bool names_string(const std::string& text) {
  return ockam_test::contains(text, "std::string") || ockam_test::contains(text, "basic_string");
}

}  // namespace

TEST_CASE("a fresh node's counters are all zero") {
  ockam::Node node;
  auto stats = node.stats();
  CHECK(stats.dropped == 0);
  CHECK(stats.wrong_type == 0);
  CHECK(stats.handler_errors == 0);
  CHECK(stats.worker_failures == 0);
}

TEST_CASE("a wrong-type message to a Worker<int> is dropped, counted, logged with both types, and the worker goes on") {
  ockam_test::LogCapture logs;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("ints", IntWorker{}));
  REQUIRE_OK(node.send("ints", 1));
  REQUIRE_OK(node.receive<int>(kWait));
  // Whether send reports it or not, the string must never reach the handler.
  (void)node.send("ints", std::string("not an int"));
  REQUIRE_OK(node.send("ints", 2));
  // Messages from one sender are in order: once 2 comes back, the string was dealt with.
  auto reply = node.receive<int>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 2);
  CHECK(node.stats().wrong_type == 1);
  CHECK(node.stats().handler_errors == 0);
  REQUIRE_MESSAGE(logs.wait_for({"int"}), logs.dump());
  bool both_named = false;
  for (const auto& line : logs.lines()) {
    if (names_string(line.text) && ockam_test::contains(line.text, "int")) both_named = true;
  }
  CHECK_MESSAGE(both_named, "log was:\n" << logs.dump());
  // And nothing leaked out as a reply.
  CHECK(code_of(node.receive<std::string>(50ms)) == "Timeout");
}

TEST_CASE("a handler returning an error is logged with its message and code, and the worker goes on") {
  ockam_test::LogCapture logs;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("ints", IntWorker{}));
  REQUIRE_OK(node.send("ints", -1));
  REQUIRE_OK(node.send("ints", 3));
  auto reply = node.receive<int>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 3);
  CHECK_MESSAGE(logs.wait_for({"boom: handler failed", "WorkerFailed"}), logs.dump());
  CHECK(node.stats().handler_errors == 1);
  CHECK(node.stats().worker_failures == 0);
  CHECK(node.worker_count() == 1);
}

TEST_CASE("a handler throwing std::runtime_error is logged with what(), and the worker goes on") {
  ockam_test::LogCapture logs;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("ints", IntWorker{}));
  REQUIRE_OK(node.send("ints", -2));
  REQUIRE_OK(node.send("ints", 4));
  auto reply = node.receive<int>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 4);
  CHECK_MESSAGE(logs.wait_for({"kaboom: handler threw"}), logs.dump());
  CHECK(node.stats().handler_errors == 1);  // NodeStats: "returned an error or threw"
  CHECK(node.worker_count() == 1);
  // Several failures in a row do not wear the worker down.
  for (int i = 0; i < 20; ++i) {
    REQUIRE_OK(node.send("ints", -1));
    REQUIRE_OK(node.send("ints", -2));
  }
  REQUIRE_OK(node.send("ints", 5));
  auto again = node.receive<int>(kWait);
  REQUIRE_OK(again);
  CHECK(again.value().body() == 5);
  CHECK(node.stats().handler_errors == 41);
}

TEST_CASE("an exception thrown by initialize or shutdown does not crash the node") {
  struct Thrower : ockam::Worker<int> {
    bool in_init;
    explicit Thrower(bool init) : in_init(init) {}
    Result<void> initialize(Context&) override {
      if (in_init) throw std::runtime_error("init threw");
      return {};
    }
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      return ctx.send(msg.return_route(), msg.body());
    }
    Result<void> shutdown(Context&) override {
      if (!in_init) throw std::runtime_error("shutdown threw");
      return {};
    }
  };
  ockam_test::LogCapture logs;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("bad-init", Thrower{true}));
  REQUIRE_OK(node.start_worker("bad-shutdown", Thrower{false}));
  CHECK_MESSAGE(logs.wait_for({"init threw"}), logs.dump());
  CHECK(ockam_test::eventually([&] { return node.stats().worker_failures == 1; }));
  REQUIRE_OK(node.send("bad-shutdown", 6));
  auto reply = node.receive<int>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 6);
  CHECK_OK(node.stop());
  CHECK_MESSAGE(logs.wait_for({"shutdown threw"}), logs.dump());
}

TEST_CASE("messages dropped by stop_worker are counted and logged") {
  struct Parked : ockam::Worker<int> {
    ockam_test::Gate* entered;
    ockam_test::Gate* release;
    Parked(ockam_test::Gate* e, ockam_test::Gate* r) : entered(e), release(r) {}
    Result<void> handle_message(Context& ctx, Routed<int>) override {
      entered->open();
      release->wait();
      return ctx.stop_worker(ctx.address());
    }
  };
  ockam_test::LogCapture logs;
  ockam_test::Gate entered, release;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("parked", Parked{&entered, &release}));
  REQUIRE_OK(node.send("parked", 0));
  REQUIRE(entered.wait());
  const std::size_t before = logs.count();
  for (int i = 1; i <= 3; ++i) REQUIRE_OK(node.send("parked", i));
  release.open();
  CHECK(ockam_test::eventually([&] { return node.stats().dropped == 3; }));
  CHECK_OK(node.stop());
  CHECK(node.stats().dropped == 3);
  CHECK_MESSAGE(logs.count() > before, "no log about the dropped messages");
  // The drop log says whose messages were dropped.
  CHECK_MESSAGE(!logs.matching({"parked"}).empty(), logs.dump());
}

TEST_CASE("the default sink prints errors to stderr") {
  const std::string text = ockam_test::capture_stderr([] {
    ockam::Node node;
    (void)node.start_worker("ints", IntWorker{});
    (void)node.send("ints", -1);
    (void)node.send("ints", 0);
    (void)node.receive<int>(kWait);  // the error was logged before this reply
    (void)node.stop();
  });
  CHECK_MESSAGE(ockam_test::contains(text, "boom: handler failed"), "stderr was: " << text);
}

TEST_CASE("an address holding a newline and a forged log line reaches stderr escaped, as one line") {
  const std::string forged = "x\n[ockam ERROR] forged\x1b[2J";
  const std::string text = ockam_test::capture_stderr([&] {
    ockam::Node node;
    REQUIRE_OK(node.start_worker(forged, IntWorker{}));
    (void)node.send(forged, std::string("not an int"));
    REQUIRE_OK(node.send(forged, 7));
    REQUIRE_OK(node.receive<int>(kWait));  // after the string's drop was logged
    REQUIRE_OK(node.stop());
  });
  CHECK_MESSAGE(ockam_test::contains(text, "[ockam WARN] worker 'x\\n[ockam ERROR] forged\\x1b[2J' dropped a message"),
                "stderr was: " << text);
  CHECK(text.find('\x1b') == std::string::npos);
  std::size_t lines = 0;
  for (std::size_t at = 0; at < text.size(); at = text.find('\n', at) + 1) {
    ++lines;
    CHECK_MESSAGE(text.compare(at, 13, "[ockam WARN] ") == 0, "a line not written by the node: " << text.substr(at));
  }
  CHECK(lines == 1);
}

TEST_CASE("set_log_sink returns the previous sink, and restoring it works") {
  std::atomic<int> first_calls{0}, second_calls{0};
  ockam::LogSink original = ockam::set_log_sink(
      [&](ockam::LogLevel, std::string_view) { ++first_calls; });
  ockam::LogSink returned_first = ockam::set_log_sink(
      [&](ockam::LogLevel, std::string_view) { ++second_calls; });
  REQUIRE(static_cast<bool>(returned_first));
  // Calling what set_log_sink handed back reaches the first sink.
  returned_first(ockam::LogLevel::Warn, "direct call");
  CHECK(first_calls.load() == 1);
  {
    ockam::Node node;
    REQUIRE_OK(node.start_worker("ints", IntWorker{}));
    REQUIRE_OK(node.send("ints", -1));
    REQUIRE_OK(node.send("ints", 0));
    REQUIRE_OK(node.receive<int>(kWait));
    CHECK(ockam_test::eventually([&] { return second_calls.load() >= 1; }));
  }
  CHECK(first_calls.load() == 1);
  ockam::LogSink second = ockam::set_log_sink(std::move(original));
  REQUIRE(static_cast<bool>(second));
  second(ockam::LogLevel::Info, "direct call");
  CHECK(second_calls.load() >= 2);
}

TEST_CASE("logs from many pool threads reach the sink one at a time") {
  // The sink itself is not thread-safe on purpose: the runtime serializes calls.
  struct Failing : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      if (msg.body() >= 0) return ockam::Error(ockam::ErrorCode::WorkerFailed, "fail " + std::to_string(msg.body()));
      return ctx.send("app", 0);
    }
  };
  ockam_test::ScopedLogLimit every_line({.lines = 0});  // all 400 from one place
  std::vector<std::string> lines;  // plain on purpose
  std::atomic<int> in_sink{0}, max_in_sink{0};
  ockam::LogSink previous = ockam::set_log_sink([&](ockam::LogLevel, std::string_view text) {
    int now = ++in_sink;
    int seen = max_in_sink.load();
    while (now > seen && !max_in_sink.compare_exchange_weak(seen, now)) {
    }
    lines.emplace_back(text);
    --in_sink;
  });
  const int workers = 8, per_worker = 50;
  {
    ockam::NodeOptions options;
    options.threads = 4;
    ockam::Node node(options);
    for (int w = 0; w < workers; ++w) REQUIRE_OK(node.start_worker("f" + std::to_string(w), Failing{}));
    for (int i = 0; i < per_worker; ++i)
      for (int w = 0; w < workers; ++w) REQUIRE_OK(node.send("f" + std::to_string(w), i));
    for (int w = 0; w < workers; ++w) REQUIRE_OK(node.send("f" + std::to_string(w), -1));
    for (int w = 0; w < workers; ++w) REQUIRE_OK(node.receive<int>(kWait));
    CHECK(node.stats().handler_errors == static_cast<uint64_t>(workers * per_worker));
    REQUIRE_OK(node.stop());
  }
  ockam::set_log_sink(std::move(previous));
  CHECK(max_in_sink.load() == 1);
  CHECK(lines.size() >= static_cast<std::size_t>(workers * per_worker));
}
