// The cost of a secure channel (issue 10, item 10): the same round trip and
// the same one-way stream, plain and through an Ockam secure channel
// (Noise XX, AES-256-GCM, secure_channel/secure_channel.h), on one node
// (local) and between two nodes over loopback TCP. The report puts each
// beside its plain twin: the ratio is what encryption costs.
//
// A 007d435 channel sends at most 65,535 messages each way and never
// rekeys, so every iteration opens a fresh channel (outside the clock) and
// sends at most kPerChannel messages through it.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "bench/countdown.h"
#include "runtime/ockam.h"
#include "secure_channel/secure_channel.h"
#include "transport/tcp.h"

namespace {

using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Route;
using ockam::Routed;
using ockam_bench::Countdown;
using ockam_bench::missing;

constexpr std::size_t kThreads = 2;
constexpr int kPerChannel = 60000;  // under 65,535 each way
constexpr int kStreamWindow = 4096;  // messages in flight in the stream workloads

ockam::NodeOptions options() {
  ockam::NodeOptions o;
  o.threads = kThreads;
  return o;
}

void report_failure(benchmark::State& state, const std::string& what) { state.SkipWithError(what.c_str()); }

// Answers each int on its return route.
struct Pong : ockam::Worker<int> {
  Result<void> handle_message(Context& ctx, Routed<int> msg) override { return ctx.send(msg.return_route(), msg.body()); }
};

// Sends k - 1 back for each k, until 0.
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

// Counts what arrives.
struct Counter : ockam::Worker<std::string> {
  std::atomic<std::int64_t>* arrived;
  explicit Counter(std::atomic<std::int64_t>* a) : arrived(a) {}
  Result<void> handle_message(Context&, Routed<std::string>) override {
    // relaxed: the sender only paces itself on it; the Countdown publishes the end.
    arrived->fetch_add(1, std::memory_order_relaxed);
    return {};
  }
};

// The responder side (`far`) and the initiator side (`near`): one node
// (local) or two over TCP. `to_far` is the near side's route to the far
// node's workers (empty for local); `listener` the route to the channel
// listener.
struct Setup {
  bool tcp;
  ockam::Node far{options()};
  std::optional<ockam::Node> near_node;
  std::optional<ockam::TcpTransport> far_tcp, near_tcp;
  Route to_listener;
  std::string error;
  std::optional<ockam::Identity> far_id, near_id;

  ockam::Node& near() { return tcp ? *near_node : far; }

  explicit Setup(bool over_tcp, std::vector<Address> expose) : tcp(over_tcp) {
    far_id = ockam::Identity::generate().value();
    near_id = ockam::Identity::generate().value();
    ockam::SecureChannelOptions listener;
    listener.expose = expose;
    if (!ockam::create_secure_channel_listener(far, "listener", *far_id, listener)) {
      error = "listener failed";
      return;
    }
    if (!tcp) {
      to_listener = Route{"listener"};
      return;
    }
    near_node.emplace(options());
    far_tcp = ockam::TcpTransport::create(far).value();
    near_tcp = ockam::TcpTransport::create(*near_node).value();
    expose.push_back("listener");
    auto listening = far_tcp->listen("127.0.0.1:0", {.expose = expose});
    if (!listening) {
      error = listening.error().to_string();
      return;
    }
    auto connected = near_tcp->connect(listening.value().name());
    if (!connected) {
      error = connected.error().to_string();
      return;
    }
    to_listener = Route{connected.value(), "listener"};
  }
};

// One workload: round trips (Ping/Pong) or a stream (app -> Counter), plain
// or through a channel.
void round_trips(benchmark::State& state, bool tcp, bool secure) {
  Setup s(tcp, {"pong"});
  if (!s.error.empty()) return report_failure(state, s.error);
  if (!s.far.start_worker("pong", Pong{})) return report_failure(state, "pong failed to start");
  Countdown done;
  double total_ns = 0;
  int iteration = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Route to_pong;
    if (secure) {
      auto channel = ockam::create_secure_channel(s.near(), s.to_listener, *s.near_id);
      if (!channel) return report_failure(state, channel.error().to_string());
      to_pong = Route{channel.value(), "pong"};
    } else {
      to_pong = tcp ? Route{s.to_listener.next(), "pong"} : Route{"pong"};
    }
    const Address ping = "ping" + std::to_string(iteration++);
    if (!s.near().start_worker(ping, Ping(to_pong, &done))) return report_failure(state, "ping failed to start");
    done.reset(1);
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    // k, k - 1, ..., 1 go to pong and back: kPerChannel round trips, as many
    // messages each way through the channel.
    if (!s.near().send(Route{ping}, kPerChannel)) return report_failure(state, "send failed");
    if (!done.wait()) return report_failure(state, missing(done, "round trips"));
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  }
  state.counters["ns_per_round_trip"] = total_ns / (static_cast<double>(state.iterations()) * kPerChannel);
}

void stream(benchmark::State& state, bool tcp, bool secure) {
  Setup s(tcp, {"counter"});
  if (!s.error.empty()) return report_failure(state, s.error);
  std::atomic<std::int64_t> arrived{0};
  if (!s.far.start_worker("counter", Counter(&arrived))) return report_failure(state, "counter failed to start");
  const std::string body(64, 'x');
  std::int64_t sent = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Route to_counter;
    if (secure) {
      auto channel = ockam::create_secure_channel(s.near(), s.to_listener, *s.near_id);
      if (!channel) return report_failure(state, channel.error().to_string());
      to_counter = Route{channel.value(), "counter"};
    } else {
      to_counter = tcp ? Route{s.to_listener.next(), "counter"} : Route{"counter"};
    }
    state.ResumeTiming();
    for (int i = 0; i < kPerChannel; ++i) {
      // At most kStreamWindow in flight: a channel worker cannot wait for
      // room in the connection it writes to, so the sender paces itself.
      const auto deadline = std::chrono::steady_clock::now() + ockam_bench::kTimeout;
      // relaxed: see Counter.
      while (sent - arrived.load(std::memory_order_relaxed) >= kStreamWindow) {
        if (std::chrono::steady_clock::now() > deadline) return report_failure(state, "the stream stalled");
        std::this_thread::yield();
      }
      Result<void> r = s.near().send_waiting(to_counter, body, std::chrono::seconds(10));
      if (!r) return report_failure(state, r.error().to_string());
      ++sent;
    }
    const auto deadline = std::chrono::steady_clock::now() + ockam_bench::kTimeout;
    while (arrived.load(std::memory_order_relaxed) < sent) {  // relaxed: see Counter
      if (std::chrono::steady_clock::now() > deadline) {
        return report_failure(state, std::to_string(sent - arrived.load()) + " messages missing");
      }
      std::this_thread::yield();
    }
  }
  state.SetItemsProcessed(state.iterations() * kPerChannel);
}

void BM_SecureChannelRoundTrip(benchmark::State& state) { round_trips(state, state.range(0) == 1, true); }
void BM_PlainRoundTrip(benchmark::State& state) { round_trips(state, state.range(0) == 1, false); }
void BM_SecureChannelThroughput(benchmark::State& state) { stream(state, state.range(0) == 1, true); }
void BM_PlainThroughput(benchmark::State& state) { stream(state, state.range(0) == 1, false); }

// Arg 0: one node (local); 1: two nodes over loopback TCP.
BENCHMARK(BM_SecureChannelRoundTrip)->ArgName("tcp")->Arg(0)->Arg(1)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlainRoundTrip)->ArgName("tcp")->Arg(0)->Arg(1)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SecureChannelThroughput)->ArgName("tcp")->Arg(0)->Arg(1)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlainThroughput)->ArgName("tcp")->Arg(0)->Arg(1)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
