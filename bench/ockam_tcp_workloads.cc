// The node's side of the two TCP workloads in /work/shared/BENCHMARKS.md
// (BM_TcpRoundTrip, BM_TcpThroughput), twins of bench/caf/caf_tcp_workloads.cc:
// two nodes in one process on loopback, one TcpTransport connection between
// them, each node on kThreads pool threads plus its transport's I/O thread.
// Nodes, the connection and the workers are set up, and a little traffic is
// warmed up, before the clock runs. Every workload checks its result (every
// round trip, every body in sequence) and fails loudly if one is missing.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "bench/countdown.h"
#include "bench/memory.h"
#include "runtime/ockam.h"
#include "transport/tcp.h"

namespace {

using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Route;
using ockam::Routed;
using ockam_bench::Countdown;
using ockam_bench::missing;

constexpr std::size_t kThreads = 2;  // as the other workloads, and as CAF's scheduler there

ockam::NodeOptions options() {
  ockam::NodeOptions o;
  o.threads = kThreads;
  return o;
}

void report_failure(benchmark::State& state, const std::string& what) { state.SkipWithError(what.c_str()); }

// Node A listens; node B connects. `connection` is B's first hop to A.
struct TwoNodes {
  ockam::Node a{options()};
  ockam::Node b{options()};
  std::string error;
  Address connection;
  std::optional<ockam::TcpTransport> tcp_a, tcp_b;

  // For a failure message: what each side's transport counted.
  std::string counts() const {
    auto line = [](const char* name, const ockam::TcpStats& s) {
      return std::string(name) + ": sent " + std::to_string(s.messages_sent) + ", received " +
             std::to_string(s.messages_received) + ", dropped " + std::to_string(s.messages_dropped) +
             ", malformed " + std::to_string(s.malformed);
    };
    return " (" + line("A", tcp_a->stats()) + "; " + line("B", tcp_b->stats()) + ")";
  }

  TwoNodes() {
    auto created_a = ockam::TcpTransport::create(a);
    auto created_b = ockam::TcpTransport::create(b);
    if (!created_a || !created_b) {
      error = "TcpTransport::create failed";
      return;
    }
    tcp_a = created_a.value();
    tcp_b = created_b.value();
    auto listening = tcp_a->listen("127.0.0.1:0");
    if (!listening) {
      error = listening.error().to_string();
      return;
    }
    auto connected = tcp_b->connect(listening.value().name());
    if (!connected) {
      error = connected.error().to_string();
      return;
    }
    connection = connected.value();
  }
};

// ---------------------------------------------------------------- TcpRoundTrip

constexpr int kTcpRoundTrips = 100000;
constexpr int kWarmUpRoundTrips = 100;

// On B: each reply k starts the next round trip with k - 1; 0 ends the rally.
struct Ping : ockam::Worker<int> {
  Route to_pong;
  Countdown* done;
  Ping(Route r, Countdown* d) : to_pong(std::move(r)), done(d) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    if (msg.body() == 0) {
      done->count_one();
      return {};
    }
    return ctx.send(to_pong, msg.body() - 1);
  }
};

// On A: answers each body on its return route (back over the connection).
struct Pong : ockam::Worker<int> {
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    return ctx.send(msg.return_route(), msg.body());
  }
};

bool rally(ockam::Node& b, Countdown& done, int round_trips) {
  done.reset(1);
  return b.send("ping", round_trips) && done.wait();
}

void BM_TcpRoundTrip(benchmark::State& state) {
  TwoNodes nodes;
  if (!nodes.error.empty()) return report_failure(state, nodes.error);
  Countdown done;
  if (!nodes.a.start_worker("pong", Pong{}) ||
      !nodes.b.start_worker("ping", Ping(Route{nodes.connection, "pong"}, &done))) {
    return report_failure(state, "a player failed to start");
  }
  if (!rally(nodes.b, done, kWarmUpRoundTrips)) return report_failure(state, missing(done, "warm-up round trips"));
  double total_ns = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    if (!rally(nodes.b, done, kTcpRoundTrips)) return report_failure(state, missing(done, "round trips") + nodes.counts());
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  }
  if (nodes.a.stats().handler_errors + nodes.b.stats().handler_errors != 0) {
    return report_failure(state, "a round trip failed");
  }
  state.counters["ns_per_round_trip"] = total_ns / (static_cast<double>(state.iterations()) * kTcpRoundTrips);
}
BENCHMARK(BM_TcpRoundTrip)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- TcpThroughput

constexpr std::int64_t kTcpMessages = 1000000;
constexpr std::int64_t kWarmUpMessages = 1000;
constexpr std::size_t kBodyBytes = 64;

// 64 bytes, the sequence number in the first 20 as decimal digits. CAF's
// twin puts it there as 8 raw bytes; here the body must be valid UTF-8,
// because a std::string crosses Ockam's wire as a BARE string (Rust's
// String), and the receiving codec checks that.
std::string body(std::int64_t seq) {
  std::string b(kBodyBytes, 'x');
  std::snprintf(b.data(), 21, "%020lld", static_cast<long long>(seq));
  b[20] = 'x';  // snprintf's terminator
  return b;
}

std::int64_t seq_of(const std::string& b) {
  if (b.size() != kBodyBytes) return -1;
  return std::strtoll(b.substr(0, 20).c_str(), nullptr, 10);
}

// On A: counts every body and checks its size and sequence number.
struct Counter : ockam::Worker<std::string> {
  Countdown* done;
  std::int64_t* wrong;  // read by the app after done.wait()
  std::int64_t next = 0;
  Counter(Countdown* d, std::int64_t* w) : done(d), wrong(w) {}
  Result<void> handle_message(Context&, Routed<std::string> msg) override {
    if (seq_of(msg.body()) != next) ++*wrong;
    ++next;
    done->count_one();
    return {};
  }
};

// The app thread of B sends n bodies, retrying while the connection's
// bounded queue pushes back (QueueFull). False on any other error.
bool burst(ockam::Node& b, const Route& to, std::int64_t& seq, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::string next = body(seq++);
    for (;;) {
      Result<void> sent = b.send(to, next);
      if (sent) break;
      if (sent.error().code() != ockam::ErrorCode::QueueFull) return false;
      std::this_thread::yield();
    }
  }
  return true;
}

void BM_TcpThroughput(benchmark::State& state) {
  TwoNodes nodes;
  if (!nodes.error.empty()) return report_failure(state, nodes.error);
  Countdown done;
  std::int64_t wrong = 0;
  if (!nodes.a.start_worker("counter", Counter(&done, &wrong))) return report_failure(state, "counter failed to start");
  const Route to{nodes.connection, "counter"};
  std::int64_t seq = 0;
  done.reset(kWarmUpMessages);
  if (!burst(nodes.b, to, seq, kWarmUpMessages) || !done.wait()) {
    return report_failure(state, missing(done, "warm-up messages") + nodes.counts());
  }
  const std::size_t rss_before = ockam_bench::settled_rss_bytes();
  const bool peak_known = ockam_bench::reset_peak_rss();
  for (auto _ : state) {
    done.reset(kTcpMessages);
    if (!burst(nodes.b, to, seq, kTcpMessages)) return report_failure(state, "send failed");
    if (!done.wait()) return report_failure(state, missing(done, "messages") + nodes.counts());
  }
  if (wrong != 0) return report_failure(state, std::to_string(wrong) + " bodies out of sequence or malformed");
  // Bounded by TcpOptions::max_queued_messages: the sender meets QueueFull
  // instead of queueing the whole burst.
  if (const auto peak = peak_known ? ockam_bench::peak_rss_bytes() : std::nullopt) {
    state.counters["peak_rss_growth_MiB"] =
        (static_cast<double>(*peak) - static_cast<double>(rss_before)) / (1024.0 * 1024.0);
  }
  const ockam::TcpStats sent = nodes.tcp_b->stats();
  state.counters["messages_per_write"] =
      static_cast<double>(sent.messages_sent) / static_cast<double>(sent.writes == 0 ? 1 : sent.writes);
  state.SetItemsProcessed(state.iterations() * kTcpMessages);
  state.SetBytesProcessed(state.iterations() * kTcpMessages * static_cast<std::int64_t>(kBodyBytes));
}
BENCHMARK(BM_TcpThroughput)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
