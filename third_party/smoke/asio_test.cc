// //third_party:asio: standalone asio; a strand serialises handlers run by
// two threads, and a loopback TCP round trip works.
#include <doctest/doctest.h>

#include <asio.hpp>

#include <array>
#include <string>
#include <thread>
#include <vector>

#ifndef ASIO_STANDALONE
#error "//third_party:asio must define ASIO_STANDALONE"
#endif

TEST_CASE("strand: handlers never overlap, all run") {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  constexpr int kHandlers = 5000;
  long counter = 0;  // plain: only the strand protects it
  for (int i = 0; i < kHandlers; ++i) {
    asio::post(strand, [&counter] { ++counter; });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) threads.emplace_back([&io] { io.run(); });
  for (auto& t : threads) t.join();
  CHECK(counter == kHandlers);
}

TEST_CASE("loopback TCP echo") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const auto port = acceptor.local_endpoint().port();

  std::thread server([&acceptor] {
    asio::ip::tcp::socket s = acceptor.accept();
    std::array<char, 5> buf{};
    asio::read(s, asio::buffer(buf));
    asio::write(s, asio::buffer(buf));
  });

  asio::ip::tcp::socket client(io);
  client.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port));
  const std::string msg = "hello";
  asio::write(client, asio::buffer(msg));
  std::array<char, 5> reply{};
  asio::read(client, asio::buffer(reply));
  server.join();
  CHECK(std::string(reply.data(), reply.size()) == msg);
}
