#include "transport/internal/tcp_core.h"

#include <errno.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <random>
#include <utility>

#include "runtime/log.h"
#include "runtime/routed.h"
#include "runtime/transport.h"
#include "runtime/worker.h"
#include "transport/internal/tcp_connection.h"

namespace ockam::detail {
namespace {

using asio::ip::tcp;

std::string endpoint_string(const tcp::endpoint& ep) {
  const asio::ip::address ip = ep.address();
  std::string host = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
  return host + ":" + std::to_string(ep.port());
}

// "host:port" (or "[v6]:port") split at the last colon.
Result<std::pair<std::string, std::string>> split_host_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Error(ErrorCode::InvalidAddress, quoted(text) + " is not host:port");
  }
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(std::move(host), std::string(text.substr(colon + 1)));
}

// A TCP address given either as "host:port" or as "1#host:port".
std::string_view strip_tcp_prefix(std::string_view text) {
  if (text.size() > 2 && text[0] == '1' && text[1] == '#') text.remove_prefix(2);
  return text;
}

std::string ms_text(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

std::string held_back_text(std::uint64_t held) {
  return held == 0 ? "" : " (and " + std::to_string(held) + " more since the last such line)";
}

// An inbound connection's address: "in-" and 16 hex digits from the
// kernel's random source, so a peer can neither choose nor predict it (nor
// route to another peer's connection by guessing); it has no colon, so no
// connect("host:port") maps to it.
Address inbound_address() {
  std::uint64_t r = 0;
  if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) {
    std::random_device device;  // the same source, through another door
    r = (std::uint64_t{device()} << 32) ^ device();
  }
  char name[24];
  std::snprintf(name, sizeof name, "in-%016llx", static_cast<unsigned long long>(r));
  return Address(TCP, name);
}

// Connects `socket` to `ep` before `deadline`: a non-blocking connect() and
// a poll(), so a peer that never answers (a full backlog, dropped SYNs)
// costs the caller the deadline at most. Sets `timed_out` when it ran out.
asio::error_code connect_before(tcp::socket& socket, const tcp::endpoint& ep, Clock::time_point deadline,
                                bool& timed_out) {
  asio::error_code ec;
  if (socket.is_open()) socket.close(ec);
  socket.open(ep.protocol(), ec);
  if (!ec) socket.non_blocking(true, ec);
  if (ec) return ec;
  const int fd = socket.native_handle();
  auto system_error = [](int e) { return asio::error_code(e, asio::error::get_system_category()); };
  if (::connect(fd, ep.data(), static_cast<socklen_t>(ep.size())) != 0) {
    if (errno != EINPROGRESS) return system_error(errno);
    for (;;) {
      const Clock::duration left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) {
        timed_out = true;
        return asio::error::timed_out;
      }
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(left).count();
      pollfd p{fd, POLLOUT, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::min<decltype(wait)>(wait, INT_MAX)));
      if (n < 0 && errno != EINTR) return system_error(errno);
      if (n <= 0) continue;  // interrupted, or the deadline: checked above
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err != 0) return system_error(err);
      break;
    }
  }
  socket.non_blocking(false, ec);
  return ec;
}

// The connection as a worker of the node, at the connection's address.
struct ConnectionWorker final : Worker<Any> {
  explicit ConnectionWorker(std::shared_ptr<TcpConnection> c) : connection(std::move(c)) {}
  Result<void> handle_message(Context& ctx, Routed<Any> message) override {
    return connection->write(std::move(message), more_queued(ctx));
  }
  std::shared_ptr<TcpConnection> connection;
};

// Registered for type TCP: gets what no connection holds.
struct Router final : Worker<Any> {
  explicit Router(std::shared_ptr<TcpCore> c) : core(std::move(c)) {}
  Result<void> handle_message(Context&, Routed<Any> message) override {
    TcpCounters::add(core->counters().dropped);
    return Error(ErrorCode::AddressNotFound, "no open TCP connection to " + quoted(message.onward_route().next()) +
                                                 " (connect() to it first, or it closed); message dropped");
  }
  std::shared_ptr<TcpCore> core;
};

Clock::duration saturated(std::chrono::milliseconds d) {
  if (d >= std::chrono::duration_cast<std::chrono::milliseconds>(TcpLimits::kNever)) return TcpLimits::kNever;
  return std::chrono::duration_cast<Clock::duration>(d);
}

}  // namespace

Result<TcpLimits> TcpLimits::resolve(TcpOptions o) {
  auto cannot = [](const std::string& why) { return Error(ErrorCode::TransportError, "TcpOptions: " + why); };
  if (o.max_queued_messages == 0) return cannot("max_queued_messages is 0, so no message could ever be sent");
  if (o.max_queued_bytes == 0) return cannot("max_queued_bytes is 0, so no message could ever be sent");
  if (o.max_unhandled_bytes == 0) return cannot("max_unhandled_bytes is 0, so no message could ever be received");
  const std::pair<const char*, std::chrono::milliseconds> durations[] = {{"frame_timeout", o.frame_timeout},
                                                                         {"idle_timeout", o.idle_timeout},
                                                                         {"heartbeat_interval", o.heartbeat_interval},
                                                                         {"connect_timeout", o.connect_timeout}};
  for (const auto& [name, value] : durations) {
    if (value <= std::chrono::milliseconds::zero()) {
      return cannot(std::string(name) + " is " + std::to_string(value.count()) +
                    " ms; it must be above zero (std::chrono::milliseconds::max() means never)");
    }
  }
  if (o.max_inbound_connections == 0) {
    // Three quarters of the descriptors this process may open, at most 4096
    // (see TcpOptions).
    std::size_t descriptors = 1024;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      descriptors = limit.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<std::size_t>(limit.rlim_cur);
    }
    o.max_inbound_connections = std::clamp<std::size_t>(descriptors / 4 * 3, 1, 4096);
  }
  TcpLimits limits;
  limits.options = o;
  limits.frame_timeout = saturated(o.frame_timeout);
  limits.idle_timeout = saturated(o.idle_timeout);
  limits.heartbeat_interval = saturated(o.heartbeat_interval);
  limits.connect_timeout = saturated(o.connect_timeout);
  return limits;
}

Result<void> TcpCore::start(const Address& router) {
  Result<void> started = node_.start_worker(router, Router(shared_from_this()));
  if (!started) return started;
  if (Result<void> r = node_.register_transport(TCP, router); !r) {
    (void)node_.stop_worker(router);
    return r;
  }
  std::weak_ptr<TcpCore> weak = weak_from_this();
  if (Result<void> r = add_stop_hook(node_, [weak] {
        if (auto core = weak.lock()) core->shutdown();
      });
      !r) {
    return r;
  }
  thread_ = std::thread([this] { io.run(); });
  metrics_ = add_metric_source(node_, [this](MetricWriter& writer) { write_tcp_metrics(counters_.snapshot(), writer); });
  return {};
}

TcpStats TcpCounters::snapshot() const {
  // relaxed: see TcpCounters.
  auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  // In TcpStats's order.
  return TcpStats{get(opened),        get(closed),          get(sent),           get(writes),
                  get(received),      get(dropped),         get(malformed),      get(timed_out),
                  get(refused),       get(evicted),         get(accept_errors),  get(heartbeats_sent),
                  get(heartbeats_received), get(reads_paused), get(deliveries_stalled)};
}

void write_tcp_metrics(const TcpStats& s, MetricWriter& writer) {
  struct Metric {
    const char* name;
    std::uint64_t TcpStats::*field;
    const char* help;
  };
  // One line per TcpStats field, as tcp.h describes it.
  static constexpr Metric kMetrics[] = {
      {"ockam_tcp_connections_opened_total", &TcpStats::connections_opened, "TCP connections opened: connect()s and accepted peers."},
      {"ockam_tcp_connections_closed_total", &TcpStats::connections_closed, "TCP connections closed, for any reason."},
      {"ockam_tcp_messages_sent_total", &TcpStats::messages_sent, "Messages written to a TCP socket."},
      {"ockam_tcp_writes_total", &TcpStats::writes, "Socket writes that carried them (a write carries a batch)."},
      {"ockam_tcp_messages_received_total", &TcpStats::messages_received, "Messages read from a TCP socket."},
      {"ockam_tcp_messages_dropped_total", &TcpStats::messages_dropped,
       "Messages accepted for a connection but never written, or received and undeliverable."},
      {"ockam_tcp_malformed_total", &TcpStats::malformed, "Connections closed for bytes that are not Ockam messages."},
      {"ockam_tcp_timed_out_total", &TcpStats::timed_out, "Connections closed by frame_timeout or idle_timeout."},
      {"ockam_tcp_refused_total", &TcpStats::refused, "Accepted peers closed at once: max_inbound_connections reached."},
      {"ockam_tcp_evicted_total", &TcpStats::evicted, "Peers closed to make room for a newcomer."},
      {"ockam_tcp_accept_errors_total", &TcpStats::accept_errors, "Failed accepts (each retried after a back-off)."},
      {"ockam_tcp_heartbeats_sent_total", &TcpStats::heartbeats_sent, "Heartbeats written on idle links."},
      {"ockam_tcp_heartbeats_received_total", &TcpStats::heartbeats_received, "Heartbeats read."},
      {"ockam_tcp_reads_paused_total", &TcpStats::reads_paused,
       "Times a connection stopped reading: max_unhandled_bytes reached."},
      {"ockam_tcp_deliveries_stalled_total", &TcpStats::deliveries_stalled,
       "Received messages that met a full mailbox: held, reading stopped, retried."},
  };
  for (const Metric& m : kMetrics) writer.counter(m.name, m.help, s.*m.field);
}

void TcpCore::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  // Everything below runs on the I/O thread, where the sockets live.
  asio::post(io, [this] {
    std::vector<std::shared_ptr<TcpConnection>> open;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& listener : listeners_) {
        asio::error_code ignored;
        listener->acceptor.close(ignored);
        listener->backoff.cancel();
      }
      for (auto& [address, connection] : connections_) open.push_back(connection);
    }
    for (auto& connection : open) connection->close("the node is stopping", LogLevel::Info);
  });
  work_.reset();
  // run() returns once the closes ran and every aborted operation's handler
  // has released its connection (INVARIANT above).
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.clear();
}

Result<Address> TcpCore::listen(std::string_view text, std::vector<Address> expose) {
  auto parts = split_host_port(strip_tcp_prefix(text));
  if (!parts) return parts.error();
  asio::error_code ec;
  auto failed = [&] {
    return Error(ErrorCode::TransportError, "cannot listen on " + quoted(text) + ": " + ec.message());
  };
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(parts->first, parts->second, tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) return failed();
  auto listener = std::make_shared<TcpListener>(io);
  tcp::acceptor& acceptor = listener->acceptor;
  const tcp::endpoint ep = endpoints.begin()->endpoint();
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  tcp::endpoint bound;
  if (!ec) bound = acceptor.local_endpoint(ec);
  if (ec) return failed();
  listener->address = Address(TCP, endpoint_string(bound));
  listener->expose = std::move(expose);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
    listeners_.push_back(listener);
    // Under mu_: no post after stopped_ (INVARIANT).
    asio::post(io, [self = shared_from_this(), listener] { self->accept(listener); });
  }
  return listener->address;
}

void TcpCore::accept(std::shared_ptr<TcpListener> listener) {
  listener->acceptor.async_accept([self = shared_from_this(), listener](const asio::error_code& ec,
                                                                        tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !listener->acceptor.is_open()) return;
    const Clock::time_point now = Clock::now();
    if (ec) {
      // E.g. out of file descriptors (EMFILE, ENFILE): the peer waits in the
      // backlog. Retry after a back-off (100, 200, 400, 800 ms, then every
      // second), never in a spin; one line when an episode starts (at most
      // one per 10 s) and one when accepts resume, with the count.
      TcpCounters::add(self->counters_.accept_errors);
      if (listener->failures++ == 0) {
        listener->failing_since = now;
        std::uint64_t held = 0;
        listener->episode_logged = self->accept_log_.allow(now, held);
        if (listener->episode_logged) {
          log(LogLevel::Warn, "TCP listener " + quoted(listener->address) + ": accept failed: " + ec.message() +
                                  "; retrying after a back-off (100 ms, doubling to 1 s) until it succeeds" +
                                  (held == 0 ? "" : " (" + std::to_string(held) + " earlier episode(s) not logged)"));
        }
      }
      const std::chrono::milliseconds backoff(std::min<std::uint64_t>(100u << std::min<std::uint64_t>(listener->failures - 1, 4), 1000));
      listener->backoff.expires_after(backoff);
      listener->backoff.async_wait([self, listener](const asio::error_code& wait_ec) {
        if (wait_ec != asio::error::operation_aborted && listener->acceptor.is_open()) self->accept(listener);
      });
      return;
    }
    if (listener->failures > 0) {
      if (listener->episode_logged) {
        log(LogLevel::Warn, "TCP listener " + quoted(listener->address) + ": accepting again after " +
                                std::to_string(listener->failures) + " failed accept(s) in " +
                                ms_text(now - listener->failing_since));
      }
      listener->failures = 0;
    }
    self->accepted(*listener, std::move(socket));
    self->accept(listener);
  });
}

void TcpCore::accepted(const TcpListener& listener, tcp::socket socket) {
  asio::error_code ec;
  const tcp::endpoint peer_endpoint = socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  const std::string peer = endpoint_string(peer_endpoint);
  const std::size_t cap = limits_.options.max_inbound_connections;
  const Clock::time_point now = Clock::now();
  std::size_t open = 0;
  std::shared_ptr<TcpConnection> victim;
  std::string why;  // why the victim was the one
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    open = inbound_open_;
    if (open >= cap && !silent_.empty()) {
      victim = silent_.front()->shared_from_this();
      why = "the oldest that had sent no whole frame";
    } else if (open >= cap && limits_.heartbeat_interval < TcpLimits::kNever) {
      // Every peer has spoken: the one not heard from for longest, if that
      // is over two heartbeat intervals (a live peer with our options is
      // heard at least once per interval). O(connections), at the cap only.
      // last_heard() is the I/O thread's, and so is this.
      const Clock::time_point heard_before = now - 2 * limits_.heartbeat_interval;
      for (auto& [address, connection] : connections_) {
        if (connection->inbound() && connection->last_heard() < heard_before &&
            (!victim || connection->last_heard() < victim->last_heard())) {
          victim = connection;
        }
      }
      if (victim) {
        why = "the one not heard from for longest (" + ms_text(now - victim->last_heard()) + ")";
      }
    }
  }
  if (open >= cap) {
    // Only this thread adopts or closes inbound connections, so the count
    // cannot change meanwhile.
    std::uint64_t held = 0;
    if (!victim) {
      TcpCounters::add(counters_.refused);
      socket.set_option(asio::socket_base::linger(true, 0), ec);  // a reset: no TIME_WAIT here
      socket.close(ec);
      if (refused_log_.allow(now, held)) {
        log(LogLevel::Warn, "TCP listener " + quoted(listener.address) + " refused a connection from " + peer + ": " +
                                std::to_string(open) +
                                " peers are connected (TcpOptions::max_inbound_connections), each has sent "
                                "a whole frame and been heard from lately" +
                                held_back_text(held));
      }
      return;
    }
    TcpCounters::add(counters_.evicted);
    if (evicted_log_.allow(now, held)) {
      log(LogLevel::Warn, "TCP listener " + quoted(listener.address) + ": " + std::to_string(open) +
                              " peers are connected (TcpOptions::max_inbound_connections); closed " +
                              victim->label() + ", " + why + ", for one from " + peer + held_back_text(held));
    }
    victim->close("closed to make room for a new peer (max_inbound_connections reached; it was " + why + ")",
                  LogLevel::Debug);
  }
  const Address address = inbound_address();
  Result<void> adopted = adopt(std::move(socket), address, peer, true,
                               std::make_shared<Ingress>(Ingress::Kind::kTransport, address, listener.address,
                                                         listener.expose));
  if (!adopted) log(LogLevel::Warn, "TCP: an accepted connection was refused: " + adopted.error().to_string());
}

Result<Address> TcpCore::connect(std::string_view text, std::vector<Address> expose) {
  const std::string_view peer = strip_tcp_prefix(text);
  const Address address(TCP, peer);
  auto parts = split_host_port(peer);
  if (!parts) return parts.error();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
    // Only a connection connect() opened (an inbound one's address cannot
    // be "host:port"; the check says so again).
    if (auto it = connections_.find(address); it != connections_.end() && !it->second->inbound()) {
      if (it->second->ingress().exposed() != expose) {
        return Error(ErrorCode::AddressInUse, "connection " + quoted(address) +
                                                  " is open with another TcpConnectOptions::expose; disconnect() it first");
      }
      return address;
    }
  }
  asio::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(parts->first, parts->second, ec);
  if (ec) return Error(ErrorCode::TransportError, "cannot resolve " + quoted(peer) + ": " + ec.message());
  // One deadline for every address the name resolved to.
  const Clock::time_point deadline = Clock::now() + limits_.connect_timeout;
  tcp::socket socket(io);
  bool timed_out = false;
  ec = asio::error::host_not_found;
  for (const auto& entry : endpoints) {
    ec = connect_before(socket, entry.endpoint(), deadline, timed_out);
    if (!ec || timed_out) break;
  }
  if (timed_out) {
    return Error(ErrorCode::Timeout, "cannot connect to " + quoted(peer) + ": no answer within " +
                                         ms_text(limits_.connect_timeout) + " (TcpOptions::connect_timeout)");
  }
  if (ec) return Error(ErrorCode::TransportError, "cannot connect to " + quoted(peer) + ": " + ec.message());
  Result<void> adopted = adopt(std::move(socket), address, std::string(peer), false,
                               std::make_shared<Ingress>(Ingress::Kind::kTransport, address, Address(), std::move(expose)));
  if (!adopted) {
    if (adopted.error().code() == ErrorCode::AddressInUse) return address;  // a concurrent connect() won
    return adopted.error();
  }
  return address;
}

Result<void> TcpCore::adopt(tcp::socket socket, const Address& address, std::string peer, bool inbound,
                            std::shared_ptr<Ingress> ingress) {
  asio::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto connection =
      std::make_shared<TcpConnection>(*this, std::move(socket), address, std::move(peer), inbound, std::move(ingress));
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
  Result<void> started = start_connection(node_, address, ConnectionWorker(connection), connection.get());
  if (!started) return started;
  connections_[address] = connection;
  if (inbound) {
    ++inbound_open_;
    connection->silent_pos_ = silent_.insert(silent_.end(), connection.get());
    connection->silent_listed_ = true;
  }
  TcpCounters::add(counters_.opened);
  // Under mu_: no post after stopped_ (INVARIANT).
  asio::post(io, [connection] { connection->start(); });
  return {};
}

void TcpCore::spoke(TcpConnection* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connection->silent_listed_) {
    silent_.erase(connection->silent_pos_);
    connection->silent_listed_ = false;
  }
}

void TcpCore::forget(const TcpConnection* connection, const Address& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connections_.find(address);
  if (it == connections_.end() || it->second.get() != connection) return;
  TcpConnection& c = *it->second;
  if (c.inbound()) --inbound_open_;
  if (c.silent_listed_) {
    silent_.erase(c.silent_pos_);
    c.silent_listed_ = false;
  }
  connections_.erase(it);
}

Result<void> TcpCore::disconnect(const Address& address) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
  auto it = connections_.find(address);
  if (it == connections_.end()) {
    return Error(ErrorCode::AddressNotFound, "no open TCP connection " + quoted(address));
  }
  asio::post(io, [connection = it->second] { connection->close("disconnect() was called", LogLevel::Info); });
  return {};
}

}  // namespace ockam::detail
