// A peer that speaks bytes, for the example tests: connects to a node's TCP
// listener, and for each hex string sends its bytes and prints, in hex, the
// next frame that comes back (its u16 length included).
//
//   raw_frame_peer PORT HEX...
//
// Exits 1 if the connection fails, closes, or 30 s pass without the frames.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <asio.hpp>

namespace {

bool from_hex(const std::string& hex, std::vector<std::uint8_t>& out) {
  if (hex.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned byte = 0;
    if (std::sscanf(hex.c_str() + i, "%2x", &byte) != 1) return false;
    out.push_back(static_cast<std::uint8_t>(byte));
  }
  return true;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 0xf];
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: raw_frame_peer PORT HEX...\n";
    return 2;
  }
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  asio::error_code ec;
  socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                         static_cast<std::uint16_t>(std::stoi(argv[1]))),
                 ec);
  if (ec) {
    std::cerr << "connect: " << ec.message() << "\n";
    return 1;
  }
  for (int i = 2; i < argc; ++i) {
    std::vector<std::uint8_t> bytes;
    if (!from_hex(argv[i], bytes)) {
      std::cerr << "not hex: " << argv[i] << "\n";
      return 2;
    }
    asio::write(socket, asio::buffer(bytes), ec);
    if (ec) {
      std::cerr << "write: " << ec.message() << "\n";
      return 1;
    }
    // Reads asynchronously so that run_for() bounds the wait: a frame that
    // never comes fails the test instead of hanging it.
    std::vector<std::uint8_t> reply(2);
    bool done = false;
    asio::async_read(socket, asio::buffer(reply), [&](asio::error_code e, std::size_t) {
      if (e) {
        ec = e;
        return;
      }
      const std::size_t length = (std::size_t{reply[0]} << 8) | reply[1];
      reply.resize(2 + length);
      asio::async_read(socket, asio::buffer(reply.data() + 2, length), [&](asio::error_code e2, std::size_t) {
        ec = e2;
        done = !e2;
      });
    });
    io.restart();
    io.run_for(std::chrono::seconds(30));
    if (!done) {
      std::cerr << "no frame back for message " << i - 1 << ": " << (ec ? ec.message() : "30 s passed") << "\n";
      return 1;
    }
    std::cout << to_hex(reply) << std::endl;
  }
  return 0;
}
