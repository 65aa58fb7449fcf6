// Stop hooks and stop(): a hook runs under no lock that a turn can take, so
// a worker that registers one (TcpTransport::create does) while the node
// stops gets an answer instead of waiting for the stop that waits for it.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "runtime/ockam.h"
#include "runtime/transport.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::Gate;
using ockam_test::kWait;

TEST_CASE("a worker that creates a TCP transport while stop() runs the stop hooks gets NodeStopped, and stop() returns") {
  // Defect C: the first stop hook parks until the worker has tried; the
  // worker's create() must not wait for the stopping thread.
  struct Creator : ockam::Worker<int> {
    Gate* stopping;
    Gate* tried;
    std::string* created;
    Creator(Gate* s, Gate* t, std::string* c) : stopping(s), tried(t), created(c) {}
    Result<void> handle_message(Context& ctx, Routed<int>) override {
      *created = stopping->wait() ? code_of(ockam::TcpTransport::create(ctx)) : "stop never began";
      tried->open();
      return {};
    }
  };
  ockam_test::LogCapture logs(false);
  Gate stopping, tried;
  std::string created;
  bool hook_saw_try = false;
  ockam::Node node;
  ockam::Context& app = node.context();
  REQUIRE_OK(ockam::add_stop_hook(app, [&] {
    stopping.open();
    hook_saw_try = tried.wait();
  }));
  REQUIRE_OK(node.start_worker("creator", Creator{&stopping, &tried, &created}));
  REQUIRE_OK(node.send("creator", 1));
  std::promise<Result<void>> stop_result;
  std::thread stopper([&] { stop_result.set_value(node.stop()); });
  auto stopped = stop_result.get_future();
  if (stopped.wait_for(2 * kWait) != std::future_status::ready) {
    // The stopper and the worker wait for each other: report, and leave
    // without joining them.
    FAIL_CHECK("stop() never returned: the worker's create() waits for the stopping thread");
    std::fflush(nullptr);
    std::_Exit(1);
  }
  stopper.join();
  CHECK_OK(stopped.get());
  CHECK(hook_saw_try);
  CHECK(created == "NodeStopped");
}
