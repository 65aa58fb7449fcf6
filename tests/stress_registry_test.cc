// Addresses come and go by the hundred thousand: every live address is found,
// every stopped one is not, and freed names can be taken again.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/test_util.h"

using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;

namespace {

struct Idle : ockam::Worker<int> {
  Result<void> handle_message(Context&, Routed<int>) override { return {}; }
};

struct Counting : ockam::Worker<int> {
  std::atomic<std::int64_t>* handled;
  explicit Counting(std::atomic<std::int64_t>* h) : handled(h) {}
  Result<void> handle_message(Context&, Routed<int>) override {
    ++*handled;
    return {};
  }
};

}  // namespace

TEST_CASE("waves of workers started and stopped: live addresses are found, stopped ones are not") {
  const auto wave = static_cast<std::int64_t>(ockam_test::stress_size(20000));
  const int waves = 10;
  ockam::Node node;
  std::int64_t wrong = 0;
  std::string first_wrong;
  auto expect = [&](const std::string& what, const std::string& got, const std::string& want) {
    if (got != want && wrong++ == 0) first_wrong = what + ": got " + got + ", want " + want;
  };
  // Wave w uses names "w<w>-<i>"; a wave keeps its odd workers alive into the next.
  for (int w = 0; w < waves; ++w) {
    for (std::int64_t i = 0; i < wave; ++i) {
      std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
      expect("start " + name, code_of(node.start_worker(name, Idle{})), "ok");
    }
    if (w > 0) {
      // The previous wave's survivors are still reachable; stop them now.
      for (std::int64_t i = 1; i < wave; i += 2) {
        std::string name = "w" + std::to_string(w - 1) + "-" + std::to_string(i);
        expect("send to survivor " + name, code_of(node.send(name, 1)), "ok");
        expect("stop survivor " + name, code_of(node.stop_worker(name)), "ok");
      }
    }
    for (std::int64_t i = 0; i < wave; i += 2) {
      std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
      expect("stop " + name, code_of(node.stop_worker(name)), "ok");
    }
    for (std::int64_t i = 0; i < wave; ++i) {
      std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
      expect("send " + name, code_of(node.send(name, 0)), i % 2 == 0 ? "AddressNotFound" : "ok");
    }
    REQUIRE_MESSAGE(wrong == 0, "wave " << w << ": " << wrong << " wrong results, first: " << first_wrong);
    CHECK(node.worker_count() == static_cast<std::size_t>(wave / 2));
  }
  // Every name ever used is free again once its worker is gone.
  for (std::int64_t i = 0; i < wave; i += 2) {
    std::string name = "w0-" + std::to_string(i);
    expect("restart " + name, code_of(node.start_worker(name, Idle{})), "ok");
  }
  CHECK_MESSAGE(wrong == 0, first_wrong);
  REQUIRE_OK(node.stop());
  CHECK(node.stats().wrong_type == 0);
}

TEST_CASE("senders keep finding stable addresses while the registry grows and shrinks around them") {
  // Lookups race with inserts and removals of other addresses (and whatever
  // resizing those cause); a stable address must never go missing.
  const int stable = 8;
  const int senders = 3;
  const auto churned = static_cast<std::int64_t>(ockam_test::stress_size(60000));
  std::atomic<std::int64_t> handled{0}, accepted{0}, missing{0}, other_errors{0};
  std::atomic<bool> done{false};
  ockam::Node node;
  for (int i = 0; i < stable; ++i) REQUIRE_OK(node.start_worker("stable" + std::to_string(i), Counting{&handled}));
  std::vector<std::thread> threads;
  for (int t = 0; t < senders; ++t) {
    threads.emplace_back([&, t] {
      for (std::int64_t n = t; !done.load(); ++n) {
        // Waits for room: the senders outrun the workers, whose mailboxes are bounded.
        auto sent = node.send_waiting("stable" + std::to_string(n % stable), 0, ockam_test::kStressWait);
        if (sent) ++accepted;
        else if (sent.error().code() == ockam::ErrorCode::AddressNotFound) ++missing;
        else ++other_errors;
      }
    });
  }
  std::int64_t failures = 0;
  std::string first_failure;
  auto note = [&](const auto& result) {
    if (!result && failures++ == 0) first_failure = ockam_test::describe(result);
  };
  // Grow to `churned` extra workers, shrink back, twice.
  for (int round = 0; round < 2; ++round) {
    for (std::int64_t i = 0; i < churned; ++i) note(node.start_worker("c" + std::to_string(i), Idle{}));
    for (std::int64_t i = 0; i < churned; ++i) note(node.stop_worker("c" + std::to_string(i)));
  }
  done = true;
  for (auto& thread : threads) thread.join();
  CHECK_MESSAGE(failures == 0, first_failure);
  CHECK(missing.load() == 0);
  CHECK(other_errors.load() == 0);
  CHECK(accepted.load() > 0);
  CHECK(node.worker_count() == static_cast<std::size_t>(stable));
  // Every accepted message to a stable worker is handled.
  CHECK(ockam_test::eventually([&] { return handled.load() == accepted.load(); }, ockam_test::kStressWait));
  REQUIRE_OK(node.stop());
  CHECK(node.stats().dropped == 0);
}
