// CAF's side of the Savina-style workloads in /work/shared/BENCHMARKS.md
// (Big, Counting, CountingFromWorker, ForkJoin, Chameneos, RequestReply;
// Skynet is in caf_workloads.cc): the same parameters and the same checks
// as bench/ockam_savina_workloads.cc, written the way CAF 0.17's manual
// writes actors (function-based event-based actors, stateful_actor for
// state, atoms for the kinds of message, `anon_send` from outside the
// system, `send` from inside an actor, a reply by returning a value from the
// handler, a response promise for an answer that comes later).
//
// Each runs on CAF's default scheduler (BM_CafX) and on work sharing
// (BM_CafX_sharing), 5 times each, a fresh actor system each time; actors
// are spawned before the clock runs. A lost message ends in a timeout
// (10 minutes) and SkipWithError; a handler that sees something wrong (a
// reply it did not ask for, a body it did not send) counts it in `wrong`,
// and the workload fails if that is not 0.
#include <benchmark/benchmark.h>

#include <caf/all.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bench/caf/caf_players.h"
#include "bench/caf/caf_system.h"
#include "bench/countdown.h"
#include "bench/memory.h"

namespace {

using ockam_bench::BenchSystem;
using ockam_bench::Countdown;
using ockam_bench::kTimeout;
using ockam_bench::missing;
using ockam_bench::Policy;
using ockam_bench::start_atom;
using ockam_bench::stop_all;

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using increment_atom = caf::atom_constant<caf::atom("increment")>;
using meet_atom = caf::atom_constant<caf::atom("meet")>;
using change_atom = caf::atom_constant<caf::atom("change")>;
using fade_atom = caf::atom_constant<caf::atom("fade")>;
using faded_atom = caf::atom_constant<caf::atom("faded")>;

// Counted by a handler that saw something wrong. Its increments are
// relaxed: only the count matters, and the app reads it (wrong_ok) after
// await_all_actors_done, which orders every actor's last turn before it.
using Wrong = std::atomic<std::int64_t>;

bool wrong_ok(benchmark::State& state, const Wrong& wrong) {
  if (wrong.load() == 0) return true;
  state.SkipWithError((std::to_string(wrong.load()) + " message(s) a handler did not expect").c_str());
  return false;
}

// Every actor told to exit and gone.
void finish(BenchSystem& sys, std::vector<caf::actor>& actors) {
  stop_all(actors);
  sys->await_all_actors_done();
}

// The node's generator (xorshift64), so both pick the same peers.
std::uint64_t next_random(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// ---------------------------------------------------------------- Big

// 2,000 actors; on start each sends 2,000 pings, one at a time, each to a
// random other (never itself); a ping is answered by returning pong. At its
// 2,000th pong an actor counts `done` down. items: pings and pongs.
constexpr std::size_t kBigWorkers = 2000;
constexpr int kBigPings = 2000;

struct big_state {
  std::uint64_t random = 0;
  int pongs = 0;
  bool waiting = false;
};

caf::behavior big_actor(caf::stateful_actor<big_state>* self, const std::vector<caf::actor>* peers, std::size_t index,
                        Countdown* done, Wrong* wrong) {
  self->state.random = 0x9E3779B97F4A7C15ull * (index + 1);
  auto ping = [=] {
    std::size_t peer = next_random(self->state.random) % (peers->size() - 1);
    if (peer >= index) ++peer;
    self->state.waiting = true;
    self->send((*peers)[peer], ping_atom::value);
  };
  return {
      [=](start_atom) {
        self->state.pongs = 0;
        ping();
      },
      [](ping_atom) { return pong_atom::value; },
      [=](pong_atom) {
        if (!self->state.waiting) {
          wrong->fetch_add(1, std::memory_order_relaxed);
          return;
        }
        self->state.waiting = false;
        if (++self->state.pongs == kBigPings) {
          done->count_one();
          return;
        }
        ping();
      },
  };
}

void big(benchmark::State& state, Policy policy) {
  BenchSystem sys(policy);
  Countdown done;
  Wrong wrong{0};
  std::vector<caf::actor> peers;
  peers.reserve(kBigWorkers);  // read by the actors: never reallocated once they run
  for (std::size_t i = 0; i < kBigWorkers; ++i) peers.push_back(sys->spawn(big_actor, &peers, i, &done, &wrong));
  for (auto _ : state) {
    done.reset(kBigWorkers);
    for (const caf::actor& a : peers) caf::anon_send(a, start_atom::value);
    if (!done.wait()) {
      state.SkipWithError(missing(done, "actors' last pongs").c_str());
      break;
    }
  }
  finish(sys, peers);
  if (!wrong_ok(state, wrong) || done.left() != 0) return;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBigWorkers) * kBigPings * 2);
}
void BM_CafBig(benchmark::State& state) { big(state, Policy::stealing); }
void BM_CafBig_sharing(benchmark::State& state) { big(state, Policy::sharing); }
BENCHMARK(BM_CafBig)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafBig_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- Counting

// One counter actor; a producer sends it 5,000,000 increments, then asks for
// the total (a request; the counter returns it). CAF's mailboxes are
// unbounded, so the increments queue as the producer outruns the counter.
// The peak is measured as on the node's side: the counter publishes how
// many it has handled, the producer samples sent - handled every
// kSampleEvery sends and after the last (queued_at_peak), and
// bytes_per_queued_message = (VmHWM, reset to the settled RSS just before
// the burst, - that RSS) / queued_at_peak.
constexpr std::int64_t kIncrements = 5000000;
constexpr std::int64_t kSampleEvery = 65536;

struct counting_state {
  std::int64_t total = 0;
};

caf::behavior counting_actor(caf::stateful_actor<counting_state>* self, std::atomic<std::int64_t>* handled) {
  return {
      // relaxed: a progress figure for the producer's depth samples (pairs
      // with QueuePeak::sample's load); nothing is published through it.
      [=](increment_atom) { handled->store(++self->state.total, std::memory_order_relaxed); },
      [=](caf::get_atom) {
        const std::int64_t total = self->state.total;
        self->state.total = 0;  // the next run's count starts afresh
        // relaxed: the producer's next run starts after this answer, which
        // carries the store to it (CAF's mailbox: release/acquire).
        handled->store(0, std::memory_order_relaxed);
        return total;
      },
  };
}

// The largest sent - handled seen.
struct QueuePeak {
  const std::atomic<std::int64_t>* handled;
  std::int64_t peak = 0;
  void sample(std::int64_t sent) {
    // relaxed: pairs with counting_actor's store; a stale value only makes
    // the depth look larger by what the counter handled since.
    peak = std::max(peak, sent - handled->load(std::memory_order_relaxed));
  }
};

// Sends the increments with `send` (anon_send from the app, self->send from
// an actor), sampling the queue's depth.
template <class Send>
void send_increments(const Send& send, QueuePeak& queued) {
  for (std::int64_t sent = 1; sent <= kIncrements; ++sent) {
    send();
    if (sent % kSampleEvery == 0) queued.sample(sent);
  }
  queued.sample(kIncrements);
}

// Off the clock, before a burst: the baseline of its memory figure.
struct PeakBaseline {
  std::size_t before = ockam_bench::settled_rss_bytes();
  bool reset = ockam_bench::reset_peak_rss();
  std::optional<double> bytes_per(const QueuePeak& queued) const {
    const std::optional<std::size_t> peak = reset ? ockam_bench::peak_rss_bytes() : std::nullopt;
    if (!peak || queued.peak <= 0) return std::nullopt;
    return ockam_bench::bytes_per(before, *peak, queued.peak);
  }
};

void report_counting(benchmark::State& state, std::optional<double> bytes, const QueuePeak& queued) {
  state.SetItemsProcessed(state.iterations() * kIncrements);
  if (bytes) state.counters["bytes_per_queued_message"] = *bytes;
  state.counters["queued_at_peak"] = static_cast<double>(queued.peak);
}

// The total asked with a blocking request from the benchmark thread; -1 on
// an error or after kTimeout. `whom` answers with an int64_t.
template <class... Ts>
std::int64_t ask(caf::actor_system& sys, const caf::actor& whom, Ts... message) {
  std::int64_t answer = -1;
  caf::scoped_actor self{sys};
  self->request(whom, kTimeout, message...)
      .receive([&](std::int64_t total) { answer = total; }, [&](caf::error&) { answer = -1; });
  return answer;
}

void counting(benchmark::State& state, Policy policy) {
  BenchSystem sys(policy);
  std::atomic<std::int64_t> handled{0};
  std::vector<caf::actor> actors{sys->spawn(counting_actor, &handled)};
  const caf::actor counter = actors.front();
  QueuePeak queued{&handled};
  std::optional<double> bytes;
  for (auto _ : state) {
    state.PauseTiming();
    queued.peak = 0;
    const PeakBaseline baseline;
    state.ResumeTiming();
    send_increments([&] { caf::anon_send(counter, increment_atom::value); }, queued);
    // The request is enqueued after every increment (one thread enqueues
    // them all, in order), so the total counts them all.
    const std::int64_t total = ask(*sys, counter, caf::get_atom::value);
    if (total != kIncrements) {
      state.SkipWithError(("the counter counted " + std::to_string(total)).c_str());
      break;
    }
    bytes = baseline.bytes_per(queued);
  }
  finish(sys, actors);
  report_counting(state, bytes, queued);
}
void BM_CafCounting(benchmark::State& state) { counting(state, Policy::stealing); }
void BM_CafCounting_sharing(benchmark::State& state) { counting(state, Policy::sharing); }
BENCHMARK(BM_CafCounting)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafCounting_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

struct producer_state {
  caf::response_promise answer;
};

// On start: sends the increments, asks the counter for the total, and
// answers the start with it once it comes.
caf::behavior producer_actor(caf::stateful_actor<producer_state>* self, caf::actor counter, QueuePeak* queued) {
  return {
      [=](start_atom) {
        self->state.answer = self->make_response_promise();
        send_increments([&] { self->send(counter, increment_atom::value); }, *queued);
        self->request(counter, caf::infinite, caf::get_atom::value).then([=](std::int64_t total) {
          self->state.answer.deliver(total);
        });
      },
  };
}

void counting_from_actor(benchmark::State& state, Policy policy) {
  BenchSystem sys(policy);
  std::atomic<std::int64_t> handled{0};
  std::vector<caf::actor> actors{sys->spawn(counting_actor, &handled)};
  QueuePeak queued{&handled};
  actors.push_back(sys->spawn(producer_actor, actors.front(), &queued));
  const caf::actor producer = actors.back();
  std::optional<double> bytes;
  for (auto _ : state) {
    state.PauseTiming();
    queued.peak = 0;  // the producer writes it only after start (read after its answer)
    const PeakBaseline baseline;
    state.ResumeTiming();
    const std::int64_t total = ask(*sys, producer, start_atom::value);
    if (total != kIncrements) {
      state.SkipWithError(("the counter counted " + std::to_string(total)).c_str());
      break;
    }
    bytes = baseline.bytes_per(queued);
  }
  finish(sys, actors);
  report_counting(state, bytes, queued);
}
void BM_CafCountingFromWorker(benchmark::State& state) { counting_from_actor(state, Policy::stealing); }
void BM_CafCountingFromWorker_sharing(benchmark::State& state) { counting_from_actor(state, Policy::sharing); }
BENCHMARK(BM_CafCountingFromWorker)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafCountingFromWorker_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- ForkJoin

// 3,000,000 numbers from the app, number i to actor i % n; each folds them
// into a hash and, at its share, reports it and counts `done` down; the app
// checks each hash against its own fold (each number once, in order).
constexpr std::int64_t kForkJoinMessages = 3000000;

std::uint64_t fold(std::uint64_t hash, std::int64_t number) {
  hash = (hash ^ static_cast<std::uint64_t>(number)) * 0x9E3779B97F4A7C15ull;
  return hash ^ (hash >> 29);
}

struct fork_join_state {
  std::int64_t seen = 0;
  std::uint64_t hash = 0;
};

caf::behavior fork_join_actor(caf::stateful_actor<fork_join_state>* self, std::int64_t share, std::uint64_t* result,
                              Countdown* done) {
  return {
      [=](std::int64_t number) {
        auto& s = self->state;
        s.hash = fold(s.hash, number);
        if (++s.seen < share) return;
        *result = s.hash;
        s.seen = 0;
        s.hash = 0;
        done->count_one();
      },
  };
}

void fork_join(benchmark::State& state, Policy policy) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  const std::int64_t share = kForkJoinMessages / n;
  BenchSystem sys(policy);
  Countdown done;
  std::vector<std::uint64_t> results(static_cast<std::size_t>(n), 0), expected(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < kForkJoinMessages; ++i) expected[i % n] = fold(expected[i % n], i);
  std::vector<caf::actor> actors;
  for (std::int64_t w = 0; w < n; ++w) actors.push_back(sys->spawn(fork_join_actor, share, &results[w], &done));
  for (auto _ : state) {
    done.reset(n);
    for (std::int64_t i = 0; i < kForkJoinMessages; ++i) caf::anon_send(actors[i % n], i);
    if (!done.wait()) {
      state.SkipWithError(missing(done, "actors' last messages").c_str());
      break;
    }
    if (results != expected) {
      state.SkipWithError("an actor's hash is wrong: a number lost, twice or late");
      break;
    }
  }
  finish(sys, actors);
  state.SetItemsProcessed(state.iterations() * kForkJoinMessages);
}
void BM_CafForkJoin(benchmark::State& state) { fork_join(state, Policy::stealing); }
void BM_CafForkJoin_sharing(benchmark::State& state) { fork_join(state, Policy::sharing); }
BENCHMARK(BM_CafForkJoin)->Arg(60)->Arg(1000)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafForkJoin_sharing)
    ->Arg(60)
    ->Arg(1000)
    ->Iterations(1)
    ->Repetitions(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- Chameneos

// As the node's: 100 chameneos meet through a mall, 200,000 meetings. A
// chameneo asks (meet, colour); the mall keeps the first waiting and sends
// it (meet, colour, other) at the second; it takes the complement, sends
// the other (change, colour), and both ask again. After the last meeting
// the mall answers each ask with fade, each chameneo answers (faded, its
// meetings), and the mall answers the app's start (a response promise)
// with their sum, which must be 2 x 200,000. items: meetings.
constexpr int kChameneos = 100;
constexpr std::int64_t kMeetings = 200000;

int complement(int a, int b) { return a == b ? a : 3 - a - b; }

struct mall_state {
  caf::response_promise answer;
  std::int64_t meetings_left = 0;
  caf::actor waiting;
  int waiting_colour = 0;
  int faded = 0;
  std::int64_t sum = 0;
};

caf::behavior mall_actor(caf::stateful_actor<mall_state>* self, const std::vector<caf::actor>* chameneos) {
  return {
      [=](start_atom) {
        auto& s = self->state;
        s.answer = self->make_response_promise();
        s.meetings_left = kMeetings;
        s.faded = 0;
        s.sum = 0;
        for (const caf::actor& c : *chameneos) self->send(c, start_atom::value);
      },
      [=](meet_atom, int colour) {
        auto& s = self->state;
        auto asker = caf::actor_cast<caf::actor>(self->current_sender());
        if (s.meetings_left == 0) {
          self->send(asker, fade_atom::value);
        } else if (!s.waiting) {
          s.waiting = std::move(asker);
          s.waiting_colour = colour;
        } else {
          --s.meetings_left;
          self->send(s.waiting, meet_atom::value, colour, std::move(asker));
          s.waiting = nullptr;
        }
      },
      [=](faded_atom, std::int64_t meetings) {
        auto& s = self->state;
        s.sum += meetings;
        if (++s.faded == kChameneos) s.answer.deliver(s.sum);
      },
  };
}

struct chameneo_state {
  int colour = 0;
  std::int64_t meetings = 0;
};

caf::behavior chameneo_actor(caf::stateful_actor<chameneo_state>* self, caf::actor mall, int colour) {
  self->state.colour = colour;
  return {
      [=](start_atom) {
        self->state.meetings = 0;
        self->send(mall, meet_atom::value, self->state.colour);
      },
      [=](meet_atom, int other_colour, const caf::actor& other) {
        auto& s = self->state;
        s.colour = complement(s.colour, other_colour);
        ++s.meetings;
        self->send(other, change_atom::value, s.colour);
        self->send(mall, meet_atom::value, s.colour);
      },
      [=](change_atom, int new_colour) {
        auto& s = self->state;
        s.colour = new_colour;
        ++s.meetings;
        self->send(mall, meet_atom::value, s.colour);
      },
      [=](fade_atom) { self->send(mall, faded_atom::value, self->state.meetings); },
  };
}

void chameneos(benchmark::State& state, Policy policy) {
  BenchSystem sys(policy);
  std::vector<caf::actor> chameneos;
  chameneos.reserve(kChameneos);
  std::vector<caf::actor> mall{sys->spawn(mall_actor, &chameneos)};
  for (int i = 0; i < kChameneos; ++i) chameneos.push_back(sys->spawn(chameneo_actor, mall.front(), i % 3));
  for (auto _ : state) {
    const std::int64_t sum = ask(*sys, mall.front(), start_atom::value);
    if (sum != 2 * kMeetings) {
      state.SkipWithError(("the chameneos met " + std::to_string(sum) + " times, not " +
                           std::to_string(2 * kMeetings)).c_str());
      break;
    }
  }
  stop_all(mall);  // it holds the chameneos' handles (through the vector): it goes first
  finish(sys, chameneos);
  state.SetItemsProcessed(state.iterations() * kMeetings);
}
void BM_CafChameneos(benchmark::State& state) { chameneos(state, Policy::stealing); }
void BM_CafChameneos_sharing(benchmark::State& state) { chameneos(state, Policy::sharing); }
BENCHMARK(BM_CafChameneos)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafChameneos_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- RequestReply

// 4 clients, one server; each client makes 250,000 round trips, one at a
// time, of a 1 KiB string, which the server returns (a reply by returning
// it: CAF's cheapest answer, the same message path as the node's reply on
// the return route). The client stamps the round trip's number in the
// first 8 bytes and checks it in the reply. items: round trips.
constexpr int kClients = 4;
constexpr std::int64_t kRoundTripsPerClient = 250000;
constexpr std::size_t kBodyBytes = 1024;

caf::behavior server_actor(caf::event_based_actor*) {
  return {
      [](std::string& body) { return std::move(body); },
  };
}

struct client_state {
  std::int64_t round_trip = 0;
};

caf::behavior client_actor(caf::stateful_actor<client_state>* self, caf::actor server, Countdown* done,
                           Wrong* wrong) {
  auto request = [=](std::string body) {
    std::memcpy(body.data(), &self->state.round_trip, sizeof(std::int64_t));
    self->send(server, std::move(body));
  };
  return {
      [=](start_atom) {
        self->state.round_trip = 0;
        request(std::string(kBodyBytes, 'x'));
      },
      [=](std::string& body) {
        std::int64_t stamp = -1;
        if (body.size() == kBodyBytes) std::memcpy(&stamp, body.data(), sizeof stamp);
        if (stamp != self->state.round_trip) {
          wrong->fetch_add(1, std::memory_order_relaxed);
          return;
        }
        if (++self->state.round_trip == kRoundTripsPerClient) {
          done->count_one();
          return;
        }
        request(std::move(body));
      },
  };
}

void request_reply(benchmark::State& state, Policy policy) {
  BenchSystem sys(policy);
  Countdown done;
  Wrong wrong{0};
  std::vector<caf::actor> actors{sys->spawn(server_actor)};
  for (int i = 0; i < kClients; ++i) actors.push_back(sys->spawn(client_actor, actors.front(), &done, &wrong));
  for (auto _ : state) {
    done.reset(kClients);
    for (int i = 1; i <= kClients; ++i) caf::anon_send(actors[static_cast<std::size_t>(i)], start_atom::value);
    if (!done.wait()) {
      state.SkipWithError(missing(done, "clients' last replies").c_str());
      break;
    }
  }
  finish(sys, actors);
  if (!wrong_ok(state, wrong) || done.left() != 0) return;
  state.SetItemsProcessed(state.iterations() * kClients * kRoundTripsPerClient);
}
void BM_CafRequestReply(benchmark::State& state) { request_reply(state, Policy::stealing); }
void BM_CafRequestReply_sharing(benchmark::State& state) { request_reply(state, Policy::sharing); }
BENCHMARK(BM_CafRequestReply)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CafRequestReply_sharing)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
