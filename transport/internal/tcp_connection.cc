#include "transport/internal/tcp_connection.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <utility>

#include "runtime/transport.h"

namespace ockam::detail {

Result<void> TcpConnection::admit() {
  // relaxed: a bound, not a synchronisation; overshooting by the number of
  // concurrent senders is harmless.
  if (queued_.fetch_add(1, std::memory_order_relaxed) >= core_->options().max_queued_messages) {
    queued_.fetch_sub(1, std::memory_order_relaxed);
    return Error(ErrorCode::QueueFull, "connection " + quoted(address_) + " has " +
                                           std::to_string(core_->options().max_queued_messages) +
                                           " messages waiting for its socket; retry later");
  }
  // relaxed: see buffered_.
  if (buffered_.load(std::memory_order_relaxed) >= core_->options().max_queued_bytes) {
    queued_.fetch_sub(1, std::memory_order_relaxed);
    return Error(ErrorCode::QueueFull, "connection " + quoted(address_) + " has " +
                                           std::to_string(core_->options().max_queued_bytes) +
                                           " bytes or more waiting for its socket; retry later");
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
    // Its sender may get the peer's replies (access_control.h).
    if (!routes->ret.empty() && routes->ret.next().is_local()) ingress_->add_reply_address(routes->ret.next());
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
  std::lock_guard<std::mutex> lock(write_mu_);
  if (closed_) {
    drop(1);
    return Error(ErrorCode::TransportError, "connection " + quoted(address_) + " is closed; message dropped");
  }
  // Nothing to batch with: write from this thread and spare the I/O thread a
  // wake-up (round trips).
  bool post = false;
  send_or_queue(frame, 1, !more_queued, post);
  // Posted under the lock: close() sets closed_ under it, so no post follows
  // a close (INVARIANT above).
  if (post) asio::post(core_->io, [self = shared_from_this()] { self->flush(); });
  return {};
}

void TcpConnection::send_or_queue(std::span<const std::uint8_t> bytes, std::uint64_t messages, bool write_now,
                                  bool& post) {
  std::size_t written = 0;
  if (write_now && !writing_ && pending_.empty()) {
    // The socket is idle. Non-blocking: what the kernel does not take goes
    // the usual way below.
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) written = static_cast<std::size_t>(n);
    if (written == bytes.size()) {
      if (messages > 0) {
        touch_tx();
        wrote(messages);
      }
      return;
    }
    // A partial write, EAGAIN, or an error the I/O thread's write will meet
    // again and close the connection for.
  }
  pending_.insert(pending_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(written), bytes.end());
  // relaxed: see buffered_.
  buffered_.fetch_add(bytes.size() - written, std::memory_order_relaxed);
  pending_count_ += messages;
  if (!writing_) writing_ = post = true;
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
  asio::async_write(
      socket_, asio::buffer(out_),
      // After each partial write: bytes are moving, so a big batch to a slow
      // reader is not taken for an idle link.
      [this, carries = out_count_ > 0](const asio::error_code& ec, std::size_t n) -> std::size_t {
        if (!ec && carries && n > 0) touch_tx();
        return asio::transfer_all()(ec, n);
      },
      [self](const asio::error_code& ec, std::size_t) { self->on_written(ec); });
}

void TcpConnection::on_written(const asio::error_code& ec) {
  const std::uint64_t n = std::exchange(out_count_, 0);
  buffered_.fetch_sub(out_.size(), std::memory_order_relaxed);  // relaxed: see buffered_
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
  if (n > 0) wrote(n);  // a heartbeat alone carries no message
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
  last_rx_ = Clock::now();
  read_begin_ = 0;
  read_end_ = n;
  read_was_idle_ = decoder_.idle();
  read_frames_ = 0;
  consume();
}

void TcpConnection::consume() {
  if (closing_) return;
  if (has_stalled_ && !deliver_stalled()) return;  // still refused: the retry comes back here
  while (read_begin_ < read_end_) {
    std::string why;
    bool ok = true;
    Result<std::size_t> fed = decoder_.feed_some(
        std::span<const std::uint8_t>(read_buf_.data() + read_begin_, read_end_ - read_begin_),
        [&](std::span<const std::uint8_t> frame) {
          ++read_frames_;
          ok = on_frame(frame, why);
          return ok && !has_stalled_ && !credit_->exhausted();
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
    read_begin_ += fed.value();
    if (has_stalled_) {
      TcpCounters::add(core_->counters().deliveries_stalled);
      retry_delay_ = std::chrono::milliseconds(1);
      retry_later();
      return;
    }
    if (credit_->exhausted() && credit_->pause()) {
      TcpCounters::add(core_->counters().reads_paused);
      credit_paused_ = true;
      return;  // on_room posts resume_after_credit()
    }
  }
  // The whole read is handed over.
  if (decoder_.idle()) {
    in_frame_ = false;
  } else if (read_was_idle_ || read_frames_ > 0) {
    // A frame began in these bytes: its clock starts now.
    const Clock::time_point now = Clock::now();
    in_frame_ = true;
    frame_started_ = now;
    arm(now + core_->limits().frame_timeout);
  }
  start_reading();
}

bool TcpConnection::deliver(PeerMessage& message) {
  Result<void> delivered = deliver_from_peer(core_->node(), message, credit_, ingress_);
  if (!delivered && delivered.error().code() == ErrorCode::QueueFull) return false;  // `message` is intact
  if (!delivered) {
    // The peer's message, our missing worker: the connection stays.
    TcpCounters::add(core_->counters().dropped);
    log(LogLevel::Warn, "TCP connection " + label() + ": a received message was dropped: " +
                            delivered.error().to_string());
  }
  return true;
}

bool TcpConnection::deliver_stalled() {
  if (!deliver(stalled_)) {
    retry_delay_ = std::min<Clock::duration>(retry_delay_ * 2, std::chrono::milliseconds(100));
    retry_later();
    return false;
  }
  has_stalled_ = false;
  resumed();
  return true;
}

void TcpConnection::retry_later() {
  retry_timer_.expires_after(retry_delay_);
  retry_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec != asio::error::operation_aborted) self->consume();
  });
}

void TcpConnection::resume_after_credit() {
  if (closing_ || !credit_paused_) return;
  credit_paused_ = false;
  resumed();
  consume();
}

void TcpConnection::resumed() {
  const Clock::time_point now = Clock::now();
  last_rx_ = now;
  if (in_frame_) frame_started_ = now;
  arm(next_deadline());
}

bool TcpConnection::on_frame(std::span<const std::uint8_t> frame, std::string& why) {
  Result<transport::TransportMessage> message = transport::decode(frame);
  if (!message) {
    why = message.error().to_string();
    return false;
  }
  transport::TransportMessage& m = message.value();
  if (inbound_ && !spoke_) core_->spoke(this);
  spoke_ = true;
  if (m.onward.empty()) {
    if (m.ret.empty() && m.payload.empty()) {  // Ockam's heartbeat
      TcpCounters::add(core_->counters().heartbeats_received);
      return true;
    }
    why = "a message with an empty onward route";
    return false;
  }
  const Address& next = m.onward.next();
  if (!next.is_local() && next.type() != TCP) {
    why = "a message for unknown transport type " + std::to_string(next.type()) + " (" + quoted(next) + ")";
    return false;
  }
  m.ret.prepend(address_);
  // Counted once, before the node can see it (a reply to it may be read
  // before this thread goes on), and not again when a full mailbox makes
  // the connection retry it.
  TcpCounters::add(core_->counters().received);
  PeerMessage received{std::move(m.onward), std::move(m.ret), std::move(m.payload)};
  if (!deliver(received)) {
    stalled_ = std::move(received);
    has_stalled_ = true;
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
    buffered_.fetch_sub(pending_.size(), std::memory_order_relaxed);  // relaxed: see buffered_
    pending_.clear();
  }
  drop(unsent);
  // A received message held for a full mailbox never reaches the node.
  const bool held = std::exchange(has_stalled_, false);
  if (held) TcpCounters::add(core_->counters().dropped);
  stalled_ = PeerMessage{};
  timer_.cancel();  // its wait ends with operation_aborted and starts no other
  retry_timer_.cancel();
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
                 (unsent > 0 ? "; " + std::to_string(unsent) + " unsent message(s) dropped" : "") +
                 (held ? "; a received message waiting for a full mailbox dropped" : ""));
}

std::string TcpConnection::label() const {
  return inbound_ ? quoted(address_) + " (from " + peer_ + ")" : quoted(address_);
}

void TcpConnection::start() {
  if (closing_) return;
  // The room callback runs on whichever thread handles a message: it only
  // posts, and never after close() (closed_, under write_mu_: INVARIANT).
  credit_ = std::make_shared<PeerCredit>(core_->options().max_unhandled_bytes, [weak = weak_from_this()] {
    std::shared_ptr<TcpConnection> self = weak.lock();
    if (!self) return;
    std::lock_guard<std::mutex> lock(self->write_mu_);
    if (!self->closed_) asio::post(self->core_->io, [self] { self->resume_after_credit(); });
  });
  const Clock::time_point now = Clock::now();
  // Opening counts as traffic both ways: the clocks start here.
  last_rx_ = now;
  last_heartbeat_ = now;
  touch_tx();
  arm(next_deadline());
  start_reading();
}

Clock::time_point TcpConnection::next_deadline() const {
  const TcpLimits& limits = core_->limits();
  const Clock::time_point tx = last_tx();
  Clock::time_point deadline = std::max(last_heartbeat_, tx) + limits.heartbeat_interval;
  if (paused()) return deadline;  // the node's pause: no idle or frame timeout meanwhile
  deadline = std::min(deadline, std::max(last_rx_, tx) + limits.idle_timeout);
  if (in_frame_) deadline = std::min(deadline, frame_started_ + limits.frame_timeout);
  return deadline;
}

void TcpConnection::arm(Clock::time_point deadline) {
  if (closing_ || deadline >= timer_at_) return;  // the wait in progress ends first and re-arms
  timer_at_ = deadline;
  timer_.expires_at(deadline);  // cancels the wait in progress, if any
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec != asio::error::operation_aborted) self->on_timer();
  });
}

void TcpConnection::on_timer() {
  timer_at_ = Clock::time_point::max();
  if (closing_) return;
  const TcpLimits& limits = core_->limits();
  const Clock::time_point now = Clock::now();
  auto ms = [](Clock::duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
  };
  if (!paused() && in_frame_ && now >= frame_started_ + limits.frame_timeout) {
    TcpCounters::add(core_->counters().timed_out);
    close("a frame did not complete within " + ms(limits.frame_timeout) + " (TcpOptions::frame_timeout; " +
              std::to_string(decoder_.buffered()) + " byte(s) of it arrived)",
          LogLevel::Warn);
    return;
  }
  if (!paused() && now >= std::max(last_rx_, last_tx()) + limits.idle_timeout) {
    TcpCounters::add(core_->counters().timed_out);
    close("no bytes either way for " + ms(limits.idle_timeout) + " (TcpOptions::idle_timeout)", LogLevel::Info);
    return;
  }
  if (now >= std::max(last_heartbeat_, last_tx()) + limits.heartbeat_interval) send_heartbeat(now);
  arm(next_deadline());
}

void TcpConnection::send_heartbeat(Clock::time_point now) {
  // Ockam's heartbeat: TransportMessage v1 with empty routes and payload.
  static constexpr std::array<std::uint8_t, 6> kHeartbeat{0, 4, 1, 0, 0, 0};
  last_heartbeat_ = now;
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (closed_ || writing_) return;  // a write in flight: bytes are on their way already
    send_or_queue(kHeartbeat, 0, true, post);
  }
  TcpCounters::add(core_->counters().heartbeats_sent);
  if (post) flush();  // on the I/O thread already: no post needed
}

}  // namespace ockam::detail
