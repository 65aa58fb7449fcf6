// INTERNAL. One TCP connection: its socket, its frame decoder and its
// double write buffer.
#ifndef OCKAM_TRANSPORT_INTERNAL_TCP_CONNECTION_H_
#define OCKAM_TRANSPORT_INTERNAL_TCP_CONNECTION_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <asio.hpp>

#include "runtime/address.h"
#include "runtime/any.h"
#include "runtime/log.h"
#include "runtime/result.h"
#include "runtime/routed.h"
#include "runtime/peer_credit.h"
#include "runtime/send_gate.h"
#include "runtime/transport.h"
#include "transport/internal/tcp_core.h"
#include "transport/wire.h"

namespace ockam::detail {

// One socket. Its worker (ConnectionWorker, at the connection's address)
// turns outgoing messages into frames; the I/O thread writes and reads, and
// keeps the connection's one timer (frame timeout, idle timeout, heartbeat).
//
// Reading, with backpressure: each read's bytes are handed to the node
// frame by frame (consume()), and the hand-over stops, keeping the rest of
// the read, when the node pushes back:
//   * credit_ (max_unhandled_bytes) is exhausted: the reader pauses until
//     enough of what it delivered is handled; PeerCredit's on_room posts
//     resume_after_credit().
//   * a message met a full mailbox (QueueFull): it is held in stalled_ and
//     retried on retry_timer_, with a back-off from 1 to 100 ms, never
//     dropped. Messages behind it wait in read_buf_, so order is kept.
// No read is outstanding while paused, so TCP's window fills and the peer
// slows down. A paused connection is the node's doing, not the peer's: the
// frame and idle timeouts do not run while it lasts, and restart when it
// ends.
//
// Who touches what:
//   socket_, decoder_, read_buf_ and its read_* marks, stalled_,
//       has_stalled_, credit_paused_, retry_timer_, retry_delay_, out_,
//       out_count_, closing_, timer_ and the timer's state (timer_at_,
//       in_frame_, frame_started_, last_rx_, last_heartbeat_, spoke_)
//       I/O thread only.
//   credit_   set by start() on the I/O thread; see peer_credit.h.
//   pending_, pending_count_, writing_, closed_   guarded by write_mu_: the
//       worker appends frames, the I/O thread swaps them out to write.
//   queued_   any sender (admit), the worker and the I/O thread (release).
//   buffered_   the writers add under write_mu_, the I/O thread subtracts,
//       admit() reads.
//   last_tx_   the writers (worker or I/O thread) store, the timer loads.
//   silent_pos_, silent_listed_   guarded by TcpCore::mu_ (TcpCore::silent_).
// INVARIANT: writing_ is true exactly while a flush is posted or running or
//   a write is in flight; only the thread that sets it starts the flush.
// INVARIANT: bytes are written directly (under write_mu_, by the worker or
//   by the I/O thread's heartbeat) only when writing_ is false and pending_
//   is empty, so bytes leave in order and never from two threads at once.
// INVARIANT: nothing is posted, and no timer wait started, once closed_ /
//   closing_ are set (see TcpCore); close() cancels the timer.
class TcpConnection final : public std::enable_shared_from_this<TcpConnection>, public SendGate {
 public:
  TcpConnection(TcpCore& core, asio::ip::tcp::socket socket, Address address, std::string peer, bool inbound,
                std::shared_ptr<Ingress> ingress)
      : core_(core.shared_from_this()),
        socket_(std::move(socket)),
        fd_(socket_.native_handle()),
        address_(std::move(address)),
        peer_(std::move(peer)),
        inbound_(inbound),
        ingress_(std::move(ingress)),
        retry_timer_(core.io),
        timer_(core.io),
        last_rx_(Clock::now()) {}

  const Address& address() const { return address_; }
  // A peer opened it (to a listen()); connect() never returns such a one.
  bool inbound() const { return inbound_; }
  // What its peer may reach; every message it delivers comes from here.
  const Ingress& ingress() const { return *ingress_; }

  // SendGate: any sender, inside the registry's read section.
  Result<void> admit() override;

  // The connection worker's turn: one message out.
  // `more_queued`: messages wait behind this one in the worker's mailbox.
  Result<void> write(Routed<Any> message, bool more_queued);

  // I/O thread, once: starts the timer and the reads.
  void start();
  // I/O thread. Idempotent: the first cause is the one logged.
  void close(const std::string& why, LogLevel level);
  // How logs name it: "'1#in-…' (from 127.0.0.1:53124)" or "'1#host:port'".
  std::string label() const;
  // I/O thread: when the last bytes arrived (or the connection opened).
  Clock::time_point last_heard() const { return last_rx_; }

 private:
  friend class TcpCore;  // silent_pos_, silent_listed_

  void start_reading() {
    if (closing_) return;
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(read_buf_),
                            [self](const asio::error_code& ec, std::size_t n) { self->on_read(ec, n); });
  }
  void release(std::uint64_t n) {
    // relaxed: see admit().
    queued_.fetch_sub(n, std::memory_order_relaxed);
  }
  // n messages left in one write.
  void wrote(std::uint64_t n) {
    release(n);
    TcpCounters::add(core_->counters().sent, n);
    TcpCounters::add(core_->counters().writes);
  }
  void drop(std::uint64_t n) {
    release(n);
    TcpCounters::add(core_->counters().dropped, n);
  }
  // Bytes of messages (not heartbeats alone) went out: the link is live.
  void touch_tx() {
    // relaxed: a timestamp the timer compares against; a stale value only
    // moves the idle check or a heartbeat by the time since the write.
    last_tx_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
  Clock::time_point last_tx() const {
    // relaxed: see touch_tx().
    return Clock::time_point(Clock::duration(last_tx_.load(std::memory_order_relaxed)));
  }
  // Under write_mu_: writes `bytes` now if the socket is idle and
  // `write_now`, else queues them for the I/O thread. `messages`: how many
  // messages they hold (0 for a heartbeat). Sets `post` if the caller must
  // start a flush (after the lock, or by a post under it).
  void send_or_queue(std::span<const std::uint8_t> bytes, std::uint64_t messages, bool write_now, bool& post);
  void flush();
  void on_written(const asio::error_code& ec);
  void on_read(const asio::error_code& ec, std::size_t n);
  // False (with `why` set) if the frame must close the connection.
  bool on_frame(std::span<const std::uint8_t> frame, std::string& why);
  // Hands the rest of the last read to the node; reads again once it is
  // all handed over, unless the node pushed back (see the class comment).
  void consume();
  // A received message to the node: false if a full mailbox refused it,
  // which is then held in stalled_.
  bool deliver(PeerMessage& message);
  // The held message again: false if it is still refused (a retry is set).
  bool deliver_stalled();
  // consume() again after retry_delay_ (the held message's next try).
  void retry_later();
  void resume_after_credit();
  // After a pause: the clocks the pause stopped restart now.
  void resumed();
  bool paused() const { return has_stalled_ || credit_paused_; }

  // The timer: one wait at a time, for the earliest deadline it knows of;
  // when it fires, on_timer() checks the clocks and waits again. The hot
  // paths only store timestamps; the wait is moved earlier (arm) only when
  // a frame starts on an idle decoder.
  void arm(Clock::time_point deadline);
  void on_timer();
  Clock::time_point next_deadline() const;
  void send_heartbeat(Clock::time_point now);

  std::shared_ptr<TcpCore> core_;
  asio::ip::tcp::socket socket_;
  // The socket's descriptor, for direct writes (write(), heartbeats); valid
  // until close(), which sets closed_ under write_mu_ before it closes it.
  const int fd_;
  const Address address_;
  const std::string peer_;  // "127.0.0.1:53124"
  const bool inbound_;
  const std::shared_ptr<Ingress> ingress_;

  // I/O thread only.
  transport::FrameDecoder decoder_;
  // Not value-initialised: its pages are touched only as reads fill them.
  std::array<std::uint8_t, 64 * 1024> read_buf_;
  std::size_t read_begin_ = 0, read_end_ = 0;  // the last read's bytes not yet handed over
  bool read_was_idle_ = true;                  // the decoder was between frames when the read came
  std::size_t read_frames_ = 0;                // frames that completed in the last read
  std::shared_ptr<PeerCredit> credit_;
  bool credit_paused_ = false;  // waiting for on_room
  PeerMessage stalled_;         // refused by a full mailbox, while has_stalled_
  bool has_stalled_ = false;
  asio::steady_timer retry_timer_;
  Clock::duration retry_delay_{};
  std::vector<std::uint8_t> out_;
  std::uint64_t out_count_ = 0;
  bool closing_ = false;
  asio::steady_timer timer_;
  Clock::time_point timer_at_ = Clock::time_point::max();  // when the wait in progress ends; max: none
  bool in_frame_ = false;                                   // a frame's first byte has arrived, not its last
  Clock::time_point frame_started_;
  Clock::time_point last_rx_;         // the last read
  Clock::time_point last_heartbeat_;  // the last heartbeat written (or start())
  bool spoke_ = false;                // a whole frame has arrived

  std::mutex write_mu_;
  std::vector<std::uint8_t> pending_;  // guarded by write_mu_
  std::uint64_t pending_count_ = 0;    // guarded by write_mu_
  bool writing_ = false;               // guarded by write_mu_
  bool closed_ = false;                // guarded by write_mu_

  // Messages admitted and not yet written or dropped: admit() adds, the
  // writer and the drop paths subtract. Relaxed: a bound, see admit().
  std::atomic<std::size_t> queued_{0};
  // Bytes in pending_ and out_ (encoded, not yet taken by the socket).
  // Relaxed: a bound, as queued_ is; admit() may overshoot it by the
  // messages already admitted.
  std::atomic<std::size_t> buffered_{0};
  // Clock::rep of the last write that carried messages (or start()).
  std::atomic<Clock::rep> last_tx_{0};

  // Guarded by TcpCore::mu_: where this connection is in TcpCore::silent_.
  std::list<TcpConnection*>::iterator silent_pos_;
  bool silent_listed_ = false;
};

}  // namespace ockam::detail

#endif  // OCKAM_TRANSPORT_INTERNAL_TCP_CONNECTION_H_
