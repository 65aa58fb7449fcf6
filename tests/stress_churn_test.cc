// Workers started and stopped over and over while another thread sends to
// them: nothing accepted is lost, nothing is handled twice.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using ockam::Context;
using ockam::ErrorCode;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;

namespace {

struct Counts {
  std::atomic<std::int64_t> accepted{0};
  std::atomic<std::int64_t> handled{0};
  std::atomic<std::int64_t> unexpected{0};
  std::atomic<std::int64_t> initialized{0};
  std::atomic<std::int64_t> shut_down{0};
  std::atomic<std::int64_t> order_violations{0};
};

struct Churned : ockam::Worker<std::int64_t> {
  Counts* counts;
  std::int64_t last = -1;  // per incarnation: sequence numbers only grow
  explicit Churned(Counts* c) : counts(c) {}
  Result<void> initialize(Context&) override {
    ++counts->initialized;
    return {};
  }
  Result<void> handle_message(Context&, Routed<std::int64_t> msg) override {
    if (msg.body() <= last) ++counts->order_violations;
    last = msg.body();
    ++counts->handled;
    return {};
  }
  Result<void> shutdown(Context&) override {
    ++counts->shut_down;
    return {};
  }
};

}  // namespace

TEST_CASE("start/stop churn on two addresses while another thread sends: handled + dropped == accepted") {
  ockam_test::LogCapture quiet(false);  // drops are expected and logged
  Counts counts;
  const auto cycles = static_cast<std::int64_t>(ockam_test::stress_size(50000));
  std::int64_t started = 0;
  {
    ockam::Node node;
    std::atomic<bool> done{false};
    std::thread sender([&] {
      for (std::int64_t seq = 0; !done.load(); ++seq) {
        auto sent = node.send_waiting(seq % 2 == 0 ? "x" : "y", seq, ockam_test::kStressWait);  // bounded mailboxes
        if (sent) {
          ++counts.accepted;
        } else if (sent.error().code() != ErrorCode::AddressNotFound) {
          ++counts.unexpected;
        }
      }
    });
    for (std::int64_t i = 0; i < cycles; ++i) {
      const char* address = i % 2 == 0 ? "x" : "y";
      auto result = node.start_worker(address, Churned{&counts});
      if (result) ++started;
      else ++counts.unexpected;
      if (!node.stop_worker(address)) ++counts.unexpected;
    }
    done = true;
    sender.join();
    CHECK(node.worker_count() == 0);
    REQUIRE_OK(node.stop());
    CHECK(counts.handled.load() + static_cast<std::int64_t>(node.stats().dropped) == counts.accepted.load());
    CHECK(node.stats().wrong_type == 0);
  }
  CHECK(counts.unexpected.load() == 0);
  CHECK(started == cycles);
  CHECK(counts.shut_down.load() == started);
  CHECK(counts.initialized.load() == started);
  CHECK(counts.order_violations.load() == 0);
  MESSAGE("accepted " << counts.accepted.load() << ", handled " << counts.handled.load());
}
