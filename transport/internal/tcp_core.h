// INTERNAL. The transport of one node: its I/O thread, listeners and the map
// of open connections. transport/tcp.h is the public face.
#ifndef OCKAM_TRANSPORT_INTERNAL_TCP_CORE_H_
#define OCKAM_TRANSPORT_INTERNAL_TCP_CORE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio.hpp>

#include "runtime/address.h"
#include "runtime/context.h"
#include "runtime/metrics.h"
#include "runtime/result.h"
#include "transport/tcp.h"

namespace ockam::detail {

using Clock = std::chrono::steady_clock;

// Relaxed counters behind TcpStats: see TcpStats for when they are exact.
struct TcpCounters {
  std::atomic<std::uint64_t> opened{0}, closed{0}, sent{0}, writes{0}, received{0}, dropped{0}, malformed{0},
      timed_out{0}, refused{0}, evicted{0}, accept_errors{0}, heartbeats_sent{0}, heartbeats_received{0},
      reads_paused{0}, deliveries_stalled{0};
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);  // relaxed: a counter, no data hangs on it
  }
  TcpStats snapshot() const;
};

// The transport's metrics for prometheus_text (runtime/metrics.h): each
// TcpStats field as the counter ockam_tcp_<field>_total.
void write_tcp_metrics(const TcpStats& stats, MetricWriter& writer);

// TcpOptions checked and resolved (max_inbound_connections computed), with
// the durations on the I/O thread's clock, saturated at kNever.
struct TcpLimits {
  static constexpr Clock::duration kNever = std::chrono::hours(24 * 365 * 100);  // time_point + kNever never overflows
  TcpOptions options;
  Clock::duration frame_timeout, idle_timeout, heartbeat_interval, connect_timeout;

  // TransportError naming the option that cannot work.
  static Result<TcpLimits> resolve(TcpOptions options);
};

// At most one log line per interval for one kind of event (used on the I/O
// thread only); the events held back are counted into the next line.
class LogThrottle {
 public:
  // True if a line may go out now; `held_back` is then how many events were
  // not logged since the last line.
  bool allow(Clock::time_point now, std::uint64_t& held_back) {
    if (now < next_) {
      ++held_;
      return false;
    }
    next_ = now + std::chrono::seconds(10);
    held_back = std::exchange(held_, 0);
    return true;
  }

 private:
  Clock::time_point next_{};
  std::uint64_t held_ = 0;
};

// A listen()ing socket and its accept loop's back-off state.
struct TcpListener {
  explicit TcpListener(asio::io_context& io) : acceptor(io), backoff(io) {}
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer backoff;  // I/O thread: the wait after a failed accept
  Address address;             // "1#host:port", set before the loop starts
  std::vector<Address> expose;  // TcpListenOptions::expose, immutable
  // I/O thread: the current back-off episode (failures == 0: none).
  std::uint64_t failures = 0;
  Clock::time_point failing_since;
  bool episode_logged = false;
};

class TcpConnection;

// The transport of one node: its I/O thread, listeners and connections.
//
// Who touches what:
//   io, listeners_     sockets and timers are used on the I/O thread only
//                      (listen() binds on the caller's thread, then hands the
//                      listener over by a post).
//   connections_, inbound_open_, silent_, stopped_   guarded by mu_;
//                      connect(), accept, a first frame and close change
//                      them, never the per-message paths.
//   *_log_             the I/O thread's.
// INVARIANT: once stopped_ is set no new connection is adopted and nothing is
//   posted to `io` that could outlive its run(): so when the I/O thread's
//   run() returns, every handler (and the connections it holds) is gone.
// INVARIANT: silent_ holds exactly the open inbound connections that have
//   not yet delivered a whole frame, oldest first; inbound_open_ counts the
//   open inbound connections in connections_.
class TcpCore : public std::enable_shared_from_this<TcpCore> {
 public:
  // `node`: the node's own context (node.context()), which lives as long as
  // the node; the transport's calls into the node go through it.
  TcpCore(Context& node, TcpLimits limits) : node_(node), limits_(std::move(limits)), work_(io.get_executor()) {}
  ~TcpCore() { shutdown(); }

  Result<void> start(const Address& router);
  void shutdown();

  Result<Address> listen(std::string_view text, std::vector<Address> expose);
  Result<Address> connect(std::string_view text, std::vector<Address> expose);
  Result<void> disconnect(const Address& address);
  // On the I/O thread, or on the caller's for connect(): makes `socket` a
  // connection registered at `address` and starts reading. `peer`: the far
  // end, for logs; `ingress`: what its peer may reach.
  Result<void> adopt(asio::ip::tcp::socket socket, const Address& address, std::string peer, bool inbound,
                     std::shared_ptr<Ingress> ingress);
  // I/O thread: an inbound connection delivered its first whole frame, so
  // it is no longer the first to make room at the cap.
  void spoke(TcpConnection* connection);
  void forget(const TcpConnection* connection, const Address& address);

  Context& node() { return node_; }
  const TcpOptions& options() const { return limits_.options; }
  const TcpLimits& limits() const { return limits_; }
  TcpCounters& counters() { return counters_; }

  asio::io_context io;

 private:
  void accept(std::shared_ptr<TcpListener> listener);
  void accepted(const TcpListener& listener, asio::ip::tcp::socket socket);

  Context& node_;
  const TcpLimits limits_;
  TcpCounters counters_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;  // set until shutdown()
  std::thread thread_;

  std::mutex mu_;
  bool stopped_ = false;                                                      // guarded by mu_
  std::unordered_map<Address, std::shared_ptr<TcpConnection>> connections_;  // guarded by mu_
  std::size_t inbound_open_ = 0;                                              // guarded by mu_
  std::list<TcpConnection*> silent_;                                          // guarded by mu_
  std::vector<std::shared_ptr<TcpListener>> listeners_;                       // guarded by mu_

  LogThrottle refused_log_, evicted_log_, accept_log_;  // I/O thread

  // Last, so destroyed first: its removal waits for a page being written,
  // which reads counters_.
  MetricSource metrics_;
};

}  // namespace ockam::detail

#endif  // OCKAM_TRANSPORT_INTERNAL_TCP_CORE_H_
