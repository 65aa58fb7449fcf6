// Helpers for the TCP suites: nodes on loopback, and a raw peer that speaks
// bytes (well-formed or not) to a node's listener.
#pragma once

#include <algorithm>
#include <array>
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

// A node with a TCP transport listening on a free loopback port.
struct ListeningNode {
  ockam::Node node;
  ockam::TcpTransport tcp;
  ockam::Address address;  // "1#127.0.0.1:PORT"

  explicit ListeningNode(ockam::TcpOptions options = {})
      : tcp(ockam::TcpTransport::create(node, options).value()), address(tcp.listen("127.0.0.1:0").value()) {}
};

// A plain blocking socket: the far side of a connection, byte by byte.
class RawPeer {
 public:
  explicit RawPeer(const ockam::Address& listener) : socket_(io_) {
    socket_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_of(listener)));
  }
  void send(const std::vector<std::uint8_t>& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // One frame's body (the u16 big-endian length stripped).
  std::vector<std::uint8_t> read_frame() {
    std::array<std::uint8_t, 2> header{};
    asio::read(socket_, asio::buffer(header));
    std::vector<std::uint8_t> body((std::size_t{header[0]} << 8) | header[1]);
    asio::read(socket_, asio::buffer(body));
    return body;
  }
  // Blocks until the node closes its side; true for an orderly close or a reset.
  bool closed_by_node() {
    std::array<std::uint8_t, 4096> sink{};
    asio::error_code ec;
    while (!ec) socket_.read_some(asio::buffer(sink), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
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
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(message.size() >> 8),
                                static_cast<std::uint8_t>(message.size() & 0xff)};
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

}  // namespace ockam_test
