// The node's side of the benchmark workloads in ../shared/BENCHMARKS.md,
// written against the public API only. Every workload checks its result.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <oneapi/tbb/scalable_allocator.h>

#include "bench/countdown.h"
#include "bench/memory.h"
#include "mailbox/mpsc_mailbox.h"
#include "runtime/ockam.h"

namespace {

using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Routed;

constexpr std::size_t kThreads = 2;  // the cores of the machine the figures are quoted for

ockam::NodeOptions bench_options() {
  ockam::NodeOptions options;
  options.threads = kThreads;
  return options;
}

// Also hands back what tbbmalloc caches (envelopes and cells come from it).
std::size_t settled_rss_bytes() {
  (void)scalable_allocation_command(TBBMALLOC_CLEAN_ALL_BUFFERS, nullptr);
  return ockam_bench::settled_rss_bytes();
}

using ockam_bench::Countdown;
using ockam_bench::missing;

void report_failure(benchmark::State& state, const std::string& what) { state.SkipWithError(what.c_str()); }

// ---------------------------------------------------------------- SpawnIdle

struct Idle : ockam::Worker<int> {
  Countdown* started;
  explicit Idle(Countdown* s) : started(s) {}
  Result<void> initialize(Context&) override {
    started->count_one();
    return {};
  }
  Result<void> handle_message(Context&, Routed<int>) override { return {}; }
};

void BM_SpawnIdle(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  double bytes_per_worker = 0;
  for (auto _ : state) {
    ockam::Node node(bench_options());
    Countdown started;
    started.reset(n);
    const std::size_t before = settled_rss_bytes();
    for (std::int64_t i = 0; i < n; ++i) {
      if (!node.start_worker(Address::random(), Idle{&started})) return report_failure(state, "start_worker failed");
    }
    if (!started.wait()) return report_failure(state, missing(started, "initialize() calls"));  // then all idle
    bytes_per_worker = ockam_bench::bytes_per(before, settled_rss_bytes(), n);
    if (node.worker_count() != static_cast<std::size_t>(n)) return report_failure(state, "worker_count is wrong");
    if (!node.stop()) return report_failure(state, "stop failed");
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["bytes_per_worker"] = bytes_per_worker;
}
BENCHMARK(BM_SpawnIdle)->Arg(1000000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- FanOut

struct Counter : ockam::Worker<int> {
  Countdown* started;
  Countdown* done;
  Counter(Countdown* s, Countdown* d) : started(s), done(d) {}
  Result<void> initialize(Context&) override {
    started->count_one();
    return {};
  }
  Result<void> handle_message(Context&, Routed<int>) override {
    done->count_one();
    return {};
  }
};

constexpr int kFanOutRounds = 20;

// Empty when a worker failed to start; returns once every worker is idle.
std::vector<Address> start_counters(ockam::Node& node, std::int64_t n, Countdown* done) {
  std::vector<Address> addresses;
  addresses.reserve(static_cast<std::size_t>(n));
  Countdown started;
  started.reset(n);
  for (std::int64_t i = 0; i < n; ++i) {
    addresses.push_back(Address::random());
    if (!node.start_worker(addresses.back(), Counter{&started, done})) return {};
  }
  if (!started.wait()) return {};
  return addresses;
}

void BM_FanOut(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  ockam::Node node(bench_options());
  Countdown done;
  const std::vector<Address> addresses = start_counters(node, n, &done);
  if (addresses.empty()) return report_failure(state, "the counters did not start");
  for (auto _ : state) {
    done.reset(n * kFanOutRounds);
    for (int round = 0; round < kFanOutRounds; ++round) {
      for (const Address& a : addresses) {
        if (!node.send(a, round)) return report_failure(state, "send failed");
      }
    }
    if (!done.wait()) return report_failure(state, missing(done, "messages"));
  }
  state.SetItemsProcessed(state.iterations() * n * kFanOutRounds);
}
BENCHMARK(BM_FanOut)->Arg(100000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

struct Driver : ockam::Worker<int> {
  const std::vector<Address>* targets;
  explicit Driver(const std::vector<Address>* t) : targets(t) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    for (const Address& a : *targets) {
      if (Result<void> r = ctx.send(a, msg.body()); !r) return r;
    }
    return {};
  }
};

void BM_FanOutFromWorker(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  ockam::Node node(bench_options());
  Countdown done;
  const std::vector<Address> addresses = start_counters(node, n, &done);
  if (addresses.empty()) return report_failure(state, "the counters did not start");
  if (!node.start_worker("driver", Driver{&addresses})) return report_failure(state, "driver failed to start");
  for (auto _ : state) {
    done.reset(n * kFanOutRounds);
    for (int round = 0; round < kFanOutRounds; ++round) {
      if (!node.send("driver", round)) return report_failure(state, "send failed");
    }
    if (!done.wait()) return report_failure(state, missing(done, "messages"));
  }
  if (node.stats().handler_errors != 0) return report_failure(state, "a driver send failed");
  state.SetItemsProcessed(state.iterations() * n * kFanOutRounds);
}
BENCHMARK(BM_FanOutFromWorker)->Arg(100000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- Ring

constexpr int kRingTokens = 1000;
constexpr int kRingHops = 10000;

struct RingMember : ockam::Worker<int> {
  Address next;
  Countdown* started;
  Countdown* home;
  RingMember(Address n, Countdown* s, Countdown* h) : next(std::move(n)), started(s), home(h) {}
  Result<void> initialize(Context&) override {
    started->count_one();
    return {};
  }
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    const int hops_left = msg.body() - 1;
    if (hops_left == 0) {
      home->count_one();
      return {};
    }
    return ctx.send(next, hops_left);
  }
};

void BM_Ring(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  ockam::Node node(bench_options());
  Countdown started, home;
  started.reset(n);
  std::vector<Address> addresses;
  for (std::int64_t i = 0; i < n; ++i) addresses.push_back(Address::random());
  for (std::int64_t i = 0; i < n; ++i) {
    if (!node.start_worker(addresses[i], RingMember{addresses[(i + 1) % n], &started, &home})) {
      return report_failure(state, "a ring member failed to start");
    }
  }
  if (!started.wait()) return report_failure(state, missing(started, "initialize() calls"));
  for (auto _ : state) {
    home.reset(kRingTokens);
    for (int t = 0; t < kRingTokens; ++t) {
      if (!node.send(addresses[static_cast<std::size_t>(t * (n / kRingTokens))], kRingHops)) {
        return report_failure(state, "send failed");
      }
    }
    if (!home.wait()) return report_failure(state, missing(home, "tokens"));
  }
  if (node.stats().handler_errors != 0) return report_failure(state, "a hop failed");
  state.SetItemsProcessed(state.iterations() * std::int64_t{kRingTokens} * kRingHops);
}
BENCHMARK(BM_Ring)->Arg(100000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- PingPong

constexpr int kRoundTrips = 1000000;

struct Player : ockam::Worker<int> {
  Address peer;
  Countdown* done;
  Player(Address p, Countdown* d) : peer(std::move(p)), done(d) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    const int left = msg.body();
    if (left == 0) {
      done->count_one();
      return {};
    }
    return ctx.send(peer, left - 1);
  }
};

// Both players bounce one int 2 * kRoundTrips times; `ping` and `pong` are
// their start options (their incoming policies).
void ping_pong(benchmark::State& state, ockam::WorkerOptions ping, ockam::WorkerOptions pong) {
  ockam::Node node(bench_options());
  Countdown done;
  if (!node.start_worker("ping", Player{"pong", &done}, std::move(ping)) ||
      !node.start_worker("pong", Player{"ping", &done}, std::move(pong))) {
    return report_failure(state, "a player failed to start");
  }
  double total_ns = 0;
  for (auto _ : state) {
    done.reset(1);
    const auto start = std::chrono::steady_clock::now();
    // 2 * kRoundTrips hops: ping -> pong -> ping ... -> 0
    if (!node.send("ping", 2 * kRoundTrips)) return report_failure(state, "send failed");
    if (!done.wait()) return report_failure(state, missing(done, "round trips"));
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  }
  if (node.stats().handler_errors != 0 || node.stats().denied != 0) return report_failure(state, "a hop failed");
  state.counters["ns_per_round_trip"] = total_ns / (static_cast<double>(state.iterations()) * kRoundTrips);
}

void BM_PingPong(benchmark::State& state) { ping_pong(state, {}, {}); }
BENCHMARK(BM_PingPong)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// PingPong with an incoming policy on both players (AccessPolicy::source_in,
// a call and a comparison per message): what a policy check adds to a hop,
// beside BM_PingPong's default rule (two null checks). No CAF twin: the
// report shows it beside BM_PingPong.
void BM_PingPongPolicy(benchmark::State& state) {
  ockam::WorkerOptions from_pong, from_ping;
  from_pong.incoming = ockam::AccessPolicy::source_in({"pong", "app"});
  from_ping.incoming = ockam::AccessPolicy::source_in({"ping"});
  ping_pong(state, std::move(from_pong), std::move(from_ping));
}
BENCHMARK(BM_PingPongPolicy)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- ForwardHops

// A whole forward() at a relay worker, end to end: 1,000 messages in flight,
// each on a route of `hops` addresses, all "relay" but the last ("sink").
// ns_per_forward is flat in the route's length when forward() does not scan
// the route (issue 9: 8 and 64 hops cost the same per forward).
constexpr int kForwardMessages = 1000;
constexpr int kForwardRounds = 100;

struct Relay : ockam::Worker<int> {
  Result<void> handle_message(Context& ctx, Routed<int> msg) override { return ctx.forward(std::move(msg)); }
};

void BM_ForwardHops(benchmark::State& state) {
  const auto hops = static_cast<std::size_t>(state.range(0));
  ockam::Node node(bench_options());
  Countdown started, done;
  started.reset(1);
  if (!node.start_worker("relay", Relay{}) || !node.start_worker("sink", Counter(&started, &done))) {
    return report_failure(state, "a worker failed to start");
  }
  if (!started.wait()) return report_failure(state, missing(started, "initialize() calls"));
  ockam::Route route;
  for (std::size_t i = 0; i + 1 < hops; ++i) route.append("relay");
  route.append("sink");
  double total_ns = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (int round = 0; round < kForwardRounds; ++round) {
      done.reset(kForwardMessages);
      for (int m = 0; m < kForwardMessages; ++m) {
        if (!node.send(route, m)) return report_failure(state, "send failed");
      }
      if (!done.wait()) return report_failure(state, missing(done, "messages at the sink"));
    }
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  }
  if (node.stats().handler_errors != 0) return report_failure(state, "a forward failed");
  const double forwards = static_cast<double>(state.iterations()) * kForwardRounds * kForwardMessages *
                          static_cast<double>(hops - 1);
  state.counters["ns_per_forward"] = total_ns / forwards;
}
BENCHMARK(BM_ForwardHops)->Arg(8)->Arg(64)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- RouteHop

// One hop's route work in forward(): pop the onward route's first address,
// prepend it to the return route. Flat in the route's length (2 or 64 hops).
void BM_RouteHop(benchmark::State& state) {
  const auto hops = static_cast<std::size_t>(state.range(0));
  std::vector<Address> names;
  for (std::size_t i = 0; i < hops; ++i) names.push_back(Address("hop" + std::to_string(i)));
  ockam::Route onward(names);
  ockam::Route ret("app");
  for (auto _ : state) {
    ret.prepend(onward.pop_front());
    onward.prepend(ret.pop_front());  // back again, so every iteration sees `hops` hops
    benchmark::DoNotOptimize(onward);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouteHop)->Arg(2)->Arg(64);

// ---------------------------------------------------------------- Skynet

// BENCHMARKS.md's Skynet: a root worker starts 10 children, each 10 more,
// down to 1,000,000 leaves, all started by workers at run time (1,111,111
// workers, each at a fresh address: start_worker(W)). A leaf answers its
// number, a parent the sum of its 10 children's answers, and each worker
// stops itself once it has answered. One message type per direction, one
// variant for the worker. The clock runs from the root's start to its
// answer at the app.
constexpr std::int64_t kSkynetLeaves = 1000000;
constexpr std::int64_t kSkynetWorkers = 1111111;
constexpr std::int64_t kSkynetSum = 499999500000;  // 0 + 1 + ... + 999,999

struct SkynetStart {
  std::int64_t number;  // the first leaf number of this subtree
  std::int64_t size;    // its leaves
};
struct SkynetSum {
  std::int64_t value;
};

struct SkynetWorker : ockam::Worker<std::variant<SkynetStart, SkynetSum>> {
  ockam::Route parent;
  std::int64_t sum = 0;
  int waiting = 0;
  Result<void> handle_message(Context& ctx, Routed<std::variant<SkynetStart, SkynetSum>> msg) override {
    if (const SkynetStart* start = std::get_if<SkynetStart>(&msg.body())) {
      if (start->size == 1) return answer(ctx, msg.return_route(), start->number);
      parent = msg.return_route();
      const std::int64_t child_size = start->size / 10;
      for (int i = 0; i < 10; ++i) {
        Result<Address> child = ctx.start_worker(SkynetWorker{});
        if (!child) return child.error();
        if (Result<void> r = ctx.send(*child, SkynetStart{start->number + i * child_size, child_size}); !r) return r;
      }
      waiting = 10;
      return {};
    }
    sum += std::get<SkynetSum>(msg.body()).value;
    if (--waiting > 0) return {};
    return answer(ctx, parent, sum);
  }
  static Result<void> answer(Context& ctx, const ockam::Route& to, std::int64_t value) {
    if (Result<void> r = ctx.send(to, SkynetSum{value}); !r) return r;
    return ctx.stop_worker(ctx.address());
  }
};

void BM_Skynet(benchmark::State& state) {
  ockam::Node node(bench_options());
  double total_ms = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    Result<Address> root = node.start_worker(SkynetWorker{});
    if (!root) return report_failure(state, "the root failed to start");
    if (!node.send(*root, SkynetStart{0, kSkynetLeaves})) return report_failure(state, "send failed");
    Result<Routed<SkynetSum>> answer = node.receive<SkynetSum>(ockam_bench::kTimeout);
    total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!answer) return report_failure(state, "no answer from the root: " + answer.error().to_string());
    if (answer->body().value != kSkynetSum) {
      return report_failure(state, "the root answered " + std::to_string(answer->body().value));
    }
    // Off the clock: the last workers' stop_worker calls may follow their answers.
    const auto deadline = std::chrono::steady_clock::now() + ockam_bench::kTimeout;
    while (node.worker_count() != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (node.worker_count() != 0) return report_failure(state, "workers still running after the answer");
  }
  if (node.stats().handler_errors != 0) return report_failure(state, "a handler failed");
  const double iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * kSkynetWorkers);  // workers started (and answered) per second
  state.counters["ms"] = total_ms / iterations;
  state.counters["ns_per_worker"] = total_ms * 1e6 / (iterations * kSkynetWorkers);
}
BENCHMARK(BM_Skynet)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- Mailbox

struct Item : ockam::mailbox::MailboxNode {};

void mailbox_producers(benchmark::State& state, int producers) {
  const std::int64_t per_producer = 1000000;
  std::vector<std::unique_ptr<Item[]>> items;
  for (int p = 0; p < producers; ++p) items.push_back(std::make_unique<Item[]>(per_producer));
  for (auto _ : state) {
    ockam::mailbox::MpscMailbox<Item> box;
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        for (std::int64_t i = 0; i < per_producer; ++i) box.push(&items[p][i]);
      });
    }
    std::int64_t popped = 0;
    while (popped < producers * per_producer) {
      if (box.pop() != nullptr) ++popped;
    }
    for (auto& t : threads) t.join();
    if (box.pop() != nullptr) return report_failure(state, "an extra node came out");
  }
  state.SetItemsProcessed(state.iterations() * producers * per_producer);
}

void BM_MailboxOneProducer(benchmark::State& state) { mailbox_producers(state, 1); }
void BM_MailboxTwoProducers(benchmark::State& state) { mailbox_producers(state, 2); }
BENCHMARK(BM_MailboxOneProducer)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MailboxTwoProducers)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- the machine

// The floor under every cross-thread figure: one cache line passed between
// two threads and back (a spin on one atomic, no runtime). About 58 ns on
// the 2-core EPYC the figures are quoted for; when it is far more, the two
// cores are far apart (or shared) that run, and every workload whose
// threads trade lines is slower by as much: read the table with it.
void BM_CacheLineBounce(benchmark::State& state) {
  constexpr int kBounces = 1000000;
  double total_ns = 0;
  for (auto _ : state) {
    alignas(64) std::atomic<int> turn{0};
    const auto start = std::chrono::steady_clock::now();
    std::thread other([&] {
      for (int i = 0; i < kBounces; ++i) {
        // acquire: pairs with the main thread's release store below (and
        // this store's release with its acquire load): the turn passes.
        while (turn.load(std::memory_order_acquire) != 2 * i + 1) {
        }
        turn.store(2 * i + 2, std::memory_order_release);
      }
    });
    for (int i = 0; i < kBounces; ++i) {
      turn.store(2 * i + 1, std::memory_order_release);  // pairs with the other thread's acquire
      while (turn.load(std::memory_order_acquire) != 2 * i + 2) {
      }
    }
    other.join();
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    if (turn.load(std::memory_order_relaxed) != 2 * kBounces) return report_failure(state, "a round trip went missing");
  }
  state.counters["ns_per_round_trip"] = total_ns / (static_cast<double>(state.iterations()) * kBounces);
}
BENCHMARK(BM_CacheLineBounce)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
