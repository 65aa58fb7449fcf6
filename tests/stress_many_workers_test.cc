// Hundreds of thousands of workers on one node, as the seed promises.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;

namespace {

struct Shared {
  std::atomic<std::int64_t> handled{0};
  std::atomic<std::int64_t> shutdowns{0};
  std::atomic<std::int64_t> wrong_payload{0};
  std::int64_t expected = 0;
};

// Each worker checks that it got its own number, then counts; the one that
// completes the count tells the app.
struct Counter : ockam::Worker<std::int64_t> {
  Shared* shared;
  std::int64_t id;
  int messages = 0;  // plain per-worker state
  Counter(Shared* s, std::int64_t i) : shared(s), id(i) {}
  Result<void> handle_message(Context& ctx, Routed<std::int64_t> msg) override {
    if (msg.body() != id || ++messages != 1) ++shared->wrong_payload;
    if (++shared->handled == shared->expected) return ctx.send("app", shared->expected);
    return {};
  }
  Result<void> shutdown(Context&) override {
    ++shared->shutdowns;
    return {};
  }
};

std::string name(std::int64_t i) { return "w" + std::to_string(i); }

}  // namespace

TEST_CASE("500,000 workers each get their one message; stopping half leaves exactly half") {
  const auto count = static_cast<std::int64_t>(ockam_test::stress_size(500000));
  Shared shared;
  shared.expected = count;
  ockam::NodeOptions options;
  options.receive_timeout = 200s;  // inside the medium size's 300 s
  ockam::Node node(options);

  // Failures are counted, not asserted one by one: a million doctest
  // assertions would cost more than the runtime under test.
  std::int64_t failed = 0;
  std::string first_failure;
  auto note = [&](const auto& result) {
    if (!result && failed++ == 0) first_failure = ockam_test::describe(result);
  };
  for (std::int64_t i = 0; i < count; ++i) note(node.start_worker(name(i), Counter{&shared, i}));
  REQUIRE_MESSAGE(failed == 0, first_failure);
  CHECK(node.worker_count() == static_cast<std::size_t>(count));

  for (std::int64_t i = 0; i < count; ++i) note(node.send(name(i), i));
  REQUIRE_MESSAGE(failed == 0, first_failure);
  auto done = node.receive<std::int64_t>();
  REQUIRE_OK(done);
  CHECK(done.value().body() == count);
  CHECK(shared.handled.load() == count);
  CHECK(shared.wrong_payload.load() == 0);

  // Stop every even-numbered worker.
  std::int64_t stopped = 0;
  for (std::int64_t i = 0; i < count; i += 2) {
    note(node.stop_worker(name(i)));
    ++stopped;
  }
  REQUIRE_MESSAGE(failed == 0, first_failure);
  CHECK(node.worker_count() == static_cast<std::size_t>(count - stopped));
  CHECK(code_of(node.send(name(0), std::int64_t{0})) == "AddressNotFound");
  CHECK(code_of(node.stop_worker(name(0))) == "AddressNotFound");
  if (count > 1) CHECK(code_of(node.start_worker(name(1), Counter{&shared, 1})) == "AddressInUse");

  REQUIRE_OK(node.stop());
  CHECK(shared.shutdowns.load() == count);
  CHECK(node.stats().dropped == 0);
  CHECK(node.worker_count() == 0);
}
