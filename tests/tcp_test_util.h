// Helpers for the TCP suites: nodes on loopback, and a raw peer that speaks
// bytes (well-formed or not) to a node's listener.
#pragma once

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <asio.hpp>

#include "runtime/ockam.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

namespace ockam_test {

inline std::uint16_t port_of(const ockam::Address& address) {
  const std::string_view name = address.name();
  return static_cast<std::uint16_t>(std::stoi(std::string(name.substr(name.rfind(':') + 1))));
}

// The workers the TCP suites start and reach from peers: a ListeningNode
// exposes them to its peers (TcpListenOptions::expose). The access-control
// suite exposes its own.
inline std::vector<ockam::Address> suite_workers() { return {"echoer", "held", "counter", "sink", "hello", "w", "doubler"}; }

// A node with a TCP transport listening on a free loopback port.
struct ListeningNode {
  ockam::Node node;
  ockam::TcpTransport tcp;
  ockam::Address address;  // "1#127.0.0.1:PORT"

  explicit ListeningNode(ockam::TcpOptions options = {}, std::vector<ockam::Address> expose = suite_workers())
      : tcp(ockam::TcpTransport::create(node, options).value()),
        address(tcp.listen("127.0.0.1:0", ockam::TcpListenOptions{std::move(expose)}).value()) {}
};

// A node connected to a ListeningNode that runs `worker` at `name`.
struct ConnectedPair {
  ListeningNode server;
  ockam::Node client;
  ockam::TcpTransport client_tcp;
  ockam::Address connection;  // the client's connection to the server

  template <class W>
  ConnectedPair(const ockam::Address& name, W worker) : client_tcp(ockam::TcpTransport::create(client).value()) {
    server.node.start_worker(name, std::move(worker)).value();  // throws (failing the test) if it cannot start
    connection = client_tcp.connect(server.address.name()).value();
  }
};

// Waits up to `timeout` for `fd` to be readable (data, end of stream or an
// error); false if it was not.
inline bool readable_within(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

// Reads exactly `size` bytes from a blocking `fd` within `timeout`; false on
// a timeout, an end of stream or an error.
inline bool read_exact_within(int fd, std::uint8_t* out, std::size_t size, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (size > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0 || !readable_within(fd, left)) return false;
    const ssize_t n = ::recv(fd, out, size, 0);
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// One frame's body (the u16 big-endian length stripped) from `fd`, or an
// empty vector (no message is empty) if none arrived within `timeout`.
inline std::vector<std::uint8_t> read_frame_from(int fd, std::chrono::milliseconds timeout = kWait) {
  std::array<std::uint8_t, 2> header{};
  if (!read_exact_within(fd, header.data(), header.size(), timeout)) return {};
  std::vector<std::uint8_t> body((std::size_t{header[0]} << 8) | header[1]);
  if (!read_exact_within(fd, body.data(), body.size(), timeout)) return {};
  return body;
}

// Reads and discards (heartbeats, say) until the node closes its side of
// `fd`; true for an orderly close or a reset within `timeout`.
inline bool closed_by_node(int fd, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<std::uint8_t, 4096> sink{};
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0 || !readable_within(fd, left)) return false;
    const ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

// A plain blocking socket: the far side of a connection, byte by byte.
// Every wait is bounded (kWait unless told), so a node that never answers
// fails the test rather than hanging it.
class RawPeer {
 public:
  explicit RawPeer(const ockam::Address& listener) : socket_(io_) {
    socket_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_of(listener)));
  }
  void send(const std::vector<std::uint8_t>& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // The same, false rather than a throw if the node has closed the socket.
  bool try_send(const std::vector<std::uint8_t>& bytes) {
    asio::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    return !ec;
  }
  // One frame's body (the u16 big-endian length stripped); empty if none came.
  std::vector<std::uint8_t> read_frame(std::chrono::milliseconds timeout = kWait) {
    return read_frame_from(socket_.native_handle(), timeout);
  }
  // Until the node closes its side; true for an orderly close or a reset.
  bool closed_by_node(std::chrono::milliseconds timeout = kWait) {
    return ockam_test::closed_by_node(socket_.native_handle(), timeout);
  }
  // Whether anything (bytes, or the node's close) arrived: a check at once.
  bool anything_arrived() { return readable_within(socket_.native_handle(), std::chrono::milliseconds(0)); }
  void shutdown_send() { socket_.shutdown(asio::ip::tcp::socket::shutdown_send); }
  // Closes with a reset (SO_LINGER 0): the peer dies without a goodbye.
  void abort() {
    socket_.set_option(asio::socket_base::linger(true, 0));
    socket_.close();
  }
  std::uint16_t local_port() const { return socket_.local_endpoint().port(); }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
};

// A frame around a message body.
inline std::vector<std::uint8_t> frame(std::vector<std::uint8_t> message) {
  // Reserved first: GCC 12 warns (-Warray-bounds, wrongly) on an insert
  // that grows a two-byte vector.
  std::vector<std::uint8_t> out;
  out.reserve(2 + message.size());
  out.push_back(static_cast<std::uint8_t>(message.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(message.size() & 0xff));
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

// A TransportMessage v1 (no frame) from a peer: onward [to], return
// ["raw"], and `body` (a message body's own bytes) as its payload.
inline std::vector<std::uint8_t> message_to(std::string_view to, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out{1, 1, 0};
  auto uint = [&](std::size_t n) {  // BARE's varint
    for (; n >= 0x80; n >>= 7) out.push_back(static_cast<std::uint8_t>(n | 0x80));
    out.push_back(static_cast<std::uint8_t>(n));
  };
  uint(to.size());
  out.insert(out.end(), to.begin(), to.end());
  out.insert(out.end(), {1, 0, 3, 'r', 'a', 'w'});
  uint(body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// `n` copies of `one` (a frame) back to back, sent in writes of up to 1,000.
inline void send_copies(RawPeer& peer, const std::vector<std::uint8_t>& one, std::size_t n) {
  std::vector<std::uint8_t> batch;
  for (std::size_t sent = 0; sent < n;) {
    const std::size_t k = std::min<std::size_t>(1000, n - sent);
    batch.clear();
    for (std::size_t i = 0; i < k; ++i) batch.insert(batch.end(), one.begin(), one.end());
    peer.send(batch);
    sent += k;
  }
}

// Ockam's heartbeat as a frame: 000401000000.
inline std::vector<std::uint8_t> heartbeat_frame() { return {0, 4, 1, 0, 0, 0}; }

// A frame carrying the BARE string `text` (under 127 bytes) to the local
// worker `to` (a name under 128 bytes), with the return route ["raw"].
inline std::vector<std::uint8_t> string_frame(const std::string& to, const std::string& text) {
  std::vector<std::uint8_t> m{1, 1, 0, static_cast<std::uint8_t>(to.size())};
  m.insert(m.end(), to.begin(), to.end());
  m.insert(m.end(), {1, 0, 3, 'r', 'a', 'w', static_cast<std::uint8_t>(text.size() + 1),
                     static_cast<std::uint8_t>(text.size())});
  m.insert(m.end(), text.begin(), text.end());
  return frame(m);
}

}  // namespace ockam_test
