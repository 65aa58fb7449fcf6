// Start, stop and initialize() failures racing each other on a small set of
// addresses, with messages in flight, then the node's stop. Sharded: each
// shard runs another seed (TEST_SHARD_INDEX).
//
// Checked per worker: a successful start_worker() runs initialize() once,
// and shutdown() once exactly when initialize() succeeded; a start that
// returned an error runs neither; no message is handled before initialize()
// or after shutdown(). Checked for the node: every accepted message was
// handled or counted as dropped, and no worker is left.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using ockam::Context;
using ockam::Result;
using ockam::Routed;

namespace {

int shard_index() {
  // Bazel's sharding protocol: say we support it, then use the shard index.
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) std::ofstream(status).flush();
  const char* index = std::getenv("TEST_SHARD_INDEX");
  return index == nullptr ? 0 : std::atoi(index);
}

// One per start_worker() call.
struct Record {
  std::atomic<int> initialized{0};
  std::atomic<int> shut_down{0};
  std::atomic<int> handled{0};
  std::atomic<int> out_of_order{0};  // a handler call before initialize() or after shutdown()
  bool fails = false;                // its initialize() fails
  bool started = false;              // start_worker() succeeded (written by the starter before the join)
};

struct Tracked : ockam::Worker<int> {
  Record* record;
  explicit Tracked(Record* r) : record(r) {}
  Result<void> initialize(Context&) override {
    ++record->initialized;
    if (record->fails) return ockam::Error(ockam::ErrorCode::WorkerFailed, "fails on purpose");
    return {};
  }
  Result<void> handle_message(Context&, Routed<int>) override {
    if (record->initialized.load() != 1 || record->shut_down.load() != 0) ++record->out_of_order;
    ++record->handled;
    return {};
  }
  Result<void> shutdown(Context&) override {
    ++record->shut_down;
    return {};
  }
};

}  // namespace

TEST_CASE("racing starts, stops and failing initializes keep every worker's calls in order and every message counted") {
  const int shard = shard_index();
  CAPTURE(shard);
  ockam_test::LogCapture quiet(false);
  constexpr int kThreads = 4, kNames = 24;
  const int ops = static_cast<int>(ockam_test::stress_size(20000));

  std::mutex records_mu;
  std::deque<Record> records;  // stable addresses
  std::atomic<std::int64_t> accepted{0};
  std::atomic<int> unexpected{0};
  ockam::Node node;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<std::uint32_t>(shard * 7919 + t));
      auto name = [&] { return "w" + std::to_string(rng() % kNames); };
      for (int i = 0; i < ops; ++i) {
        const unsigned op = rng() % 10;
        if (op < 3) {
          Record* record;
          {
            std::lock_guard lock(records_mu);
            record = &records.emplace_back();
          }
          record->fails = rng() % 4 == 0;
          std::vector<ockam::Address> addresses;
          for (unsigned n = 1 + rng() % 3; n > 0; --n) addresses.push_back(name());
          auto started = node.start_worker(addresses, Tracked{record});
          record->started = started.has_value();
          const auto code = started ? ockam::ErrorCode::WorkerFailed : started.error().code();
          if (!started && code != ockam::ErrorCode::AddressInUse) ++unexpected;
        } else if (op < 5) {
          auto stopped = node.stop_worker(name());
          if (!stopped && stopped.error().code() != ockam::ErrorCode::AddressNotFound) ++unexpected;
        } else {
          auto sent = node.send(name(), i);
          if (sent) {
            ++accepted;
          } else if (sent.error().code() != ockam::ErrorCode::AddressNotFound) {
            ++unexpected;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE_OK(node.stop(std::chrono::milliseconds(0)));

  CHECK(unexpected.load() == 0);
  CHECK(node.worker_count() == 0);
  std::int64_t handled = 0;
  int bad = 0;
  for (Record& r : records) {
    handled += r.handled.load();
    const int want_init = r.started ? 1 : 0;
    const int want_shutdown = r.started && !r.fails ? 1 : 0;
    if (r.initialized.load() != want_init || r.shut_down.load() != want_shutdown || r.out_of_order.load() != 0 ||
        (!r.started && r.handled.load() != 0)) {
      if (bad++ < 5) {
        MESSAGE("worker: started " << r.started << ", fails " << r.fails << ", initialized " << r.initialized.load()
                                   << ", shut down " << r.shut_down.load() << ", handled " << r.handled.load()
                                   << ", out of order " << r.out_of_order.load());
      }
    }
  }
  CHECK(bad == 0);
  CHECK(handled + static_cast<std::int64_t>(node.stats().dropped) == accepted.load());
  MESSAGE(records.size() << " starts, " << accepted.load() << " messages accepted, " << handled << " handled");
}
