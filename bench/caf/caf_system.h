// The actor system of one CAF benchmark run, on either of CAF 0.17's two
// schedulers, shared by bench/caf/*.cc.
#ifndef OCKAM_BENCH_CAF_CAF_SYSTEM_H_
#define OCKAM_BENCH_CAF_CAF_SYSTEM_H_

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstddef>
#include <vector>

namespace ockam_bench {

constexpr std::size_t kCafThreads = 2;  // the node's NodeOptions::threads in the twins

// CAF 0.17's two schedulers. The default, work stealing, keeps a job queue
// per thread; a thief takes the oldest job with double_ended_queue::take_tail,
// which walks the victim's list from its head (O(queue length), both locks
// held). When one actor or the app readies 100,000 actors at once, the
// queues are that long and every steal walks them: the fan-out workloads
// then run mostly inside take_tail. Work sharing (one global queue behind a
// mutex) has no such walk, and is slower where few actors pass messages
// back and forth. Every traffic workload runs on both (BM_CafX and
// BM_CafX_sharing), and the report compares with the better of the two.
enum class Policy { stealing, sharing };

// With the io middleman (CAF's TCP, for the TCP twins) or without.
enum class Network { none, middleman };

class BenchSystem {
 public:
  explicit BenchSystem(Policy policy = Policy::stealing, Network network = Network::none)
      : system_(configure(config_, policy, network)) {}
  caf::actor_system& operator*() { return system_; }
  caf::actor_system* operator->() { return &system_; }

 private:
  static caf::actor_system_config& configure(caf::actor_system_config& config, Policy policy, Network network) {
    config.set("scheduler.max-threads", kCafThreads);
    if (policy == Policy::sharing) config.set("scheduler.policy", caf::atom("sharing"));
    if (network == Network::middleman) config.load<caf::io::middleman>();
    return config;
  }
  caf::actor_system_config config_;  // must outlive system_ (declared first)
  caf::actor_system system_;
};

// Asks every actor to exit, and forgets them.
inline void stop_all(std::vector<caf::actor>& actors) {
  for (const caf::actor& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  actors.clear();
}

}  // namespace ockam_bench

#endif  // OCKAM_BENCH_CAF_CAF_SYSTEM_H_
