// CAF's side of the two TCP workloads in /work/shared/BENCHMARKS.md
// (BM_CafTcpRoundTrip, BM_CafTcpThroughput): CAF 0.17's remote actors over
// its io middleman (libcaf_io, the BASP protocol over TCP), on loopback, two
// actor systems in one process.
//
// System A loads the middleman, spawns the receiving actor and publishes it
// on 127.0.0.1, port 0 (the kernel picks; publish returns the port). System B
// loads the middleman and gets a proxy for it with remote_actor; an actor on
// B then talks to A's actor through that one connection. Each system has
// CAF's scheduler on 2 threads (as the node's NodeOptions::threads) plus the
// middleman's own I/O thread.
//
// Everything (systems, connection, actors, CAF's proxies on both sides) is
// set up before the clock runs, with a short warm-up of traffic outside the
// timed loop (the first message each way makes CAF create the peer's proxy);
// a timed iteration holds only the message traffic. The app thread waits on
// a countdown (bench/countdown.h), never sleeps; every workload checks its
// result and calls SkipWithError if a message or a round trip is missing (a
// lost message: after kTimeout, 10 minutes).
#include <benchmark/benchmark.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "bench/caf/caf_players.h"
#include "bench/caf/caf_system.h"
#include "bench/countdown.h"
#include "bench/memory.h"

namespace {

using ockam_bench::Countdown;
using ockam_bench::missing;
using ockam_bench::ping_actor;  // on B, through B's proxy for A's pong
using ockam_bench::pong_actor;  // on A
using ockam_bench::start_atom;

constexpr const char* kHost = "127.0.0.1";

using ockam_bench::BenchSystem;
using ockam_bench::Network;
using ockam_bench::Policy;

// The two systems of one benchmark run, each with the io middleman, on the
// same scheduler: A (publishes) and B (connects). B is declared last, so it
// shuts down first: the client closes its connection, then the server goes.
// The middleman's I/O (its multiplexer thread, and its BASP broker, an
// actor) is the same on both schedulers; the scheduler runs the actors.
struct TwoSystems {
  explicit TwoSystems(Policy policy) : a(policy, Network::middleman), b(policy, Network::middleman) {}
  BenchSystem a;
  BenchSystem b;
};

// Publishes `whom` (an actor of A) on kHost, port 0, and returns B's proxy
// for it; an error message in `error` if either step failed.
caf::actor connect(TwoSystems& s, const caf::actor& whom, std::string& error) {
  caf::expected<std::uint16_t> port = s.a->middleman().publish(whom, 0, kHost);
  if (!port) {
    error = "publish failed: " + s.a->render(port.error());
    return caf::actor{};
  }
  caf::expected<caf::actor> proxy = s.b->middleman().remote_actor(kHost, *port);
  if (!proxy) {
    error = "remote_actor failed: " + s.b->render(proxy.error());
    return caf::actor{};
  }
  return std::move(*proxy);
}

// Stops an actor and waits until it has terminated (a blocking wait from the
// benchmark thread, outside the timed loop).
void stop(caf::actor_system& sys, caf::actor& a) {
  if (!a) return;
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::scoped_actor{sys}->wait_for(a);
  a = nullptr;
}

// ---------------------------------------------------------------- TcpRoundTrip

constexpr int kTcpRoundTrips = 100000;
constexpr int kWarmUpRoundTrips = 100;

// Runs one rally of n round trips; false: it did not finish within kTimeout.
bool rally(const caf::actor& ping, Countdown& done, int n) {
  done.reset(1);
  caf::anon_send(ping, start_atom::value, n);
  return done.wait();
}

void tcp_round_trip(benchmark::State& state, Policy policy) {
  TwoSystems s(policy);
  Countdown done;
  caf::actor pong = s.a->spawn(pong_actor);
  std::string error;
  caf::actor remote_pong = connect(s, pong, error);
  if (!remote_pong) {
    stop(*s.a, pong);
    return state.SkipWithError(error.c_str());
  }
  caf::actor ping = s.b->spawn(ping_actor, remote_pong, &done);
  // Warm-up, untimed: A creates its proxy for ping on the first message.
  bool ok = rally(ping, done, kWarmUpRoundTrips);
  if (!ok) state.SkipWithError("the warm-up rally never finished");
  double total_ns = 0;
  std::int64_t timed = 0;
  for (auto _ : state) {
    if (!ok) break;
    const auto start = std::chrono::steady_clock::now();
    if (!rally(ping, done, kTcpRoundTrips)) {
      state.SkipWithError("the rally never finished (a message was lost)");
      ok = false;
      break;
    }
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    ++timed;
  }
  // Ask ping how many round trips it finished.
  std::int64_t round_trips = -1;
  if (ok) {
    caf::scoped_actor self{*s.b};
    self->request(ping, caf::infinite, caf::get_atom::value)
        .receive([&](std::int64_t r) { round_trips = r; }, [&](caf::error&) { round_trips = -1; });
  }
  stop(*s.b, ping);
  remote_pong = nullptr;
  stop(*s.a, pong);
  if (!ok) return;
  const std::int64_t expected = kWarmUpRoundTrips + timed * kTcpRoundTrips;
  if (round_trips != expected) {
    return state.SkipWithError(
        ("ping counted " + std::to_string(round_trips) + " round trips, expected " + std::to_string(expected)).c_str());
  }
  state.counters["ns_per_round_trip"] = total_ns / (static_cast<double>(timed) * kTcpRoundTrips);
}
void BM_CafTcpRoundTrip(benchmark::State& state) { tcp_round_trip(state, Policy::stealing); }
void BM_CafTcpRoundTrip_sharing(benchmark::State& state) { tcp_round_trip(state, Policy::sharing); }
// One iteration a run: CAF takes 10 to 30 s for the 100,000 round trips here.
BENCHMARK(BM_CafTcpRoundTrip)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafTcpRoundTrip_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- TcpThroughput

constexpr std::int64_t kTcpMessages = 1000000;
constexpr std::int64_t kWarmUpMessages = 1000;
constexpr std::size_t kBodyBytes = 64;

// A 64-byte body carrying its sequence number in its first 8 bytes (the rest
// filler), so the receiver can check that each message arrives exactly once
// and in order.
std::string body(std::int64_t seq) {
  std::string b(kBodyBytes, 'x');
  std::memcpy(b.data(), &seq, sizeof seq);
  return b;
}

struct tcp_counter_state {
  std::int64_t next = 0;  // the sequence number expected next
  std::int64_t wrong = 0;  // bodies of the wrong size or out of sequence
};

// On A: counts every body (and checks its size and sequence number).
caf::behavior tcp_counter_actor(caf::stateful_actor<tcp_counter_state>* self, Countdown* done) {
  return {
      [=](const std::string& b) {
        std::int64_t seq = -1;
        if (b.size() == kBodyBytes) std::memcpy(&seq, b.data(), sizeof seq);
        if (seq != self->state.next) ++self->state.wrong;
        ++self->state.next;
        done->count_one();
      },
      [=](caf::get_atom) { return self->state.wrong; },
  };
}

struct tcp_sender_state {
  std::int64_t seq = 0;
};

// On B: on (start, n), sends n bodies to A's counter (through B's proxy for
// it), all at once: CAF 0.17 has no flow control between an actor and the
// remote end, the bodies queue up in B's middleman (BASP broker) until the
// socket takes them.
caf::behavior tcp_sender_actor(caf::stateful_actor<tcp_sender_state>* self, caf::actor counter) {
  return {
      [=](start_atom, std::int64_t n) {
        for (std::int64_t i = 0; i < n; ++i) self->send(counter, body(self->state.seq++));
      },
  };
}

// Sends n bodies; false: not all were counted within kTimeout.
bool burst(const caf::actor& sender, Countdown& done, std::int64_t n) {
  done.reset(n);
  caf::anon_send(sender, start_atom::value, n);
  return done.wait();
}

void tcp_throughput(benchmark::State& state, Policy policy) {
  TwoSystems s(policy);
  Countdown done;
  caf::actor counter = s.a->spawn(tcp_counter_actor, &done);
  std::string error;
  caf::actor remote_counter = connect(s, counter, error);
  if (!remote_counter) {
    stop(*s.a, counter);
    return state.SkipWithError(error.c_str());
  }
  caf::actor sender = s.b->spawn(tcp_sender_actor, remote_counter);
  // Warm-up, untimed: A creates its proxy for the sender on the first body.
  bool ok = burst(sender, done, kWarmUpMessages);
  if (!ok) state.SkipWithError(missing(done, "warm-up messages").c_str());
  // Memory: how far the resident set grows while the bodies are in flight
  // (CAF's sender has no flow control; see tcp_sender_actor).
  const std::size_t rss_before = ockam_bench::settled_rss_bytes();
  const bool peak_known = ockam_bench::reset_peak_rss();
  std::int64_t timed = 0;
  for (auto _ : state) {
    if (!ok) break;
    if (!burst(sender, done, kTcpMessages)) {
      state.SkipWithError(missing(done, "messages").c_str());
      ok = false;
      break;
    }
    ++timed;
  }
  const std::optional<std::size_t> peak = peak_known ? ockam_bench::peak_rss_bytes() : std::nullopt;
  std::int64_t wrong = -1;
  if (ok) {
    caf::scoped_actor self{*s.a};
    self->request(counter, caf::infinite, caf::get_atom::value)
        .receive([&](std::int64_t w) { wrong = w; }, [&](caf::error&) { wrong = -1; });
  }
  stop(*s.b, sender);
  remote_counter = nullptr;
  stop(*s.a, counter);
  if (!ok) return;
  if (done.left() != 0) return state.SkipWithError("not every message was counted");
  if (wrong != 0) {
    return state.SkipWithError(
        (std::to_string(wrong) + " bodies arrived with the wrong size, twice, late or out of order").c_str());
  }
  state.SetItemsProcessed(timed * kTcpMessages);
  state.SetBytesProcessed(timed * kTcpMessages * static_cast<std::int64_t>(kBodyBytes));
  if (peak) {
    state.counters["peak_rss_growth_MiB"] =
        (static_cast<double>(*peak) - static_cast<double>(rss_before)) / (1024.0 * 1024.0);
  }
}
void BM_CafTcpThroughput(benchmark::State& state) { tcp_throughput(state, Policy::stealing); }
void BM_CafTcpThroughput_sharing(benchmark::State& state) { tcp_throughput(state, Policy::sharing); }
BENCHMARK(BM_CafTcpThroughput)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafTcpThroughput_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
