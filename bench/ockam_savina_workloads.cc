// The node's side of the Savina-style workloads in ../shared/BENCHMARKS.md
// (Big, Counting, CountingFromWorker, ForkJoin, Chameneos, RequestReply;
// Skynet is in ockam_workloads.cc), twins of bench/caf/caf_savina_workloads.cc,
// written against the public API as a user would write them: workers at
// fresh addresses (start_worker(W)), a std::variant where a worker takes
// more than one kind of message, replies on the return route.
//
// Workers are started before the clock runs; the clock holds the traffic.
// Every workload checks its result (every message counted, every sum right)
// and fails with SkipWithError if one is missing; a lost message ends in a
// timeout (10 minutes), not a hang. A handler that sees something wrong
// (a reply it did not ask for, a body it did not send) returns an error,
// which the node counts (stats().handler_errors) and the workload checks.
// Each runs 5 times (Repetitions(5)), a fresh node each time.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <oneapi/tbb/scalable_allocator.h>

#include "bench/countdown.h"
#include "bench/memory.h"
#include "runtime/ockam.h"

namespace {

using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Route;
using ockam::Routed;
using ockam_bench::Countdown;
using ockam_bench::missing;

constexpr std::size_t kThreads = 2;  // the cores of the machine the figures are quoted for

ockam::NodeOptions bench_options() {
  ockam::NodeOptions options;
  options.threads = kThreads;
  return options;
}

void report_failure(benchmark::State& state, const std::string& what) { state.SkipWithError(what.c_str()); }

ockam::Error wrong(const std::string& what) { return ockam::Error(ockam::ErrorCode::WorkerFailed, what); }

// After the traffic: a handler that returned an error saw something wrong.
bool handlers_ok(benchmark::State& state, ockam::Node& node) {
  const ockam::NodeStats stats = node.stats();
  if (stats.handler_errors == 0 && stats.wrong_type == 0) return true;
  report_failure(state, std::to_string(stats.handler_errors) + " handler error(s), " +
                            std::to_string(stats.wrong_type) + " body(ies) of the wrong type (see the log)");
  return false;
}

// The same generator on both sides (xorshift64): Big's choice of peers.
std::uint64_t next_random(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// ---------------------------------------------------------------- Big

// 2,000 workers; on the app's BigStart each sends 2,000 pings, one at a
// time, each to a peer drawn at random (never itself), and sends the next
// when the pong for the last comes back. A worker that has its 2,000 pongs
// counts `done` down. items: messages, pings and pongs (8,000,000).
constexpr std::size_t kBigWorkers = 2000;
constexpr int kBigPings = 2000;

struct BigStart {};
struct BigPing {};
struct BigPong {};
using BigMessage = std::variant<BigStart, BigPing, BigPong>;

struct BigWorker : ockam::Worker<BigMessage> {
  const std::vector<Address>* peers;  // every worker, itself at `index`; complete before BigStart
  std::size_t index;
  Countdown* done;
  std::uint64_t random;
  int pongs = 0;
  bool waiting = false;  // a ping of ours is out
  BigWorker(const std::vector<Address>* p, std::size_t i, Countdown* d)
      : peers(p), index(i), done(d), random(0x9E3779B97F4A7C15ull * (i + 1)) {}

  Result<void> handle_message(Context& ctx, Routed<BigMessage> msg) override {
    if (std::holds_alternative<BigPing>(msg.body())) return ctx.send(msg.return_route(), BigPong{});
    if (std::holds_alternative<BigStart>(msg.body())) {
      pongs = 0;
      return ping(ctx);
    }
    if (!waiting) return wrong("a pong for no ping");
    waiting = false;
    if (++pongs == kBigPings) {
      done->count_one();
      return {};
    }
    return ping(ctx);
  }
  Result<void> ping(Context& ctx) {
    std::size_t peer = next_random(random) % (peers->size() - 1);
    if (peer >= index) ++peer;  // anyone but itself
    waiting = true;
    return ctx.send((*peers)[peer], BigPing{});
  }
};

void BM_Big(benchmark::State& state) {
  ockam::Node node(bench_options());
  std::vector<Address> peers;
  Countdown done;
  for (std::size_t i = 0; i < kBigWorkers; ++i) {
    Result<Address> started = node.start_worker(BigWorker{&peers, i, &done});
    if (!started) return report_failure(state, "a worker failed to start: " + started.error().to_string());
    peers.push_back(started.value());
  }
  for (auto _ : state) {
    done.reset(kBigWorkers);
    for (const Address& a : peers) {
      if (!node.send(a, BigStart{})) return report_failure(state, "send failed");
    }
    if (!done.wait()) return report_failure(state, missing(done, "workers' last pongs"));
  }
  if (!handlers_ok(state, node)) return;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBigWorkers) * kBigPings * 2);
}
BENCHMARK(BM_Big)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- Counting

// One counter worker; a producer sends it 5,000,000 increments as fast as
// it can, then asks for the total (the counter answers on the return
// route). items: increments.
//
// Memory: the counter's mailbox holds all of them (WorkerOptions::
// mailbox_capacity), so a producer faster than the counter queues them
// instead of meeting QueueFull. The counter publishes how many it has
// handled; every kSampleEvery sends the producer reads that and keeps the
// largest sent - handled: the messages queued at the peak (the queue only
// shrinks once the producer stops, so the last sample is taken then). The
// peak RSS is the process's VmHWM, reset to the settled RSS just before the
// burst; bytes_per_queued_message = (VmHWM - that RSS) / queued at the peak,
// which holds the envelope, the body, the mailbox's share and whatever the
// allocator keeps around them. queued_at_peak is reported beside it: only
// when it is near 5,000,000 is the figure the cost of a queued message
// rather than of a few in flight plus the allocator's caches.
constexpr std::int64_t kIncrements = 5000000;
constexpr std::int64_t kSampleEvery = 65536;

struct Increment {};
struct GetTotal {};
struct Total {
  std::int64_t value;
};

struct CountingWorker : ockam::Worker<std::variant<Increment, GetTotal>> {
  std::atomic<std::int64_t>* handled;
  std::int64_t total = 0;
  explicit CountingWorker(std::atomic<std::int64_t>* h) : handled(h) {}
  Result<void> handle_message(Context& ctx, Routed<std::variant<Increment, GetTotal>> msg) override {
    if (std::holds_alternative<GetTotal>(msg.body())) {
      const Total answer{total};
      total = 0;  // the next run's count starts afresh
      // relaxed: the producer's next run starts after it has this answer,
      // which carries the store to it (the mailbox's release/acquire).
      handled->store(0, std::memory_order_relaxed);
      return ctx.send(msg.return_route(), answer);
    }
    // relaxed: a progress figure for the producer's depth samples (pairs
    // with QueuePeak::sample's load); nothing else is published through it.
    handled->store(++total, std::memory_order_relaxed);
    return {};
  }
};

// The largest sent - handled seen.
struct QueuePeak {
  const std::atomic<std::int64_t>* handled;
  std::int64_t peak = 0;
  void sample(std::int64_t sent) {
    // relaxed: pairs with CountingWorker's store; a stale value only makes
    // the depth look larger by what the counter handled since.
    peak = std::max(peak, sent - handled->load(std::memory_order_relaxed));
  }
};

// Sends kIncrements increments from `ctx` (the app's or the producer's) to
// `counter`, sampling the queue's depth; false if a send failed.
bool send_increments(Context& ctx, const Address& counter, QueuePeak& queued) {
  for (std::int64_t sent = 1; sent <= kIncrements; ++sent) {
    if (!ctx.send(counter, Increment{})) return false;
    if (sent % kSampleEvery == 0) queued.sample(sent);
  }
  queued.sample(kIncrements);
  return true;
}

std::size_t settled_rss_bytes() {
  (void)scalable_allocation_command(TBBMALLOC_CLEAN_ALL_BUFFERS, nullptr);  // envelopes come from tbbmalloc
  return ockam_bench::settled_rss_bytes();
}

// Peak RSS growth since `before` (VmHWM reset then) per message queued at
// the peak; nullopt if /proc does not tell.
std::optional<double> bytes_per_queued(bool peak_reset, std::size_t before, const QueuePeak& queued) {
  const std::optional<std::size_t> peak = peak_reset ? ockam_bench::peak_rss_bytes() : std::nullopt;
  if (!peak || queued.peak <= 0) return std::nullopt;
  return ockam_bench::bytes_per(before, *peak, queued.peak);
}

void report_counting(benchmark::State& state, std::optional<double> bytes, const QueuePeak& queued) {
  state.SetItemsProcessed(state.iterations() * kIncrements);
  if (bytes) state.counters["bytes_per_queued_message"] = *bytes;
  state.counters["queued_at_peak"] = static_cast<double>(queued.peak);
}

ockam::WorkerOptions room_for_every_increment() {
  ockam::WorkerOptions options;
  options.mailbox_capacity = kIncrements + 1;  // and the GetTotal behind them
  return options;
}

void BM_Counting(benchmark::State& state) {
  ockam::Node node(bench_options());
  std::atomic<std::int64_t> handled{0};
  Result<Address> counter = node.start_worker(CountingWorker{&handled}, room_for_every_increment());
  if (!counter) return report_failure(state, "the counter failed to start");
  QueuePeak queued{&handled};
  std::optional<double> bytes;
  for (auto _ : state) {
    state.PauseTiming();
    queued.peak = 0;
    const std::size_t before = settled_rss_bytes();
    const bool peak_reset = ockam_bench::reset_peak_rss();
    state.ResumeTiming();
    if (!send_increments(node.context(), *counter, queued)) return report_failure(state, "send failed");
    if (!node.send(*counter, GetTotal{})) return report_failure(state, "send failed");
    Result<Routed<Total>> total = node.receive<Total>(ockam_bench::kTimeout);
    if (!total) return report_failure(state, "no total from the counter: " + total.error().to_string());
    if (total->body().value != kIncrements) {
      return report_failure(state, "the counter counted " + std::to_string(total->body().value));
    }
    bytes = bytes_per_queued(peak_reset, before, queued);
  }
  if (!handlers_ok(state, node)) return;
  report_counting(state, bytes, queued);
}
BENCHMARK(BM_Counting)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// The producer is a worker: on CountingGo it sends the increments, asks for
// the total, and hands the answer to the app.
struct CountingGo {};

struct Producer : ockam::Worker<std::variant<CountingGo, Total>> {
  Address counter;
  QueuePeak* queued;  // the app reads it after the answer
  Route app;
  Producer(Address c, QueuePeak* q) : counter(std::move(c)), queued(q) {}
  Result<void> handle_message(Context& ctx, Routed<std::variant<CountingGo, Total>> msg) override {
    if (const Total* total = std::get_if<Total>(&msg.body())) return ctx.send(app, *total);
    app = msg.return_route();
    if (!send_increments(ctx, counter, *queued)) return wrong("an increment was refused");
    return ctx.send(counter, GetTotal{});
  }
};

void BM_CountingFromWorker(benchmark::State& state) {
  ockam::Node node(bench_options());
  std::atomic<std::int64_t> handled{0};
  Result<Address> counter = node.start_worker(CountingWorker{&handled}, room_for_every_increment());
  QueuePeak queued{&handled};
  if (!counter) return report_failure(state, "the counter failed to start");
  Result<Address> producer = node.start_worker(Producer{*counter, &queued});
  if (!producer) return report_failure(state, "the producer failed to start");
  std::optional<double> bytes;
  for (auto _ : state) {
    state.PauseTiming();
    queued.peak = 0;  // the producer writes it only after CountingGo
    const std::size_t before = settled_rss_bytes();
    const bool peak_reset = ockam_bench::reset_peak_rss();
    state.ResumeTiming();
    if (!node.send(*producer, CountingGo{})) return report_failure(state, "send failed");
    Result<Routed<Total>> total = node.receive<Total>(ockam_bench::kTimeout);
    if (!total) return report_failure(state, "no total from the producer: " + total.error().to_string());
    if (total->body().value != kIncrements) {
      return report_failure(state, "the counter counted " + std::to_string(total->body().value));
    }
    bytes = bytes_per_queued(peak_reset, before, queued);
  }
  if (!handlers_ok(state, node)) return;
  report_counting(state, bytes, queued);
}
BENCHMARK(BM_CountingFromWorker)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- ForkJoin

// 3,000,000 messages from the app, message i to worker i % n; each worker
// folds every number it gets into a hash (a few multiplies and shifts: the
// tiny computation) and, at its share of the messages, reports the hash
// and counts `done` down. The app checks each hash against its own fold,
// which also checks that each worker got its numbers once and in order.
constexpr std::int64_t kForkJoinMessages = 3000000;

std::uint64_t fold(std::uint64_t hash, std::int64_t number) {
  hash = (hash ^ static_cast<std::uint64_t>(number)) * 0x9E3779B97F4A7C15ull;
  return hash ^ (hash >> 29);
}

struct ForkJoinWorker : ockam::Worker<std::int64_t> {
  std::int64_t share;
  std::uint64_t* result;  // this worker's slot, read by the app after `done`
  Countdown* done;
  std::int64_t seen = 0;
  std::uint64_t hash = 0;
  ForkJoinWorker(std::int64_t s, std::uint64_t* r, Countdown* d) : share(s), result(r), done(d) {}
  Result<void> handle_message(Context&, Routed<std::int64_t> msg) override {
    hash = fold(hash, msg.body());
    if (++seen < share) return {};
    *result = hash;
    seen = 0;
    hash = 0;
    done->count_one();
    return {};
  }
};

void BM_ForkJoin(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  const std::int64_t share = kForkJoinMessages / n;  // BENCHMARKS.md's 60 and 1,000 divide it
  ockam::Node node(bench_options());
  Countdown done;
  std::vector<std::uint64_t> results(static_cast<std::size_t>(n), 0), expected(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < kForkJoinMessages; ++i) expected[i % n] = fold(expected[i % n], i);
  std::vector<Address> workers;
  for (std::int64_t w = 0; w < n; ++w) {
    Result<Address> started = node.start_worker(ForkJoinWorker{share, &results[w], &done});
    if (!started) return report_failure(state, "a worker failed to start");
    workers.push_back(started.value());
  }
  for (auto _ : state) {
    done.reset(n);
    for (std::int64_t i = 0; i < kForkJoinMessages; ++i) {
      if (!node.send(workers[i % n], i)) return report_failure(state, "send failed");
    }
    if (!done.wait()) return report_failure(state, missing(done, "workers' last messages"));
    if (results != expected) return report_failure(state, "a worker's hash is wrong: a number lost, twice or late");
  }
  if (!handlers_ok(state, node)) return;
  state.SetItemsProcessed(state.iterations() * kForkJoinMessages);
}
BENCHMARK(BM_ForkJoin)->Arg(60)->Arg(1000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- Chameneos

// Savina's chameneos: 100 chameneos, each of a colour, meet through a mall
// until it has held 200,000 meetings. A chameneo asks the mall for a
// meeting (MeetRequest, its colour). The mall keeps the first asker
// waiting; the second makes a pair: the mall sends the waiting one Meet
// (the other's colour and address). It takes the complement of the two
// colours, tells the other (Change), and both ask again. Once the mall has
// held all its meetings, it answers each request with Fade; a chameneo
// answers that with its number of meetings (Faded), and when all 100 have,
// the mall sends the app their sum, which must be 2 x 200,000. items:
// meetings. The app starts it with MallStart; the mall starts the chameneos.
constexpr int kChameneos = 100;
constexpr std::int64_t kMeetings = 200000;

int complement(int a, int b) { return a == b ? a : 3 - a - b; }  // colours 0, 1, 2

struct MallStart {};
struct MeetRequest {
  int colour;
};
struct Faded {
  std::int64_t meetings;
};
struct MeetingsHeld {
  std::int64_t sum;
};

struct ChameneoStart {};
struct Meet {
  int colour;
  Address other;
};
struct Change {
  int colour;
};
struct Fade {};

struct Mall : ockam::Worker<std::variant<MallStart, MeetRequest, Faded>> {
  const std::vector<Address>* chameneos;  // complete before MallStart
  Route app;
  std::int64_t meetings_left = 0;
  std::optional<Address> waiting;
  int waiting_colour = 0;
  int faded = 0;
  std::int64_t sum = 0;
  explicit Mall(const std::vector<Address>* c) : chameneos(c) {}

  Result<void> handle_message(Context& ctx, Routed<std::variant<MallStart, MeetRequest, Faded>> msg) override {
    if (const MeetRequest* request = std::get_if<MeetRequest>(&msg.body())) {
      if (meetings_left == 0) return ctx.send(msg.src_addr(), Fade{});
      if (!waiting) {
        waiting = msg.src_addr();
        waiting_colour = request->colour;
        return {};
      }
      --meetings_left;
      Result<void> sent = ctx.send(*waiting, Meet{request->colour, msg.src_addr()});
      waiting.reset();
      return sent;
    }
    if (const Faded* f = std::get_if<Faded>(&msg.body())) {
      sum += f->meetings;
      if (++faded < kChameneos) return {};
      return ctx.send(app, MeetingsHeld{sum});
    }
    app = msg.return_route();
    meetings_left = kMeetings;
    faded = 0;
    sum = 0;
    for (const Address& c : *chameneos) {
      if (Result<void> r = ctx.send(c, ChameneoStart{}); !r) return r;
    }
    return {};
  }
};

struct Chameneo : ockam::Worker<std::variant<ChameneoStart, Meet, Change, Fade>> {
  Address mall;
  int colour;
  std::int64_t meetings = 0;
  Chameneo(Address m, int c) : mall(std::move(m)), colour(c) {}

  Result<void> handle_message(Context& ctx, Routed<std::variant<ChameneoStart, Meet, Change, Fade>> msg) override {
    const auto& body = msg.body();
    if (const Meet* meet = std::get_if<Meet>(&body)) {
      colour = complement(colour, meet->colour);
      ++meetings;
      if (Result<void> r = ctx.send(meet->other, Change{colour}); !r) return r;
    } else if (const Change* change = std::get_if<Change>(&body)) {
      colour = change->colour;
      ++meetings;
    } else if (std::holds_alternative<Fade>(body)) {
      return ctx.send(mall, Faded{meetings});
    } else {
      meetings = 0;  // ChameneoStart
    }
    return ctx.send(mall, MeetRequest{colour});
  }
};

void BM_Chameneos(benchmark::State& state) {
  ockam::Node node(bench_options());
  std::vector<Address> chameneos;
  Result<Address> mall = node.start_worker(Mall{&chameneos});
  if (!mall) return report_failure(state, "the mall failed to start");
  for (int i = 0; i < kChameneos; ++i) {
    Result<Address> started = node.start_worker(Chameneo{*mall, i % 3});
    if (!started) return report_failure(state, "a chameneo failed to start");
    chameneos.push_back(started.value());
  }
  for (auto _ : state) {
    if (!node.send(*mall, MallStart{})) return report_failure(state, "send failed");
    Result<Routed<MeetingsHeld>> held = node.receive<MeetingsHeld>(ockam_bench::kTimeout);
    if (!held) return report_failure(state, "no answer from the mall: " + held.error().to_string());
    if (held->body().sum != 2 * kMeetings) {
      return report_failure(state, "the chameneos met " + std::to_string(held->body().sum) + " times, not " +
                                       std::to_string(2 * kMeetings));
    }
  }
  if (!handlers_ok(state, node)) return;
  state.SetItemsProcessed(state.iterations() * kMeetings);
}
BENCHMARK(BM_Chameneos)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- RequestReply

// 4 clients, one server; each client makes 250,000 round trips, one at a
// time: a Request of a 1 KiB body, answered with a Reply of the same body
// (moved there and back, never copied). The client stamps its round trip's
// number in the body's first 8 bytes and checks it in the reply. items:
// round trips (1,000,000).
constexpr int kClients = 4;
constexpr std::int64_t kRoundTripsPerClient = 250000;
constexpr std::size_t kBodyBytes = 1024;

struct Request {
  std::string body;
};
struct Reply {
  std::string body;
};
struct ClientStart {};

struct Server : ockam::Worker<Request> {
  Result<void> handle_message(Context& ctx, Routed<Request> msg) override {
    Route back = msg.return_route();
    return ctx.send(std::move(back), Reply{std::move(msg).into_body().body});
  }
};

std::int64_t stamp_of(const std::string& body) {
  std::int64_t n = -1;
  if (body.size() == kBodyBytes) std::memcpy(&n, body.data(), sizeof n);
  return n;
}

struct Client : ockam::Worker<std::variant<ClientStart, Reply>> {
  Address server;
  Countdown* done;
  std::int64_t round_trip = 0;
  explicit Client(Address s, Countdown* d) : server(std::move(s)), done(d) {}

  Result<void> handle_message(Context& ctx, Routed<std::variant<ClientStart, Reply>> msg) override {
    if (std::holds_alternative<ClientStart>(msg.body())) {
      round_trip = 0;
      return request(ctx, std::string(kBodyBytes, 'x'));
    }
    std::string body = std::move(std::get<Reply>(std::move(msg).into_body()).body);
    if (stamp_of(body) != round_trip) return wrong("a reply to another request, or a body not ours");
    if (++round_trip == kRoundTripsPerClient) {
      done->count_one();
      return {};
    }
    return request(ctx, std::move(body));
  }
  Result<void> request(Context& ctx, std::string body) {
    std::memcpy(body.data(), &round_trip, sizeof round_trip);
    return ctx.send(server, Request{std::move(body)});
  }
};

void BM_RequestReply(benchmark::State& state) {
  ockam::Node node(bench_options());
  Countdown done;
  Result<Address> server = node.start_worker(Server{});
  if (!server) return report_failure(state, "the server failed to start");
  std::vector<Address> clients;
  for (int i = 0; i < kClients; ++i) {
    Result<Address> started = node.start_worker(Client{*server, &done});
    if (!started) return report_failure(state, "a client failed to start");
    clients.push_back(started.value());
  }
  for (auto _ : state) {
    done.reset(kClients);
    for (const Address& c : clients) {
      if (!node.send(c, ClientStart{})) return report_failure(state, "send failed");
    }
    if (!done.wait()) return report_failure(state, missing(done, "clients' last replies"));
  }
  if (!handlers_ok(state, node)) return;
  state.SetItemsProcessed(state.iterations() * kClients * kRoundTripsPerClient);
}
BENCHMARK(BM_RequestReply)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
