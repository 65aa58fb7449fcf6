// The ping-pong rally's two CAF actors, shared by BM_CafPingPong (both in one
// actor system, bench/caf/caf_workloads.cc) and BM_CafTcpRoundTrip (pong on
// system A, ping on system B talking to it through B's proxy over TCP,
// bench/caf/caf_tcp_workloads.cc). Written the way CAF 0.17's manual writes
// actors (function-based event-based actors, stateful_actor for state).
#ifndef OCKAM_BENCH_CAF_CAF_PLAYERS_H_
#define OCKAM_BENCH_CAF_CAF_PLAYERS_H_

#include <caf/all.hpp>

#include <cstdint>

#include "bench/countdown.h"

namespace ockam_bench {

using start_atom = caf::atom_constant<caf::atom("start")>;

// pong answers every int with the same int, by returning it (CAF sends a
// handler's result back to the sender, over the connection if it is remote).
inline caf::behavior pong_actor(caf::event_based_actor*) {
  return {
      [](int left) { return left; },
  };
}

struct ping_state {
  std::int64_t round_trips = 0;
};

// ping starts a rally of `n` round trips with `pong` on (start_atom, n); each
// answer from pong ends one, the last counts `done` down. get_atom: the round
// trips finished so far.
inline caf::behavior ping_actor(caf::stateful_actor<ping_state>* self, caf::actor pong, Countdown* done) {
  return {
      [=](start_atom, int n) { self->send(pong, n); },
      [=](int left) {
        ++self->state.round_trips;
        if (left == 1) {
          done->count_one();
          return;
        }
        self->send(pong, left - 1);
      },
      [=](caf::get_atom) { return self->state.round_trips; },
  };
}

}  // namespace ockam_bench

#endif  // OCKAM_BENCH_CAF_CAF_PLAYERS_H_
