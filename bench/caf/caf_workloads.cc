// CAF's side of the workloads in /work/shared/BENCHMARKS.md: the same
// parameters as bench/ockam_workloads.cc, written the way CAF 0.17's manual
// writes actors (function-based event-based actors, stateful_actor for state,
// `anon_send` from outside the system, `send` from inside an actor, replies
// by returning a value from a handler).
//
// One caf::actor_system per benchmark run, with as many scheduler threads as
// the node gets (2, the cores of the machine the figures are quoted for).
// Actors are spawned before the timed loop; a loop iteration holds only the
// message traffic (SpawnIdle: spawning, start-up and stop). The app thread
// waits on a countdown (an atomic counter, a condition variable woken once at
// zero), never sleeps. Every workload checks its result and calls
// SkipWithError if anything is missing (a lost message: after kTimeout).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "bench/caf/caf_players.h"
#include "bench/caf/caf_system.h"
#include "bench/countdown.h"
#include "bench/memory.h"

namespace {

using ockam_bench::BenchSystem;
using ockam_bench::ping_actor;
using ockam_bench::Policy;
using ockam_bench::pong_actor;
using ockam_bench::start_atom;
using ockam_bench::stop_all;

using ockam_bench::Countdown;
using ockam_bench::kTimeout;
using ockam_bench::missing;

// ---------------------------------------------------------------- SpawnIdle

// An idle actor: it would count ints, but never gets any. Its function body
// runs on a scheduler thread when CAF starts the actor (the counterpart of
// the node's Worker::initialize).
caf::behavior idle_actor(caf::event_based_actor*, Countdown* started) {
  started->count_one();
  return {
      [](int) {},
  };
}

void BM_CafSpawnIdle(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  BenchSystem sys;
  double bytes_per_worker = 0;
  double start_ms = 0, stop_ms = 0;  // where the time went (shown, not compared)
  for (auto _ : state) {
    // The handles are storage the benchmark needs to keep the actors alive
    // and to stop them; allocate and touch it before the RSS baseline so
    // bytes_per_worker counts the actors, not the benchmark's vector.
    std::vector<caf::actor> actors(static_cast<std::size_t>(n));
    Countdown started;
    started.reset(n);
    const std::size_t running_before = sys->registry().running();
    const std::size_t before = ockam_bench::settled_rss_bytes();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < n; ++i) actors[static_cast<std::size_t>(i)] = sys->spawn(idle_actor, &started);
    if (!started.wait()) {  // every actor ran its start-up: they are idle
      state.SkipWithError(missing(started, "actor start-ups").c_str());
      stop_all(actors);
      sys->await_all_actors_done();
      return;
    }
    const auto t1 = std::chrono::steady_clock::now();
    bytes_per_worker = ockam_bench::bytes_per(before, ockam_bench::settled_rss_bytes(), n);
    if (sys->registry().running() != running_before + static_cast<std::size_t>(n)) {
      state.SkipWithError("CAF's registry does not count every spawned actor as running");
      stop_all(actors);
      sys->await_all_actors_done();
      return;
    }
    stop_all(actors);
    sys->await_all_actors_done();
    const auto t2 = std::chrono::steady_clock::now();
    if (sys->registry().running() != 0) return state.SkipWithError("actors still running after stop");
    start_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
    stop_ms += std::chrono::duration<double, std::milli>(t2 - t1).count();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["bytes_per_worker"] = bytes_per_worker;
  state.counters["start_ms"] = benchmark::Counter(start_ms, benchmark::Counter::kAvgIterations);
  state.counters["stop_ms"] = benchmark::Counter(stop_ms, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_CafSpawnIdle)->Arg(1000000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- FanOut

constexpr int kFanOutRounds = 20;

struct counter_state {
  std::int64_t count = 0;
};

// Counts; also checks that the rounds arrive in order, exactly once each.
caf::behavior counting_actor(caf::stateful_actor<counter_state>* self, Countdown* started, Countdown* done,
                             std::atomic<std::int64_t>* out_of_order) {
  started->count_one();
  return {
      [=](int round) {
        if (round != self->state.count % kFanOutRounds) out_of_order->fetch_add(1, std::memory_order_relaxed);
        ++self->state.count;
        done->count_one();
      },
  };
}

// Spawns n counters and returns once every one of them has started (so the
// clock never runs over CAF's start-up jobs); empty if they did not.
std::vector<caf::actor> spawn_counters(caf::actor_system& sys, std::int64_t n, Countdown* done,
                                       std::atomic<std::int64_t>* out_of_order) {
  Countdown started;
  started.reset(n);
  std::vector<caf::actor> actors;
  actors.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) actors.push_back(sys.spawn(counting_actor, &started, done, out_of_order));
  if (!started.wait()) stop_all(actors);
  return actors;
}

// The app thread (the benchmark's own thread, outside the actor system) sends.
// Stops the counters and checks that every round reached every one of them.
void finish_fan_out(benchmark::State& state, BenchSystem& sys, std::vector<caf::actor>& actors, const Countdown& done,
                    const std::atomic<std::int64_t>& out_of_order, std::int64_t n) {
  stop_all(actors);
  sys->await_all_actors_done();
  if (done.left() != 0) return state.SkipWithError("not every message was counted");
  if (out_of_order.load() != 0) return state.SkipWithError("a counter saw a round twice, late or never");
  state.SetItemsProcessed(state.iterations() * n * kFanOutRounds);
}

void fan_out_from_app(benchmark::State& state, Policy policy) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  BenchSystem sys(policy);
  Countdown done;
  std::atomic<std::int64_t> out_of_order{0};
  std::vector<caf::actor> actors = spawn_counters(*sys, n, &done, &out_of_order);
  if (actors.empty()) return state.SkipWithError("the counters did not all start");
  for (auto _ : state) {
    done.reset(n * kFanOutRounds);
    for (int round = 0; round < kFanOutRounds; ++round) {
      for (const caf::actor& a : actors) caf::anon_send(a, round);
    }
    if (!done.wait()) {
      state.SkipWithError(missing(done, "messages").c_str());
      break;
    }
  }
  finish_fan_out(state, sys, actors, done, out_of_order, n);
}
void BM_CafFanOut(benchmark::State& state) { fan_out_from_app(state, Policy::stealing); }
void BM_CafFanOut_sharing(benchmark::State& state) { fan_out_from_app(state, Policy::sharing); }
// One iteration a run: under work stealing one can take minutes (see Policy).
BENCHMARK(BM_CafFanOut)->Arg(100000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafFanOut_sharing)->Arg(100000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// A driver actor inside the system sends one round to every counter.
caf::behavior driver_actor(caf::event_based_actor* self, const std::vector<caf::actor>* targets) {
  return {
      [=](int round) {
        for (const caf::actor& a : *targets) self->send(a, round);
      },
  };
}

void fan_out_from_actor(benchmark::State& state, Policy policy) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  BenchSystem sys(policy);
  Countdown done;
  std::atomic<std::int64_t> out_of_order{0};
  std::vector<caf::actor> actors = spawn_counters(*sys, n, &done, &out_of_order);
  if (actors.empty()) return state.SkipWithError("the counters did not all start");
  caf::actor driver = sys->spawn(driver_actor, &actors);
  for (auto _ : state) {
    done.reset(n * kFanOutRounds);
    for (int round = 0; round < kFanOutRounds; ++round) caf::anon_send(driver, round);
    if (!done.wait()) {
      state.SkipWithError(missing(done, "messages").c_str());
      break;
    }
  }
  // The driver reads `actors`: let it terminate before the vector is cleared.
  caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);
  caf::scoped_actor{*sys}->wait_for(driver);
  driver = nullptr;
  finish_fan_out(state, sys, actors, done, out_of_order, n);
}
void BM_CafFanOutFromWorker(benchmark::State& state) { fan_out_from_actor(state, Policy::stealing); }
void BM_CafFanOutFromWorker_sharing(benchmark::State& state) { fan_out_from_actor(state, Policy::sharing); }
BENCHMARK(BM_CafFanOutFromWorker)->Arg(100000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafFanOutFromWorker_sharing)
    ->Arg(100000)
    ->Iterations(1)
    ->Repetitions(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- Ring

constexpr int kRingTokens = 1000;
constexpr int kRingHops = 10000;

struct ring_state {
  caf::actor next;
};

// A token is the number of deliveries it still has to make, counting this
// one; the member that takes it to zero reports it home.
caf::behavior ring_member(caf::stateful_actor<ring_state>* self, Countdown* linked, Countdown* home) {
  return {
      [=](caf::actor next) {
        self->state.next = std::move(next);
        linked->count_one();
      },
      [=](int hops) {
        const int hops_left = hops - 1;
        if (hops_left == 0) {
          home->count_one();
          return;
        }
        self->send(self->state.next, hops_left);
      },
  };
}

void ring(benchmark::State& state, Policy policy) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  BenchSystem sys(policy);
  Countdown linked, home;
  std::vector<caf::actor> ring;
  ring.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ring.push_back(sys->spawn(ring_member, &linked, &home));
  // Link the ring, and wait until every member has its `next` (so neither
  // the start-ups nor the links run on the clock).
  linked.reset(n);
  for (std::int64_t i = 0; i < n; ++i) {
    caf::anon_send(ring[static_cast<std::size_t>(i)], ring[static_cast<std::size_t>((i + 1) % n)]);
  }
  if (!linked.wait()) {
    stop_all(ring);
    return state.SkipWithError(missing(linked, "ring links").c_str());
  }
  for (auto _ : state) {
    home.reset(kRingTokens);
    for (int t = 0; t < kRingTokens; ++t) {
      caf::anon_send(ring[static_cast<std::size_t>(t * (n / kRingTokens))], kRingHops);
    }
    if (!home.wait()) {
      state.SkipWithError(missing(home, "tokens").c_str());
      break;
    }
  }
  stop_all(ring);  // the ring holds strong references to itself: exit, not just drop
  sys->await_all_actors_done();
  if (home.left() != 0) return state.SkipWithError("not every token came home");
  state.SetItemsProcessed(state.iterations() * std::int64_t{kRingTokens} * kRingHops);
}
void BM_CafRing(benchmark::State& state) { ring(state, Policy::stealing); }
void BM_CafRing_sharing(benchmark::State& state) { ring(state, Policy::sharing); }
BENCHMARK(BM_CafRing)->Arg(100000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafRing_sharing)->Arg(100000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- PingPong

constexpr int kRoundTrips = 1000000;

// pong_actor and ping_actor: bench/caf/caf_players.h.

void ping_pong(benchmark::State& state, Policy policy) {
  BenchSystem sys(policy);
  Countdown done;
  caf::actor pong = sys->spawn(pong_actor);
  caf::actor ping = sys->spawn(ping_actor, pong, &done);
  double total_ns = 0;
  for (auto _ : state) {
    done.reset(1);
    const auto start = std::chrono::steady_clock::now();
    caf::anon_send(ping, start_atom::value, kRoundTrips);
    if (!done.wait()) {
      state.SkipWithError("the rally never finished");
      break;
    }
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  }
  // Ask ping how many round trips it finished (a blocking request from the
  // benchmark thread, outside the timed loop).
  std::int64_t round_trips = -1;
  {
    caf::scoped_actor self{*sys};
    self->request(ping, caf::infinite, caf::get_atom::value)
        .receive([&](std::int64_t r) { round_trips = r; }, [&](caf::error&) { round_trips = -1; });
  }
  caf::anon_send_exit(ping, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
  ping = nullptr;
  pong = nullptr;
  sys->await_all_actors_done();
  if (round_trips != static_cast<std::int64_t>(state.iterations()) * kRoundTrips) {
    return state.SkipWithError(("ping counted " + std::to_string(round_trips) + " round trips").c_str());
  }
  state.counters["ns_per_round_trip"] = total_ns / (static_cast<double>(state.iterations()) * kRoundTrips);
}
void BM_CafPingPong(benchmark::State& state) { ping_pong(state, Policy::stealing); }
void BM_CafPingPong_sharing(benchmark::State& state) { ping_pong(state, Policy::sharing); }
BENCHMARK(BM_CafPingPong)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafPingPong_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- Skynet

// The node's BM_Skynet: 1,111,111 actors, each spawned by its parent at run
// time; a leaf answers (number, size) with its number, a parent with the sum
// of its 10 children's answers (a response promise, delivered at the tenth),
// and each actor quits once it has answered. The app asks the root with a
// blocking request; the clock runs from the root's spawn to the answer.
constexpr std::int64_t kSkynetLeaves = 1000000;
constexpr std::int64_t kSkynetWorkers = 1111111;
constexpr std::int64_t kSkynetSum = 499999500000;

struct skynet_state {
  caf::response_promise answer;
  std::int64_t sum = 0;
  int waiting = 0;
};

caf::behavior skynet_actor(caf::stateful_actor<skynet_state>* self) {
  return {
      [=](std::int64_t number, std::int64_t size) {
        auto answer = self->make_response_promise();
        if (size == 1) {
          answer.deliver(number);
          self->quit();
          return;
        }
        const std::int64_t child_size = size / 10;
        for (int i = 0; i < 10; ++i) self->send(self->spawn(skynet_actor), number + i * child_size, child_size);
        self->state.answer = std::move(answer);
        self->state.waiting = 10;
      },
      [=](std::int64_t sum) {
        self->state.sum += sum;
        if (--self->state.waiting > 0) return;
        self->state.answer.deliver(self->state.sum);
        self->quit();
      },
  };
}

void skynet(benchmark::State& state, Policy policy) {
  BenchSystem sys(policy);
  double total_ms = 0;
  for (auto _ : state) {
    std::int64_t result = -1;
    const auto start = std::chrono::steady_clock::now();
    {
      caf::scoped_actor self{*sys};
      self->request(self->spawn(skynet_actor), kTimeout, std::int64_t{0}, kSkynetLeaves)
          .receive([&](std::int64_t sum) { result = sum; }, [&](caf::error&) { result = -1; });
    }
    total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    sys->await_all_actors_done();  // off the clock: the last quits may follow their answers
    if (result != kSkynetSum) return state.SkipWithError(("the root answered " + std::to_string(result)).c_str());
  }
  const double iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * kSkynetWorkers);
  state.counters["ms"] = total_ms / iterations;
  state.counters["ns_per_worker"] = total_ms * 1e6 / (iterations * kSkynetWorkers);
}
void BM_CafSkynet(benchmark::State& state) { skynet(state, Policy::stealing); }
void BM_CafSkynet_sharing(benchmark::State& state) { skynet(state, Policy::sharing); }
BENCHMARK(BM_CafSkynet)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafSkynet_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
