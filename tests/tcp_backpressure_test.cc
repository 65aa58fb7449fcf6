// Backpressure from the node to a peer (issue 9, item 2): a connection stops
// reading when the node has not handled enough of what it delivered
// (TcpOptions::max_unhandled_bytes), holds and retries a message that met a
// full mailbox, and loses nothing either way; what it queues for a peer
// that does not read is bounded in bytes (TcpOptions::max_queued_bytes).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/tcp_test_util.h"

using namespace ockam_test;
using ockam::Result;
using ockam::Route;
using ockam::Routed;

namespace {

// Takes strings in order; the first handler waits for `open` (the node
// holds what arrives meanwhile), the `expected`-th opens `all_in`.
struct HeldCollector : ockam::Worker<std::string> {
  Gate* open;
  Gate* all_in;
  std::vector<std::string>* got;
  std::size_t expected;
  HeldCollector(Gate* o, Gate* a, std::vector<std::string>* g, std::size_t e)
      : open(o), all_in(a), got(g), expected(e) {}
  Result<void> handle_message(ockam::Context&, Routed<std::string> msg) override {
    if (got->empty() && !open->wait()) return ockam::Error(ockam::ErrorCode::Timeout, "the test never opened");
    got->push_back(msg.body());
    if (got->size() == expected) all_in->open();
    return {};
  }
};

std::vector<std::string> numbers(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(std::to_string(i));
  return out;
}

// The frames for numbers(n) to `to`, back to back, for one write.
std::vector<std::uint8_t> numbered_frames(const std::string& to, std::size_t n) {
  std::vector<std::uint8_t> bytes;
  for (const std::string& text : numbers(n)) {
    const auto one = string_frame(to, text);
    bytes.insert(bytes.end(), one.begin(), one.end());
  }
  return bytes;
}

}  // namespace

TEST_CASE("a peer that outruns its worker is paused at max_unhandled_bytes, and every message arrives once, in order") {
  ockam::TcpOptions options;
  options.max_unhandled_bytes = 16 * 1024;  // about 50 small messages
  ListeningNode server(options);
  Gate open, all_in;
  std::vector<std::string> got;  // the worker's; read after all_in
  constexpr std::size_t kMessages = 5000;
  REQUIRE_OK(server.node.start_worker("held", HeldCollector(&open, &all_in, &got, kMessages)));

  RawPeer peer(server.address);
  // 5000 small frames (about 60 KiB): the kernel takes them all at once.
  REQUIRE(peer.try_send(numbered_frames("held", kMessages)));
  REQUIRE(eventually([&] { return server.tcp.stats().reads_paused >= 1; }));
  // Paused: the node took what fits in the credit (each message charges
  // its envelope, its routes and its body: some 140 to 200 bytes), plus the
  // one in the handler, not the 5000 waiting in the socket and the read
  // buffer.
  const std::uint64_t taken = server.tcp.stats().messages_received;
  MESSAGE("messages taken before the pause: ", taken);
  CHECK(taken >= 16 * 1024 / 200);
  CHECK(taken <= 16 * 1024 / 120 + 2);

  open.open();
  REQUIRE(all_in.wait());
  CHECK(got == numbers(kMessages));
  const ockam::TcpStats stats = server.tcp.stats();
  CHECK(stats.messages_received == kMessages);
  CHECK(stats.messages_dropped == 0);
  CHECK(server.node.stats().dropped == 0);
}

TEST_CASE("a received message that meets a full mailbox is held and retried, not dropped, and order is kept") {
  ListeningNode server;
  Gate open, all_in;
  std::vector<std::string> got;
  constexpr std::size_t kMessages = 200;
  ockam::WorkerOptions small;
  small.mailbox_capacity = 4;
  REQUIRE_OK(server.node.start_worker("held", HeldCollector(&open, &all_in, &got, kMessages), small));

  RawPeer peer(server.address);
  REQUIRE(peer.try_send(numbered_frames("held", kMessages)));
  REQUIRE(eventually([&] { return server.tcp.stats().deliveries_stalled >= 1; }));
  // The one in the handler, a full mailbox of 4, and the one held.
  CHECK(server.tcp.stats().messages_received <= 6);

  open.open();
  REQUIRE(all_in.wait());
  CHECK(got == numbers(kMessages));
  CHECK(server.tcp.stats().messages_dropped == 0);
  CHECK(server.node.stats().dropped == 0);
}

TEST_CASE("a connection paused by the node outlasts idle_timeout and frame_timeout, and carries on afterwards") {
  ockam::TcpOptions options;
  options.idle_timeout = std::chrono::milliseconds(300);
  options.frame_timeout = std::chrono::milliseconds(300);
  options.heartbeat_interval = std::chrono::milliseconds::max();
  options.max_unhandled_bytes = 1;  // one message at a time
  ListeningNode server(options);
  Gate open, all_in;
  std::vector<std::string> got;
  REQUIRE_OK(server.node.start_worker("held", HeldCollector(&open, &all_in, &got, 3)));

  RawPeer peer(server.address);
  // Two whole frames and the first half of a third.
  auto bytes = numbered_frames("held", 3);
  const auto third = string_frame("held", "2");
  const std::vector<std::uint8_t> head(bytes.begin(), bytes.end() - static_cast<std::ptrdiff_t>(third.size() / 2));
  const std::vector<std::uint8_t> tail(bytes.end() - static_cast<std::ptrdiff_t>(third.size() / 2), bytes.end());
  REQUIRE(peer.try_send(head));
  REQUIRE(eventually([&] { return server.tcp.stats().reads_paused >= 1; }));
  // Three idle timeouts while the worker holds the first message: the pause
  // is the node's, so the connection stays.
  CHECK_FALSE(peer.closed_by_node(std::chrono::milliseconds(900)));
  CHECK(server.tcp.stats().timed_out == 0);

  open.open();
  REQUIRE(peer.try_send(tail));
  REQUIRE(all_in.wait());
  CHECK(got == numbers(3));
  CHECK(server.tcp.stats().connections_closed == 0);
  // Once it reads again, the idle timeout applies as ever.
  CHECK(peer.closed_by_node());
  CHECK(server.tcp.stats().timed_out == 1);
}

TEST_CASE("a second peer is served while a first floods a worker and never reads") {
  ockam::TcpOptions options;
  options.max_unhandled_bytes = 64 * 1024;
  ListeningNode server(options);
  REQUIRE_OK(server.node.start_worker("echoer", Echoer{}));

  // The flooder: messages to the echoer until told to stop; it never reads
  // the replies, so they pile up to the connection's bounds and then fail.
  RawPeer flooder(server.address);
  // relaxed, both: flags between two threads that order nothing else (the
  // join orders the rest).
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> batches{0};
  std::thread flood([&] {
    const auto one = string_frame("echoer", "flood");
    std::vector<std::uint8_t> batch;
    for (int i = 0; i < 1000; ++i) batch.insert(batch.end(), one.begin(), one.end());
    while (!stop.load(std::memory_order_relaxed)) {
      if (!flooder.try_send(batch)) return;  // the node closed it: the checks below say so
      batches.fetch_add(1, std::memory_order_relaxed);
    }
  });
  REQUIRE(eventually([&] { return batches.load(std::memory_order_relaxed) >= 10; }));
  const std::uint64_t before = batches.load(std::memory_order_relaxed);

  ockam::Node client;
  auto client_tcp = ockam::TcpTransport::create(client).value();
  auto connection = client_tcp.connect(server.address.name());
  REQUIRE_MESSAGE(connection, describe(connection));
  for (int i = 0; i < 20; ++i) {
    CHECK(echoed(client, Route{connection.value(), "echoer"}, "ping " + std::to_string(i)) ==
          "ping " + std::to_string(i));
  }
  // The flood went on all along (it ends only when told).
  CHECK(batches.load(std::memory_order_relaxed) > before);
  stop.store(true, std::memory_order_relaxed);
  flood.join();
  CHECK(server.tcp.stats().malformed == 0);
  CHECK(server.tcp.stats().connections_closed == 0);
}

TEST_CASE("big bodies to a peer that does not read meet QueueFull at max_queued_bytes, long before max_queued_messages") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  ockam::Node node;
  ockam::TcpOptions options;
  options.max_queued_bytes = 1024 * 1024;
  auto tcp = ockam::TcpTransport::create(node, options).value();
  auto connection = tcp.connect("127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())).value();
  asio::ip::tcp::socket slow(io);
  acceptor.accept(slow);

  const std::string big(60000, 'x');
  std::uint64_t accepted = 0;
  ockam::Result<void> last;
  for (int i = 0; i < 20000 && last; ++i) {
    last = node.send(Route{connection, "anyone"}, big);
    if (last) ++accepted;
  }
  REQUIRE(code_of(last) == "QueueFull");
  CHECK(contains(last.error().message(), "bytes or more waiting for its socket"));
  CHECK(accepted < options.max_queued_messages);
}
