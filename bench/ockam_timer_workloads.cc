// Timers (issue 12, item 3): how many send_after timers a node sets and
// fires per second, and how late they fire. No CAF twin: the report lists
// these on their own.
//
// BM_TimersFire/N: each iteration sets N timers (deadlines spread over 10
//   ms) for one worker, which notes how late each fired (its arrival minus
//   the deadline the body carries), and waits for all N. items/s: timers
//   set and fired per second. Counters lateness_p50_us, lateness_p99_us,
//   lateness_max_us: over every timer of the run (lateness includes the
//   delivery to the worker and its turn, as a user sees it).
// BM_TimerAlone: one 1 ms timer at a time, waited for: the lateness of a
//   timer on an idle timer thread (the wake-up's accuracy), same counters.
// BM_TimersSetCancel/N: N timers an hour away set and then cancelled: the
//   cost of a timer that never fires (a request's timeout that its reply
//   beats).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "bench/countdown.h"
#include "runtime/ockam.h"

namespace {

using Clock = std::chrono::steady_clock;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_bench::Countdown;
using ockam_bench::missing;

constexpr std::size_t kThreads = 2;

struct Due {
  Clock::time_point deadline;
};

// Notes each timer's lateness; the vector is the worker's own, read by the
// benchmark thread after the Countdown's last count (which orders it).
struct Late : ockam::Worker<Due> {
  std::vector<std::int64_t>* lateness_ns;
  Countdown* done;
  Late(std::vector<std::int64_t>* l, Countdown* d) : lateness_ns(l), done(d) {}
  Result<void> handle_message(Context&, Routed<Due> msg) override {
    lateness_ns->push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - msg.body().deadline).count());
    done->count_one();
    return {};
  }
};

double percentile_us(std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const std::size_t at = std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[at]) / 1000.0;
}

void BM_TimersFire(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ockam::Node node(ockam::NodeOptions{.threads = kThreads});
  std::vector<std::int64_t> lateness_ns;
  lateness_ns.reserve(n * 8);
  Countdown done;
  ockam::WorkerOptions roomy;
  roomy.mailbox_capacity = n + 1;
  if (!node.start_worker("late", Late{&lateness_ns, &done}, roomy)) return state.SkipWithError("start failed");
  for (auto _ : state) {
    done.reset(static_cast<std::int64_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
      const auto delay = std::chrono::milliseconds(i % 10);
      // The deadline as the node computes it, give or take the call's own time.
      if (!node.context().send_after(delay, "late", Due{Clock::now() + delay})) {
        return state.SkipWithError("send_after failed");
      }
    }
    if (!done.wait()) return state.SkipWithError(missing(done, "timers").c_str());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
  std::sort(lateness_ns.begin(), lateness_ns.end());
  state.counters["lateness_p50_us"] = percentile_us(lateness_ns, 0.50);
  state.counters["lateness_p99_us"] = percentile_us(lateness_ns, 0.99);
  state.counters["lateness_max_us"] = lateness_ns.empty() ? 0 : static_cast<double>(lateness_ns.back()) / 1000.0;
  (void)node.stop();
}

void BM_TimerAlone(benchmark::State& state) {
  ockam::Node node(ockam::NodeOptions{.threads = kThreads});
  std::vector<std::int64_t> lateness_ns;
  Countdown done;
  if (!node.start_worker("late", Late{&lateness_ns, &done})) return state.SkipWithError("start failed");
  for (auto _ : state) {
    done.reset(1);
    if (!node.context().send_after(std::chrono::milliseconds(1), "late", Due{Clock::now() + std::chrono::milliseconds(1)})) {
      return state.SkipWithError("send_after failed");
    }
    if (!done.wait()) return state.SkipWithError(missing(done, "timers").c_str());
  }
  std::sort(lateness_ns.begin(), lateness_ns.end());
  state.counters["lateness_p50_us"] = percentile_us(lateness_ns, 0.50);
  state.counters["lateness_p99_us"] = percentile_us(lateness_ns, 0.99);
  state.counters["lateness_max_us"] = lateness_ns.empty() ? 0 : static_cast<double>(lateness_ns.back()) / 1000.0;
  (void)node.stop();
}

void BM_TimersSetCancel(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ockam::Node node(ockam::NodeOptions{.threads = kThreads});
  std::vector<ockam::Timer> timers;
  timers.reserve(n);
  std::size_t not_cancelled = 0;
  for (auto _ : state) {
    timers.clear();
    for (std::size_t i = 0; i < n; ++i) {
      auto timer = node.context().send_after(std::chrono::hours(1), "app", Due{});
      if (!timer) return state.SkipWithError("send_after failed");
      timers.push_back(timer.value());
    }
    for (ockam::Timer& timer : timers) not_cancelled += timer.cancel() ? 0 : 1;
  }
  if (not_cancelled != 0) state.SkipWithError("a timer an hour away could not be cancelled");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
  (void)node.stop();
}

}  // namespace

BENCHMARK(BM_TimersFire)->Arg(10000)->Arg(1000000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimerAlone)->Iterations(500)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimersSetCancel)->Arg(1000000)->UseRealTime()->Unit(benchmark::kMillisecond);
