// INTERNAL. One TCP connection: its socket, its frame decoder and its
// double write buffer.
#ifndef OCKAM_TRANSPORT_INTERNAL_TCP_CONNECTION_H_
#define OCKAM_TRANSPORT_INTERNAL_TCP_CONNECTION_H_

#include <array>
#include <atomic>
#include <cstdint>
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
#include "runtime/send_gate.h"
#include "transport/internal/tcp_core.h"
#include "transport/wire.h"

namespace ockam::detail {

// One socket. Its worker (ConnectionWorker, at the connection's address)
// turns outgoing messages into frames; the I/O thread writes and reads.
//
// Who touches what:
//   socket_, decoder_, read_buf_, out_, out_count_, closing_   I/O thread only.
//   pending_, pending_count_, writing_, closed_   guarded by write_mu_: the
//       worker appends frames, the I/O thread swaps them out to write.
//   queued_   any sender (admit), the worker and the I/O thread (release).
// INVARIANT: writing_ is true exactly while a flush is posted or a write is
//   in flight; only the thread that sets it posts the flush.
// INVARIANT: the worker writes to the socket itself (under write_mu_) only
//   when writing_ is false and pending_ is empty, so bytes leave in order and
//   never from two threads at once.
// INVARIANT: nothing is posted once closed_ is set (see TcpCore).
class TcpConnection final : public std::enable_shared_from_this<TcpConnection>, public SendGate {
 public:
  TcpConnection(TcpCore& core, asio::ip::tcp::socket socket, Address address, std::string peer, bool inbound)
      : core_(core.shared_from_this()),
        socket_(std::move(socket)),
        fd_(socket_.native_handle()),
        address_(std::move(address)),
        peer_(std::move(peer)),
        inbound_(inbound) {}

  const Address& address() const { return address_; }
  // A peer opened it (to a listen()); connect() never returns such a one.
  bool inbound() const { return inbound_; }

  // SendGate: any sender, inside the registry's read section.
  Result<void> admit() override;

  // The connection worker's turn: one message out.
  // `more_queued`: messages wait behind this one in the worker's mailbox.
  Result<void> write(Routed<Any> message, bool more_queued);

  // I/O thread.
  void start_reading() {
    if (closing_) return;
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(read_buf_),
                            [self](const asio::error_code& ec, std::size_t n) { self->on_read(ec, n); });
  }
  // I/O thread. Idempotent: the first cause is the one logged.
  void close(const std::string& why, LogLevel level);
  // How logs name it: "'1#in-…' (from 127.0.0.1:53124)" or "'1#host:port'".
  std::string label() const;

 private:
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
  void flush();
  void on_written(const asio::error_code& ec);
  void on_read(const asio::error_code& ec, std::size_t n);
  // False (with `why` set) if the frame must close the connection.
  bool on_frame(std::span<const std::uint8_t> frame, std::string& why);

  std::shared_ptr<TcpCore> core_;
  asio::ip::tcp::socket socket_;
  // The socket's descriptor, for the worker's direct writes (write()); valid
  // until close(), which sets closed_ under write_mu_ before it closes it.
  const int fd_;
  const Address address_;
  const std::string peer_;  // "127.0.0.1:53124"
  const bool inbound_;

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

}  // namespace ockam::detail

#endif  // OCKAM_TRANSPORT_INTERNAL_TCP_CONNECTION_H_
