#include "transport/internal/tcp_core.h"

#include <sys/random.h>

#include <chrono>
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

std::string quoted(const Address& a) { return "'" + a.to_string() + "'"; }

std::string endpoint_string(const tcp::endpoint& ep) {
  const asio::ip::address ip = ep.address();
  std::string host = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
  return host + ":" + std::to_string(ep.port());
}

// "host:port" (or "[v6]:port") split at the last colon.
Result<std::pair<std::string, std::string>> split_host_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Error(ErrorCode::InvalidAddress, "'" + std::string(text) + "' is not host:port");
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
  const std::pair<const char*, std::chrono::milliseconds> durations[] = {{"frame_timeout", o.frame_timeout},
                                                                         {"idle_timeout", o.idle_timeout},
                                                                         {"heartbeat_interval", o.heartbeat_interval}};
  for (const auto& [name, value] : durations) {
    if (value <= std::chrono::milliseconds::zero()) {
      return cannot(std::string(name) + " is " + std::to_string(value.count()) +
                    " ms; it must be above zero (std::chrono::milliseconds::max() means never)");
    }
  }
  TcpLimits limits;
  limits.options = o;
  limits.frame_timeout = saturated(o.frame_timeout);
  limits.idle_timeout = saturated(o.idle_timeout);
  limits.heartbeat_interval = saturated(o.heartbeat_interval);
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
  return {};
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
      for (auto& acceptor : acceptors_) {
        asio::error_code ignored;
        acceptor->close(ignored);
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
  acceptors_.clear();
}

Result<Address> TcpCore::listen(std::string_view text) {
  auto parts = split_host_port(strip_tcp_prefix(text));
  if (!parts) return parts.error();
  asio::error_code ec;
  auto failed = [&] {
    return Error(ErrorCode::TransportError, "cannot listen on '" + std::string(text) + "': " + ec.message());
  };
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(parts->first, parts->second, tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) return failed();
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  const tcp::endpoint ep = endpoints.begin()->endpoint();
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  tcp::endpoint bound;
  if (!ec) bound = acceptor->local_endpoint(ec);
  if (ec) return failed();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
    acceptors_.push_back(acceptor);
    // Under mu_: no post after stopped_ (INVARIANT).
    asio::post(io, [self = shared_from_this(), acceptor] { self->accept(acceptor); });
  }
  return Address(TCP, endpoint_string(bound));
}

void TcpCore::accept(std::shared_ptr<tcp::acceptor> acceptor) {
  acceptor->async_accept([self = shared_from_this(), acceptor](const asio::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: retry later rather than spin.
      log(LogLevel::Warn, "TCP accept failed: " + ec.message() + "; retrying in 100 ms");
      auto timer = std::make_shared<asio::steady_timer>(self->io, std::chrono::milliseconds(100));
      timer->async_wait([self, acceptor, timer](const asio::error_code&) {
        if (acceptor->is_open()) self->accept(acceptor);
      });
      return;
    }
    asio::error_code peer_ec;
    const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    if (!peer_ec) {
      Result<void> adopted = self->adopt(std::move(socket), inbound_address(), endpoint_string(peer), true);
      if (!adopted) log(LogLevel::Warn, "TCP: an accepted connection was refused: " + adopted.error().to_string());
    }
    self->accept(acceptor);
  });
}

Result<Address> TcpCore::connect(std::string_view text) {
  const std::string_view peer = strip_tcp_prefix(text);
  const Address address(TCP, peer);
  auto parts = split_host_port(peer);
  if (!parts) return parts.error();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
    // Only a connection connect() opened (an inbound one's address cannot
    // be "host:port"; the check says so again).
    if (auto it = connections_.find(address); it != connections_.end() && !it->second->inbound()) return address;
  }
  asio::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(parts->first, parts->second, ec);
  if (ec) return Error(ErrorCode::TransportError, "cannot resolve '" + std::string(peer) + "': " + ec.message());
  tcp::socket socket(io);
  asio::connect(socket, endpoints, ec);
  if (ec) return Error(ErrorCode::TransportError, "cannot connect to '" + std::string(peer) + "': " + ec.message());
  Result<void> adopted = adopt(std::move(socket), address, std::string(peer), false);
  if (!adopted) {
    if (adopted.error().code() == ErrorCode::AddressInUse) return address;  // a concurrent connect() won
    return adopted.error();
  }
  return address;
}

Result<void> TcpCore::adopt(tcp::socket socket, const Address& address, std::string peer, bool inbound) {
  asio::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto connection = std::make_shared<TcpConnection>(*this, std::move(socket), address, std::move(peer), inbound);
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
  Result<void> started = start_connection(node_, address, ConnectionWorker(connection), connection.get());
  if (!started) return started;
  connections_[address] = connection;
  TcpCounters::add(counters_.opened);
  // Under mu_: no post after stopped_ (INVARIANT).
  asio::post(io, [connection] { connection->start(); });
  return {};
}

void TcpCore::forget(const TcpConnection* connection, const Address& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connections_.find(address);
  if (it != connections_.end() && it->second.get() == connection) connections_.erase(it);
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
