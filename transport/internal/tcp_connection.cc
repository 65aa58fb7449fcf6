#include "transport/internal/tcp_connection.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <utility>

#include "runtime/transport.h"

namespace ockam::detail {
namespace {

std::string quoted(const Address& a) { return "'" + a.to_string() + "'"; }

}  // namespace

Result<void> TcpConnection::admit() {
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

Result<void> TcpConnection::write(Routed<Any> message, bool more_queued) {
  // Encoded on the worker's thread, outside the lock; then one copy in.
  thread_local std::vector<std::uint8_t> body;
  thread_local std::vector<std::uint8_t> frame;
  body.clear();
  frame.clear();
  Result<PeerRoutes> routes = encode_for_peer(std::move(message), body);
  Result<void> encoded;
  if (!routes) {
    encoded = routes.error();
  } else {
    routes->onward.pop_front();  // our own address: the peer routes from the next hop, as in Ockam
    if (routes->onward.empty()) {
      encoded = Error(ErrorCode::InvalidAddress, "the onward route ends at the connection " + quoted(address_));
    } else {
      encoded = transport::encode_frame_to(transport::MessageRef{routes->onward, routes->ret, body}, frame);
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
    std::size_t written = 0;
    if (!more_queued && !writing_ && pending_.empty()) {
      // Nothing to batch with and the socket idle: write from this thread
      // and spare the I/O thread a wake-up (round trips). Non-blocking: what
      // the kernel does not take goes the usual way below.
      const ssize_t n = ::send(fd_, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) written = static_cast<std::size_t>(n);
      if (written == frame.size()) {
        wrote(1);
        return {};
      }
      // A partial write, EAGAIN, or an error the I/O thread's write will
      // meet again and close the connection for.
    }
    pending_.insert(pending_.end(), frame.begin() + static_cast<std::ptrdiff_t>(written), frame.end());
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
  wrote(n);
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
  m.ret.prepend(address_);
  TcpCounters::add(core_->counters().received);
  Result<void> delivered =
      deliver_from_peer(core_->node(), std::move(m.onward), std::move(m.ret), std::move(m.payload));
  if (!delivered) {
    // The peer's message, our missing worker: the connection stays.
    TcpCounters::add(core_->counters().dropped);
    log(LogLevel::Warn, "TCP connection " + label() + ": a received message was dropped: " +
                            delivered.error().to_string());
  }
  return true;
}

std::string TcpConnection::label() const {
  return inbound_ ? quoted(address_) + " (from " + peer_ + ")" : quoted(address_);
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
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);  // the pending read (and write) end with operation_aborted
  // Its worker goes first, then the map entry: a connect() that finds no
  // entry can take the address again. Later sends to the address reach the
  // router, and what is still queued to the worker is counted as dropped.
  (void)core_->node().stop_worker(address_);
  core_->forget(this, address_);
  TcpCounters::add(core_->counters().closed);
  log(level, "TCP connection " + label() + " closed: " + why +
                 (unsent > 0 ? "; " + std::to_string(unsent) + " unsent message(s) dropped" : ""));
}
}  // namespace ockam::detail
