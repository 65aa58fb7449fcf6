// Monitors (Context::monitor): a worker is told once, with an
// ockam::WorkerStopped, when the worker it monitors stops, whichever way it
// stops; at once when there is none.
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam::WorkerStopped;
using ockam_test::code_of;
using ockam_test::kWait;

namespace {

// What watchers saw, by monitored address: one line per notice.
struct Seen {
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> notices;
  std::atomic<int> total{0};
  void add(const WorkerStopped& n, const std::string& extra = "") {
    std::lock_guard lock(mu);
    notices[n.address.to_string()].push_back(std::string(ockam::to_string(n.reason)) + extra);
    ++total;
  }
  std::vector<std::string> of(const std::string& address) {
    std::lock_guard lock(mu);
    return notices[address];
  }
};

// A target that counts its shutdown() and can fail its initialize().
struct Target : ockam::Worker<int> {
  std::atomic<int>* shut_down = nullptr;
  bool fail = false;
  Target(std::atomic<int>* s, bool f = false) : shut_down(s), fail(f) {}
  Result<void> initialize(Context&) override {
    if (fail) return ockam::Error(ockam::ErrorCode::WorkerFailed, "no database");
    return {};
  }
  Result<void> handle_message(Context& ctx, Routed<int> msg) override { return ctx.send(msg.return_route(), 0); }
  Result<void> shutdown(Context&) override {
    if (shut_down != nullptr) ++*shut_down;
    return {};
  }
};

// Told "watch <address>", monitors it and answers the app "ok" or the error
// code; records every WorkerStopped (with whether the target's shutdown()
// had run by then), and answers "ping" with "pong".
using WatcherMessage = std::variant<std::string, WorkerStopped>;
struct Watcher : ockam::Worker<WatcherMessage> {
  Seen* seen;
  std::atomic<int>* target_shut_down = nullptr;
  explicit Watcher(Seen* s, std::atomic<int>* t = nullptr) : seen(s), target_shut_down(t) {}
  Result<void> handle_message(Context& ctx, Routed<WatcherMessage> msg) override {
    if (const auto* n = std::get_if<WorkerStopped>(&msg.body())) {
      std::string extra = " from " + msg.src_addr().to_string();
      if (target_shut_down != nullptr) extra += target_shut_down->load() == 1 ? " after shutdown" : " before shutdown";
      if (!n->message.empty()) extra += ": " + n->message;
      seen->add(*n, extra);
      return ctx.send("app", std::string("told"));
    }
    const std::string& text = std::get<std::string>(msg.body());
    if (text == "ping") return ctx.send(msg.return_route(), std::string("pong"));
    return ctx.send(msg.return_route(), code_of(ctx.monitor(text.substr(6))));
  }
};

std::string reply(ockam::Node& node) {
  auto r = node.receive<std::string>(kWait);
  return r ? r.value().body() : ockam_test::describe(r);
}

std::string watch(ockam::Node& node, const std::string& watcher, const std::string& target) {
  auto sent = node.send(watcher, std::string("watch " + target));
  if (!sent) return ockam_test::describe(sent);
  return reply(node);
}

}  // namespace

TEST_CASE("a monitor tells a worker stopped by stop_worker once, after its shutdown, with its address free") {
  Seen seen;
  std::atomic<int> shut_down{0};
  ockam::Node node;
  REQUIRE_OK(node.start_worker("target", Target{&shut_down}));
  REQUIRE_OK(node.start_worker("watcher", Watcher{&seen, &shut_down}));
  REQUIRE(watch(node, "watcher", "target") == "ok");
  REQUIRE_OK(node.stop_worker("target"));
  REQUIRE(reply(node) == "told");
  CHECK_OK(node.start_worker("target", Target{nullptr}));  // the address is free by then
  REQUIRE_OK(node.stop());
  CHECK(seen.of("target") == std::vector<std::string>{"Stopped from target after shutdown: stop_worker() stopped it"});
  CHECK(seen.total.load() == 1);
  CHECK(node.stats().dropped == 0);
}

TEST_CASE("a monitor tells a worker whose initialize() failed once, with the error") {
  ockam_test::LogCapture logs(false);
  Seen seen;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("watcher", Watcher{&seen}));
  // The target is monitored before its first turn can run: it starts from
  // the watcher's handler, which monitors it right away.
  struct Starter : ockam::Worker<WatcherMessage> {
    Seen* seen;
    explicit Starter(Seen* s) : seen(s) {}
    Result<void> handle_message(Context& ctx, Routed<WatcherMessage> msg) override {
      if (const auto* n = std::get_if<WorkerStopped>(&msg.body())) {
        seen->add(*n, ": " + n->message);
        return ctx.send("app", std::string("told"));
      }
      if (auto started = ctx.start_worker("failing", Target{nullptr, true}); !started) return started;
      return ctx.monitor("failing");
    }
  };
  REQUIRE_OK(node.start_worker("starter", Starter{&seen}));
  REQUIRE_OK(node.send("starter", std::string("go")));
  REQUIRE(reply(node) == "told");
  REQUIRE_OK(node.stop());
  const auto notices = seen.of("failing");
  REQUIRE(notices.size() == 1);
  CHECK(ockam_test::contains(notices[0], "Failed: initialize() failed: WorkerFailed: no database"));
  CHECK(seen.total.load() == 1);
}

TEST_CASE("a monitor tells each worker once when the node stops, during the stop's drain") {
  Seen seen;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("target", Target{nullptr}));
  REQUIRE_OK(node.start_worker("watcher", Watcher{&seen}));
  REQUIRE(watch(node, "watcher", "target") == "ok");
  REQUIRE(watch(node, "watcher", "watcher") == "ok");  // itself: told too, it still runs during the drain
  REQUIRE_OK(node.stop(kWait));  // the drain handles the notices
  CHECK(seen.of("target") == std::vector<std::string>{"NodeStopping from target: the node is stopping"});
  CHECK(seen.of("watcher") == std::vector<std::string>{"NodeStopping from watcher: the node is stopping"});
  CHECK(seen.total.load() == 2);
  CHECK(node.stats().dropped == 2);  // the two "told" the app never took: the stop dropped them
}

TEST_CASE("monitoring an address with no worker tells NotFound at once, the app too") {
  ockam::Node node;
  REQUIRE_OK(node.context().monitor("nobody"));
  auto notice = node.receive<WorkerStopped>(kWait);
  REQUIRE_OK(notice);
  CHECK(notice.value().body().address == ockam::Address("nobody"));
  CHECK(notice.value().body().reason == WorkerStopped::Reason::NotFound);
  CHECK(notice.value().body().message == "no worker at address 'nobody'");
  CHECK(notice.value().src_addr() == ockam::Address("nobody"));
}

TEST_CASE("monitor() from a worker whose messages cannot hold a WorkerStopped is WrongMessageType at once") {
  struct IntOnly : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      const std::string code = code_of(ctx.monitor("app"));
      const std::string text = code == "ok" ? "ok" : code + " " + ctx.monitor("app").error().message();
      return ctx.send(msg.return_route(), text);
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("ints", IntOnly{}));
  REQUIRE_OK(node.send("ints", 1));
  const std::string text = reply(node);
  CHECK(ockam_test::contains(text, "WrongMessageType worker 'ints' handles int"));
  CHECK(ockam_test::contains(text, "WorkerStopped"));
}

TEST_CASE("many monitors on one target are each told exactly once") {
  constexpr int kWatchers = 20, kPerWatcher = 5;
  Seen seen;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("target", Target{nullptr}));
  for (int w = 0; w < kWatchers; ++w) {
    const std::string name = "watcher" + std::to_string(w);
    REQUIRE_OK(node.start_worker(name, Watcher{&seen}));
    for (int k = 0; k < kPerWatcher; ++k) REQUIRE(watch(node, name, "target") == "ok");
  }
  REQUIRE_OK(node.context().monitor("target"));  // the app's own
  REQUIRE_OK(node.stop_worker("target"));
  int told = 0, own = 0;
  for (int i = 0; i < kWatchers * kPerWatcher + 1; ++i) {  // the watchers' "told" and the app's own, any order
    auto got = node.receive<ockam::Any>(kWait);
    REQUIRE_OK(got);
    if (const auto* text = got.value().body().get_if<std::string>()) told += *text == "told";
    if (const auto* n = got.value().body().get_if<WorkerStopped>()) own += n->reason == WorkerStopped::Reason::Stopped;
  }
  CHECK(told == kWatchers * kPerWatcher);
  CHECK(own == 1);
  REQUIRE_OK(node.stop());
  CHECK(seen.of("target").size() == kWatchers * kPerWatcher);
  CHECK(seen.total.load() == kWatchers * kPerWatcher);
  CHECK(node.stats().dropped == 0);  // no second notice reached the app
}

TEST_CASE("a monitor whose watcher stopped first is dropped quietly") {
  Seen seen;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("target", Target{nullptr}));
  REQUIRE_OK(node.start_worker("watcher", Watcher{&seen}));
  REQUIRE(watch(node, "watcher", "target") == "ok");
  REQUIRE_OK(node.stop_worker("watcher"));
  REQUIRE_OK(node.stop_worker("target"));
  REQUIRE_OK(node.stop());
  CHECK(seen.total.load() == 0);
  CHECK(node.stats().dropped == 0);  // nothing was queued for the stopped watcher
}

TEST_CASE("a monitor set while the target is in its shutdown() is told NotFound at once, and only that") {
  // The app monitors: a pool thread is busy in the shutdown(), and the app
  // needs none to be told.
  ockam_test::Gate in_shutdown, finish_shutdown;
  struct SlowShutdown : ockam::Worker<int> {
    ockam_test::Gate* in;
    ockam_test::Gate* finish;
    SlowShutdown(ockam_test::Gate* i, ockam_test::Gate* f) : in(i), finish(f) {}
    Result<void> handle_message(Context&, Routed<int>) override { return {}; }
    Result<void> shutdown(Context&) override {
      in->open();
      if (!finish->wait()) return ockam::Error(ockam::ErrorCode::Timeout, "gate");
      return {};
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("target", SlowShutdown{&in_shutdown, &finish_shutdown}));
  REQUIRE_OK(node.stop_worker("target"));
  REQUIRE(in_shutdown.wait());
  REQUIRE_OK(node.context().monitor("target"));
  auto notice = node.receive<WorkerStopped>(kWait);
  finish_shutdown.open();
  REQUIRE_OK(notice);
  CHECK(notice.value().body().reason == WorkerStopped::Reason::NotFound);
  REQUIRE_OK(node.stop(kWait));  // the target's end is over by then
  CHECK(node.stats().dropped == 0);  // it told the app nothing more
}

TEST_CASE("monitors set concurrently with their targets' stops are each told exactly once") {
  // Each round: a watcher monitors a fresh target while the app stops it.
  // Whichever comes first, the notice is Stopped or NotFound, once.
  const int rounds = static_cast<int>(ockam_test::stress_size(200));
  Seen seen;
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  REQUIRE_OK(node.start_worker("watcher", Watcher{&seen}));
  for (int i = 0; i < rounds; ++i) {
    const std::string target = "t" + std::to_string(i);
    REQUIRE_OK(node.start_worker(target, Target{nullptr}));
    REQUIRE_OK(node.send("watcher", std::string("watch " + target)));
    REQUIRE_OK(node.stop_worker(target));
    REQUIRE(reply(node) == "ok");   // the watcher's answer to "watch", and
    REQUIRE(reply(node) == "told");  // its notice, in that order (its own sends)
  }
  REQUIRE_OK(node.stop(kWait));
  for (int i = 0; i < rounds; ++i) {
    const auto notices = seen.of("t" + std::to_string(i));
    REQUIRE(notices.size() == 1);
    CHECK((notices[0].rfind("Stopped", 0) == 0 || notices[0].rfind("NotFound", 0) == 0));
  }
  CHECK(seen.total.load() == rounds);
  CHECK(node.stats().dropped == 0);
}

TEST_CASE("monitor() once the node is stopped is NodeStopped") {
  ockam::Node node;
  REQUIRE_OK(node.stop());
  CHECK(code_of(node.context().monitor("anything")) == "NodeStopped");
}

TEST_CASE("a detached context can monitor, and destroying a monitored one tells its watchers once") {
  Seen seen;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("watcher", Watcher{&seen}));
  auto watched = node.context().new_detached("watched");
  REQUIRE_OK(watched);
  auto watching = node.context().new_detached("watching");
  REQUIRE_OK(watching);
  REQUIRE(watch(node, "watcher", "watched") == "ok");
  REQUIRE_OK(watching.value()->monitor("watcher"));
  REQUIRE_OK(watching.value()->monitor("nobody"));
  auto not_found = watching.value()->receive<WorkerStopped>(kWait);
  REQUIRE_OK(not_found);
  CHECK(not_found.value().body().reason == WorkerStopped::Reason::NotFound);
  watching.value().reset();  // its monitor of "watcher" goes with it
  watched.value().reset();
  REQUIRE(reply(node) == "told");
  REQUIRE_OK(node.stop());
  CHECK(seen.of("watched") == std::vector<std::string>{"Stopped from watched: its detached context was destroyed"});
  CHECK(seen.total.load() == 1);
  CHECK(node.stats().dropped == 0);
}
