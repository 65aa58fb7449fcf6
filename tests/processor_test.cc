// Processors (Context::start_processor): called again and again on the pool
// or on a thread of their own, stopped by stop_worker() and the node's stop
// (shutdown() once), and by themselves (false, or an error).
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::ProcessorOptions;
using ockam::Result;
using ockam::Routed;
using ockam::WorkerStopped;
using ockam_test::code_of;
using ockam_test::kWait;

namespace {

struct Counts {
  std::atomic<int> initialized{0};
  std::atomic<long> processed{0};
  std::atomic<int> shut_down{0};
  std::atomic<long> refused{0};  // sends that met a full mailbox
};

// Sends one int to each of `targets` per call; `limit` calls (then false),
// or an error on call `fail_at`.
struct Feeder : ockam::Processor {
  Counts* counts;
  std::vector<std::string> targets;
  long limit = -1;
  long fail_at = -1;
  ockam_test::Gate* go = nullptr;  // initialize() waits for it, if set
  Feeder(Counts* c, std::vector<std::string> t) : counts(c), targets(std::move(t)) {}
  Result<void> initialize(Context&) override {
    ++counts->initialized;
    if (go != nullptr && !go->wait()) return ockam::Error(ockam::ErrorCode::Timeout, "the test never said go");
    return {};
  }
  Result<bool> process(Context& ctx) override {
    const long n = ++counts->processed;
    if (n == fail_at) return ockam::Error(ockam::ErrorCode::WorkerFailed, "broken on purpose");
    for (const std::string& t : targets) {
      auto sent = ctx.send(t, 1);
      if (!sent && sent.error().code() == ockam::ErrorCode::QueueFull) {
        ++counts->refused;
      } else if (!sent) {
        return sent.error();
      }
    }
    return limit < 0 || n < limit;
  }
  Result<void> shutdown(Context&) override {
    ++counts->shut_down;
    return {};
  }
};

struct Counter : ockam::Worker<int> {
  std::atomic<long>* handled;
  explicit Counter(std::atomic<long>* h) : handled(h) {}
  Result<void> handle_message(Context&, Routed<int>) override {
    ++*handled;
    return {};
  }
};

WorkerStopped notice_for(ockam::Node& node) {
  auto n = node.receive<WorkerStopped>(kWait);
  REQUIRE_OK(n);
  return n.value().body();
}

const ProcessorOptions kOnPool{.own_thread = false};
const ProcessorOptions kOwnThread{.own_thread = true};

}  // namespace

TEST_CASE("a pool processor and workers sharing 2 threads all make progress") {
  Counts counts;
  std::atomic<long> a{0}, b{0};
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  REQUIRE_OK(node.start_worker("a", Counter{&a}));
  REQUIRE_OK(node.start_worker("b", Counter{&b}));
  REQUIRE_OK(node.start_worker("echoer", ockam_test::Echoer{}));
  REQUIRE_OK(node.start_processor("feeder", Feeder{&counts, {"a", "b"}}, kOnPool));
  for (int i = 0; i < 100; ++i) REQUIRE(ockam_test::echoed(node, "echoer", "x") == "x");  // the app's round trips too
  CHECK(ockam_test::eventually([&] { return a.load() >= 1000 && b.load() >= 1000; }));
  REQUIRE_OK(node.stop());
  CHECK(counts.processed.load() >= 1000);
  CHECK(counts.shut_down.load() == 1);
}

TEST_CASE("a pool processor on a single thread does not starve the workers it wakes") {
  // Each call wakes two workers: one runs next on the thread, the other
  // waits in the thread's deque, which must get its turn although the
  // processor is always ready again.
  Counts counts;
  std::atomic<long> a{0}, b{0};
  ockam::Node node(ockam::NodeOptions{.threads = 1});
  REQUIRE_OK(node.start_worker("a", Counter{&a}));
  REQUIRE_OK(node.start_worker("b", Counter{&b}));
  REQUIRE_OK(node.start_worker("echoer", ockam_test::Echoer{}));
  REQUIRE_OK(node.start_processor("feeder", Feeder{&counts, {"a", "b"}}, kOnPool));
  for (int i = 0; i < 100; ++i) REQUIRE(ockam_test::echoed(node, "echoer", "x") == "x");
  CHECK(ockam_test::eventually([&] { return a.load() >= 1000 && b.load() >= 1000; }));
  REQUIRE_OK(node.stop());
  CHECK(counts.shut_down.load() == 1);
}

TEST_CASE("an own-thread processor and a worker sharing 2 pool threads both make progress") {
  Counts counts;
  std::atomic<long> a{0};
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  REQUIRE_OK(node.start_worker("a", Counter{&a}));
  REQUIRE_OK(node.start_processor("feeder", Feeder{&counts, {"a"}}));  // own thread: the default
  CHECK(ockam_test::eventually([&] { return a.load() >= 1000; }));
  REQUIRE_OK(node.stop());
  CHECK(counts.processed.load() >= 1000);
  CHECK(counts.initialized.load() == 1);
  CHECK(counts.shut_down.load() == 1);
}

TEST_CASE("the node's stop stops processors of both kinds, each shutdown() once") {
  Counts pool, own;
  std::atomic<long> a{0};
  ockam::Node node;
  REQUIRE_OK(node.start_worker("a", Counter{&a}));
  REQUIRE_OK(node.start_processor("pool", Feeder{&pool, {"a"}}, kOnPool));
  REQUIRE_OK(node.start_processor("own", Feeder{&own, {"a"}}, kOwnThread));
  REQUIRE(ockam_test::eventually([&] { return pool.processed.load() > 10 && own.processed.load() > 10; }));
  CHECK(node.worker_count() == 3);  // processors count as workers
  REQUIRE_OK(node.stop());
  const long pool_calls = pool.processed.load(), own_calls = own.processed.load();
  CHECK(pool.shut_down.load() == 1);
  CHECK(own.shut_down.load() == 1);
  CHECK(pool.initialized.load() == 1);
  CHECK(own.initialized.load() == 1);
  CHECK(node.worker_count() == 0);
  CHECK(pool.processed.load() == pool_calls);  // none after the stop
  CHECK(own.processed.load() == own_calls);
}

TEST_CASE("stop_worker stops a processor of either kind: shutdown() once, then its monitor is told Stopped") {
  for (const ProcessorOptions& options : {kOnPool, kOwnThread}) {
    CAPTURE(options.own_thread);
    Counts counts;
    std::atomic<long> a{0};
    ockam::Node node;
    REQUIRE_OK(node.start_worker("a", Counter{&a}));
    REQUIRE_OK(node.start_processor("feeder", Feeder{&counts, {"a"}}, options));
    REQUIRE_OK(node.context().monitor("feeder"));
    REQUIRE(ockam_test::eventually([&] { return counts.processed.load() > 10; }));
    REQUIRE_OK(node.stop_worker("feeder"));
    const WorkerStopped n = notice_for(node);
    CHECK(n.reason == WorkerStopped::Reason::Stopped);
    CHECK(counts.shut_down.load() == 1);  // before the notice
    CHECK(code_of(node.send("feeder", 1)) == "AddressNotFound");  // its address is free
    CHECK_OK(node.start_worker("feeder", Counter{&a}));
    REQUIRE_OK(node.stop());
    CHECK(counts.shut_down.load() == 1);
    CHECK(node.stats().worker_failures == 0);
  }
}

TEST_CASE("a processor whose process() returns false or an error stops, and its monitor says which") {
  for (const ProcessorOptions& options : {kOnPool, kOwnThread}) {
    CAPTURE(options.own_thread);
    ockam_test::LogCapture logs;
    Counts done, broken;
    std::atomic<long> a{0};
    ockam::Node node;
    REQUIRE_OK(node.start_worker("a", Counter{&a}));
    ockam_test::Gate go;  // both wait in initialize() until they are monitored
    Feeder finite{&done, {"a"}};
    finite.limit = 5;
    finite.go = &go;
    Feeder failing{&broken, {"a"}};
    failing.fail_at = 3;
    failing.go = &go;
    REQUIRE_OK(node.start_processor("finite", std::move(finite), options));
    REQUIRE_OK(node.start_processor("failing", std::move(failing), options));
    REQUIRE_OK(node.context().monitor("finite"));
    REQUIRE_OK(node.context().monitor("failing"));
    go.open();
    WorkerStopped first = notice_for(node), second = notice_for(node);
    if (first.address == ockam::Address("failing")) std::swap(first, second);
    CHECK(first.address == ockam::Address("finite"));
    CHECK(first.reason == WorkerStopped::Reason::Finished);
    CHECK(second.reason == WorkerStopped::Reason::Failed);
    CHECK(ockam_test::contains(second.message, "broken on purpose"));
    CHECK(done.processed.load() == 5);
    CHECK(broken.processed.load() == 3);
    CHECK(done.shut_down.load() == 1);
    CHECK(broken.shut_down.load() == 1);
    CHECK(node.worker_count() == 1);  // "a"
    CHECK(node.stats().worker_failures == 1);
    CHECK(logs.wait_for({"processor 'failing' failed", "broken on purpose"}));
    REQUIRE_OK(node.stop());
  }
}

TEST_CASE("an own-thread processor receives like a detached context, and a stop ends its blocked receive()") {
  struct Relay : ockam::Processor {
    Counts* counts;
    explicit Relay(Counts* c) : counts(c) {}
    Result<bool> process(Context& ctx) override {
      auto got = ctx.receive<std::string>(kWait);  // blocks: the stop must end it
      if (!got) return got.error();
      ++counts->processed;
      auto sent = ctx.send("app", "relayed " + got.value().body());
      if (!sent) return sent.error();
      return true;
    }
    Result<void> shutdown(Context&) override {
      ++counts->shut_down;
      return {};
    }
  };
  Counts counts;
  ockam::Node node;
  REQUIRE_OK(node.start_processor("relay", Relay{&counts}));
  REQUIRE_OK(node.context().monitor("relay"));
  REQUIRE_OK(node.send("relay", std::string("hello")));
  auto relayed = node.receive<std::string>(kWait);
  REQUIRE_OK(relayed);
  CHECK(relayed.value().body() == "relayed hello");
  REQUIRE_OK(node.stop_worker("relay"));  // it waits in receive() now, or soon
  const WorkerStopped n = notice_for(node);
  CHECK(n.reason == WorkerStopped::Reason::Stopped);  // the receive()'s NodeStopped is the stop's, no failure
  CHECK(counts.shut_down.load() == 1);
  REQUIRE_OK(node.stop());
  CHECK(node.stats().worker_failures == 0);
}

TEST_CASE("a processor whose process() never returns makes stop() a Timeout naming it, and the destructor waits") {
  ockam_test::Gate entered, release;
  struct Stuck : ockam::Processor {
    ockam_test::Gate* entered;
    ockam_test::Gate* gate;
    std::atomic<int>* shut_down;
    Stuck(ockam_test::Gate* e, ockam_test::Gate* g, std::atomic<int>* s) : entered(e), gate(g), shut_down(s) {}
    Result<bool> process(Context&) override {
      entered->open();
      (void)gate->wait();  // ignores the stop; the test opens it, or its timeout ends it
      return false;
    }
    Result<void> shutdown(Context&) override {
      ++*shut_down;
      return {};
    }
  };
  std::atomic<int> shut_down{0};
  {
    ockam::Node node;
    REQUIRE_OK(node.start_processor("stuck", Stuck{&entered, &release, &shut_down}));
    REQUIRE(entered.wait());
    auto stopped = node.stop(100ms);
    CHECK(code_of(stopped) == "Timeout");
    if (!stopped) CHECK(ockam_test::contains(stopped.error().message(), "'stuck'"));
    CHECK(shut_down.load() == 0);
    release.open();
  }  // the destructor waits for it
  CHECK(shut_down.load() == 1);
}

TEST_CASE("start_processor refuses an address in use, a reserved one, and any once the node stopped") {
  Counts counts;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("taken", ockam_test::Echoer{}));
  CHECK(code_of(node.start_processor("taken", Feeder{&counts, {}})) == "AddressInUse");
  CHECK(code_of(node.start_processor("taken", Feeder{&counts, {}}, kOnPool)) == "AddressInUse");
  CHECK(code_of(node.start_processor("~1", Feeder{&counts, {}})) == "InvalidAddress");
  REQUIRE_OK(node.stop());
  CHECK(code_of(node.start_processor("late", Feeder{&counts, {}})) == "NodeStopped");
  CHECK(code_of(node.start_processor("late", Feeder{&counts, {}}, kOnPool)) == "NodeStopped");
  CHECK(counts.initialized.load() == 0);
}

TEST_CASE("a message sent to a pool processor is counted as wrong_type, and it keeps running") {
  ockam_test::LogCapture logs(false);
  Counts counts;
  ockam::Node node;
  REQUIRE_OK(node.start_processor("feeder", Feeder{&counts, {}}, kOnPool));
  REQUIRE_OK(node.send("feeder", 7));
  CHECK(ockam_test::eventually([&] { return node.stats().wrong_type == 1; }));
  const long before = counts.processed.load();
  CHECK(ockam_test::eventually([&] { return counts.processed.load() > before; }));
  REQUIRE_OK(node.stop());
}
