#include "transport/tcp.h"

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio.hpp>

#include "runtime/internal/cell.h"
#include "runtime/internal/envelope.h"
#include "runtime/internal/node_core.h"
#include "runtime/internal/send_gate.h"
#include "runtime/log.h"
#include "runtime/routed.h"
#include "runtime/worker.h"
#include "transport/wire.h"

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

}  // namespace

// Relaxed counters behind TcpStats: see TcpStats for when they are exact.
struct TcpCounters {
  std::atomic<std::uint64_t> opened{0}, closed{0}, sent{0}, writes{0}, received{0}, dropped{0}, malformed{0};
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);  // relaxed: a counter, no data hangs on it
  }
};

class TcpConnection;

// The transport of one node: its I/O thread, listeners and connections.
//
// Who touches what:
//   io, acceptors_     sockets are used on the I/O thread only (listen()
//                      binds on the caller's thread, then hands the acceptor
//                      over by a post).
//   connections_, stopped_   guarded by mu_; connect(), accept and close
//                      change them, never the per-message paths.
// INVARIANT: once stopped_ is set no new connection is adopted and nothing is
//   posted to `io` that could outlive its run(): so when the I/O thread's
//   run() returns, every handler (and the connections it holds) is gone.
class TcpCore : public std::enable_shared_from_this<TcpCore> {
 public:
  TcpCore(NodeCore& node, TcpOptions options) : node_(node), options_(options), work_(io.get_executor()) {}
  ~TcpCore() { shutdown(); }

  Result<void> start(const Address& router);
  void shutdown();

  Result<Address> listen(std::string_view text);
  Result<Address> connect(std::string_view text);
  Result<void> disconnect(const Address& address);
  // On the I/O thread, or on the caller's for connect(): makes `socket` a
  // connection registered at `address` and starts reading.
  Result<void> adopt(tcp::socket socket, const Address& address);
  void forget(const TcpConnection* connection, const Address& address);

  NodeCore& node() { return node_; }
  const TcpOptions& options() const { return options_; }
  TcpCounters& counters() { return counters_; }

  asio::io_context io;

 private:
  void accept(std::shared_ptr<tcp::acceptor> acceptor);

  NodeCore& node_;
  const TcpOptions options_;
  TcpCounters counters_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;  // set until shutdown()
  std::thread thread_;

  std::mutex mu_;
  bool stopped_ = false;                                                         // guarded by mu_
  std::unordered_map<std::string, std::shared_ptr<TcpConnection>> connections_;  // guarded by mu_
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors_;                        // guarded by mu_
};

// One socket. Its worker (ConnectionWorker, at the peer's address) turns
// outgoing envelopes into frames; the I/O thread writes and reads.
//
// Who touches what:
//   socket_, decoder_, read_buf_, out_, out_count_, closing_   I/O thread only.
//   pending_, pending_count_, writing_, closed_   guarded by write_mu_: the
//       worker appends frames, the I/O thread swaps them out to write.
//   queued_   any sender (admit), the worker and the I/O thread (release).
// INVARIANT: writing_ is true exactly while a flush is posted or a write is
//   in flight; only the thread that sets it posts the flush.
// INVARIANT: nothing is posted once closed_ is set (see TcpCore).
class TcpConnection final : public std::enable_shared_from_this<TcpConnection>, public SendGate {
 public:
  TcpConnection(TcpCore& core, tcp::socket socket, Address address)
      : core_(core.shared_from_this()), socket_(std::move(socket)), address_(std::move(address)) {}

  const Address& address() const { return address_; }

  // SendGate: any sender, inside the registry's read section.
  Result<void> admit() override {
    // relaxed: a bound, not a synchronisation; overshooting by the number of
    // concurrent senders is harmless.
    if (queued_.fetch_add(1, std::memory_order_relaxed) >= core_->options().max_queued_messages) {
      queued_.fetch_sub(1, std::memory_order_relaxed);
      return Error(ErrorCode::QueueFull, "connection " + quoted(address_) + " has " +
                                             std::to_string(core_->options().max_queued_messages) +
                                             " messages waiting for its socket; retry later");
    }
    return {};
  }

  // The connection worker's turn: one message out.
  Result<void> write(EnvelopePtr envelope);

  // I/O thread.
  void start_reading() {
    if (closing_) return;
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(read_buf_),
                            [self](const asio::error_code& ec, std::size_t n) { self->on_read(ec, n); });
  }
  // I/O thread. Idempotent: the first cause is the one logged.
  void close(const std::string& why, LogLevel level);

 private:
  void release(std::uint64_t n) {
    // relaxed: see admit().
    queued_.fetch_sub(n, std::memory_order_relaxed);
  }
  void drop(std::uint64_t n) {
    release(n);
    TcpCounters::add(core_->counters().dropped, n);
  }
  void flush();
  void on_written(const asio::error_code& ec);
  void on_read(const asio::error_code& ec, std::size_t n);
  // False (with `why` set) if the frame must close the connection.
  bool on_frame(std::span<const std::uint8_t> frame, std::string& why);

  std::shared_ptr<TcpCore> core_;
  tcp::socket socket_;
  const Address address_;

  // I/O thread only.
  transport::FrameDecoder decoder_;
  std::array<std::uint8_t, 64 * 1024> read_buf_{};
  std::vector<std::uint8_t> out_;
  std::uint64_t out_count_ = 0;
  bool closing_ = false;

  std::mutex write_mu_;
  std::vector<std::uint8_t> pending_;  // guarded by write_mu_
  std::uint64_t pending_count_ = 0;    // guarded by write_mu_
  bool writing_ = false;               // guarded by write_mu_
  bool closed_ = false;                // guarded by write_mu_

  // Messages admitted and not yet written or dropped: admit() adds, the
  // writer and the drop paths subtract. Relaxed: a bound, see admit().
  std::atomic<std::size_t> queued_{0};
};

namespace {

// The connection as a worker of the node: its address is the peer's.
struct ConnectionWorker final : Worker<Any> {
  explicit ConnectionWorker(std::shared_ptr<TcpConnection> c) : connection(std::move(c)) {}
  Result<void> handle_message(Context&, Routed<Any> message) override {
    return connection->write(EnvelopeAccess::release(std::move(message)));
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

}  // namespace

// ------------------------------------------------------------ connection

Result<void> TcpConnection::write(EnvelopePtr envelope) {
  // Encoded on the worker's thread, outside the lock; then one copy in.
  thread_local std::vector<std::uint8_t> body;
  thread_local std::vector<std::uint8_t> frame;
  body.clear();
  frame.clear();
  envelope->onward.pop_front();  // our own address: the peer routes from the next hop, as in Ockam
  Result<void> encoded = envelope->encode_body(body);
  if (encoded) {
    if (envelope->onward.empty()) {
      encoded = Error(ErrorCode::InvalidAddress, "the onward route ends at the connection " + quoted(address_));
    } else {
      encoded = transport::encode_frame_to(transport::MessageRef{envelope->onward, envelope->ret, body}, frame);
    }
  }
  if (!encoded) {
    drop(1);
    return Error(encoded.error().code(), "not sent to " + quoted(address_) + ": " + encoded.error().message());
  }
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (closed_) {
      drop(1);
      return Error(ErrorCode::TransportError, "connection " + quoted(address_) + " is closed; message dropped");
    }
    pending_.insert(pending_.end(), frame.begin(), frame.end());
    ++pending_count_;
    if (!writing_) writing_ = post = true;
    // Posted under the lock: close() sets closed_ under it, so no post
    // follows a close (INVARIANT above).
    if (post) {
      asio::post(core_->io, [self = shared_from_this()] { self->flush(); });
    }
  }
  return {};
}

void TcpConnection::flush() {
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (closed_ || pending_.empty()) {
      writing_ = false;
      return;
    }
    out_.swap(pending_);  // pending_ keeps out_'s old capacity: no allocation in the steady state
    out_count_ = pending_count_;
    pending_count_ = 0;
  }
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(out_),
                    [self](const asio::error_code& ec, std::size_t) { self->on_written(ec); });
}

void TcpConnection::on_written(const asio::error_code& ec) {
  const std::uint64_t n = std::exchange(out_count_, 0);
  out_.clear();
  if (ec) {
    drop(n);
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      writing_ = false;
    }
    close("write failed: " + ec.message(), LogLevel::Warn);
    return;
  }
  release(n);
  TcpCounters::add(core_->counters().sent, n);
  TcpCounters::add(core_->counters().writes);
  flush();
}

void TcpConnection::on_read(const asio::error_code& ec, std::size_t n) {
  if (ec) {
    if (ec == asio::error::eof && !decoder_.idle()) {
      TcpCounters::add(core_->counters().malformed);
      close("the peer closed the connection in the middle of a frame (" + std::to_string(decoder_.buffered()) +
                " byte(s) of it arrived)",
            LogLevel::Warn);
    } else if (ec == asio::error::eof) {
      close("the peer closed the connection", LogLevel::Info);
    } else if (ec != asio::error::operation_aborted) {
      close("read failed: " + ec.message(), LogLevel::Warn);
    }
    return;
  }
  std::string why;
  bool ok = true;
  Result<void> fed = decoder_.feed(std::span<const std::uint8_t>(read_buf_.data(), n),
                                   [&](std::span<const std::uint8_t> frame) {
                                     if (ok) ok = on_frame(frame, why);
                                   });
  if (!fed) {
    ok = false;
    why = fed.error().to_string();
  }
  if (!ok) {
    TcpCounters::add(core_->counters().malformed);
    close(why, LogLevel::Warn);
    return;
  }
  start_reading();
}

bool TcpConnection::on_frame(std::span<const std::uint8_t> frame, std::string& why) {
  Result<transport::TransportMessage> message = transport::decode(frame);
  if (!message) {
    why = message.error().to_string();
    return false;
  }
  transport::TransportMessage& m = message.value();
  if (m.onward.empty()) {
    if (m.ret.empty() && m.payload.empty()) return true;  // Ockam's heartbeat
    why = "a message with an empty onward route";
    return false;
  }
  const Address& next = m.onward.next();
  if (!next.is_local() && next.type() != TCP) {
    why = "a message for unknown transport type " + std::to_string(next.type()) + " (" + quoted(next) + ")";
    return false;
  }
  auto envelope = std::make_unique<TypedEnvelope<WireBody>>(WireBody{std::move(m.payload)});
  envelope->onward = std::move(m.onward);
  envelope->ret = std::move(m.ret);
  envelope->ret.prepend(address_);
  TcpCounters::add(core_->counters().received);
  Result<void> delivered = core_->node().deliver(std::move(envelope));
  if (!delivered) {
    // The peer's message, our missing worker: the connection stays.
    TcpCounters::add(core_->counters().dropped);
    log(LogLevel::Warn, "TCP connection " + quoted(address_) + ": a received message was dropped: " +
                            delivered.error().to_string());
  }
  return true;
}

void TcpConnection::close(const std::string& why, LogLevel level) {
  if (closing_) return;
  closing_ = true;
  std::uint64_t unsent = 0;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    closed_ = true;
    unsent = pending_count_;
    pending_count_ = 0;
    pending_.clear();
  }
  drop(unsent);
  asio::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);  // the pending read (and write) end with operation_aborted
  // Its worker goes first, then the map entry: a connect() that finds no
  // entry can take the address again. Later sends to the address reach the
  // router, and what is still queued to the worker is counted as dropped.
  (void)core_->node().stop_worker(address_);
  core_->forget(this, address_);
  TcpCounters::add(core_->counters().closed);
  log(level, "TCP connection " + quoted(address_) + " closed: " + why +
                 (unsent > 0 ? "; " + std::to_string(unsent) + " unsent message(s) dropped" : ""));
}

// ------------------------------------------------------------ core

Result<void> TcpCore::start(const Address& router) {
  Result<void> started = node_.start({router}, std::make_unique<WorkerCell<Router>>(Router(shared_from_this())));
  if (!started) return started;
  if (Result<void> r = node_.register_transport(TCP, router); !r) {
    (void)node_.stop_worker(router);
    return r;
  }
  std::weak_ptr<TcpCore> weak = weak_from_this();
  if (Result<void> r = node_.add_stop_hook([weak] {
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
      for (auto& [name, connection] : connections_) open.push_back(connection);
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
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(parts->first, parts->second, tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return Error(ErrorCode::TransportError, "cannot listen on '" + std::string(text) + "': " + ec.message());
  }
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  const tcp::endpoint ep = endpoints.begin()->endpoint();
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error(ErrorCode::TransportError, "cannot listen on '" + std::string(text) + "': " + ec.message());
  const tcp::endpoint bound = acceptor->local_endpoint(ec);
  if (ec) return Error(ErrorCode::TransportError, "cannot listen on '" + std::string(text) + "': " + ec.message());
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
      log(LogLevel::Warn, "TCP accept failed: " + ec.message());
    } else {
      asio::error_code peer_ec;
      const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
      if (!peer_ec) {
        Result<void> adopted = self->adopt(std::move(socket), Address(TCP, endpoint_string(peer)));
        if (!adopted) log(LogLevel::Warn, "TCP: an accepted connection was refused: " + adopted.error().to_string());
      }
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
    if (connections_.count(address.to_string()) != 0) return address;
  }
  asio::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(parts->first, parts->second, ec);
  if (ec) return Error(ErrorCode::TransportError, "cannot resolve '" + std::string(peer) + "': " + ec.message());
  tcp::socket socket(io);
  asio::connect(socket, endpoints, ec);
  if (ec) return Error(ErrorCode::TransportError, "cannot connect to '" + std::string(peer) + "': " + ec.message());
  Result<void> adopted = adopt(std::move(socket), address);
  if (!adopted) {
    if (adopted.error().code() == ErrorCode::AddressInUse) return address;  // a concurrent connect() won
    return adopted.error();
  }
  return address;
}

Result<void> TcpCore::adopt(tcp::socket socket, const Address& address) {
  asio::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto connection = std::make_shared<TcpConnection>(*this, std::move(socket), address);
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
  auto cell = std::make_unique<WorkerCell<ConnectionWorker>>(ConnectionWorker(connection));
  cell->gate = connection.get();
  Result<void> started = node_.start({address}, std::move(cell), /*allow_remote=*/true);
  if (!started) return started;
  connections_[address.to_string()] = connection;
  TcpCounters::add(counters_.opened);
  // Under mu_: no post after stopped_ (INVARIANT).
  asio::post(io, [connection] { connection->start_reading(); });
  return {};
}

void TcpCore::forget(const TcpConnection* connection, const Address& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connections_.find(address.to_string());
  if (it != connections_.end() && it->second.get() == connection) connections_.erase(it);
}

Result<void> TcpCore::disconnect(const Address& address) {
  std::shared_ptr<TcpConnection> connection;
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return Error(ErrorCode::NodeStopped, "the node is stopped");
  auto it = connections_.find(address.to_string());
  if (it == connections_.end()) {
    return Error(ErrorCode::AddressNotFound, "no open TCP connection " + quoted(address));
  }
  asio::post(io, [connection = it->second] { connection->close("disconnect() was called", LogLevel::Info); });
  return {};
}

}  // namespace ockam::detail

namespace ockam {

Result<TcpTransport> TcpTransport::create(Context& ctx, TcpOptions options) {
  detail::NodeCore& node = detail::TransportAccess::core(ctx);
  auto core = std::make_shared<detail::TcpCore>(node, options);
  if (Result<void> r = core->start(Address("ockam.tcp_router")); !r) return r.error();
  return TcpTransport(std::move(core));
}

Result<Address> TcpTransport::listen(std::string_view address) { return core_->listen(address); }
Result<Address> TcpTransport::connect(std::string_view address) { return core_->connect(address); }
Result<void> TcpTransport::disconnect(const Address& connection) { return core_->disconnect(connection); }

TcpStats TcpTransport::stats() const {
  auto& c = core_->counters();
  // relaxed: see TcpCounters.
  auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  return TcpStats{get(c.opened),   get(c.closed),  get(c.sent),     get(c.writes),
                  get(c.received), get(c.dropped), get(c.malformed)};
}

}  // namespace ockam
