// Two nodes on loopback exchange messages over one TCP connection, both
// ways at once, from four sending threads: every message arrives exactly
// once and in its sender's order, whatever backpressure the senders meet.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/tcp_test_util.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

namespace {

using namespace ockam_test;
using ockam::Route;

constexpr std::uint64_t kSenders = 4;

// Body: sender in the high 32 bits, sequence number in the low 32.
std::uint64_t body_of(std::uint64_t sender, std::uint64_t seq) { return sender << 32 | seq; }

// Checks order per sender; exactly-once follows from order plus the count.
// Its fields are read by the test after `done` opens (a mutex orders them).
struct Sink : ockam::Worker<std::uint64_t> {
  struct State {
    std::vector<std::uint64_t> next = std::vector<std::uint64_t>(kSenders, 0);
    std::uint64_t total = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t expected = 0;
    Gate done;
  };
  State* state;
  explicit Sink(State* s) : state(s) {}
  ockam::Result<void> handle_message(ockam::Context&, ockam::Routed<std::uint64_t> msg) override {
    const std::uint64_t sender = msg.body() >> 32;
    const std::uint64_t seq = msg.body() & 0xffffffffu;
    if (sender >= kSenders || seq != state->next[sender]) {
      ++state->out_of_order;
    } else {
      ++state->next[sender];
    }
    if (++state->total == state->expected) state->done.open();
    return {};
  }
};

// Remembers the return route of the first message: how the far node is reached.
struct Hello : ockam::Worker<std::string> {
  Route* route;
  Gate* seen;
  Hello(Route* r, Gate* s) : route(r), seen(s) {}
  ockam::Result<void> handle_message(ockam::Context&, ockam::Routed<std::string> msg) override {
    *route = msg.return_route();
    seen->open();
    return {};
  }
};

// Sends `count` bodies on `route`, retrying while the connection pushes back.
struct SendResult {
  std::uint64_t queue_full = 0;
  std::string error;
};
void send_all(ockam::Node& node, const Route& route, std::uint64_t sender, std::uint64_t count, SendResult& out) {
  for (std::uint64_t seq = 0; seq < count; ++seq) {
    for (;;) {
      ockam::Result<void> sent = node.send(route, body_of(sender, seq));
      if (sent) break;
      if (sent.error().code() != ockam::ErrorCode::QueueFull) {
        out.error = describe(sent);
        return;
      }
      ++out.queue_full;
      std::this_thread::yield();
    }
  }
}

TEST_CASE("two nodes on loopback exchange 200,000 messages from 4 senders exactly once and in each sender's order") {
  // Full size under the sanitizers too (about 15 s under TSan): the count
  // is what the transport promises to carry.
  const std::uint64_t per_sender = 50000;
  ListeningNode server;
  ockam::Node client;
  auto client_tcp = ockam::TcpTransport::create(client).value();
  // The server's senders reach the client's sink over the client's connection.
  auto connection = client_tcp.connect(server.address.name(), ockam::TcpConnectOptions{.expose = {"sink"}}).value();

  Sink::State at_server, at_client;
  at_server.expected = at_client.expected = 2 * per_sender;
  REQUIRE(server.node.start_worker("sink", Sink(&at_server)));
  REQUIRE(client.start_worker("sink", Sink(&at_client)));

  // The server learns its way back to the client from a first message.
  Route back;
  Gate seen;
  REQUIRE(server.node.start_worker("hello", Hello(&back, &seen)));
  REQUIRE(client.send(Route{connection, "hello"}, std::string("hi")));
  REQUIRE(seen.wait());
  const Route to_client{back.next(), "sink"};
  const Route to_server{connection, "sink"};

  std::vector<SendResult> results(kSenders);
  std::vector<std::thread> senders;
  senders.emplace_back([&] { send_all(client, to_server, 0, per_sender, results[0]); });
  senders.emplace_back([&] { send_all(client, to_server, 1, per_sender, results[1]); });
  senders.emplace_back([&] { send_all(server.node, to_client, 2, per_sender, results[2]); });
  senders.emplace_back([&] { send_all(server.node, to_client, 3, per_sender, results[3]); });
  for (auto& t : senders) t.join();
  for (const SendResult& r : results) CHECK(r.error == "");

  REQUIRE(at_server.done.wait(kStressWait));
  REQUIRE(at_client.done.wait(kStressWait));
  CHECK(at_server.out_of_order == 0);
  CHECK(at_client.out_of_order == 0);
  CHECK(at_server.next == std::vector<std::uint64_t>{per_sender, per_sender, 0, 0});
  CHECK(at_client.next == std::vector<std::uint64_t>{0, 0, per_sender, per_sender});

  const std::uint64_t one_way = 2 * per_sender;
  // A write is counted when its completion runs, which may come after the
  // far side has already handled what it carried.
  CHECK(eventually([&] { return client_tcp.stats().messages_sent == one_way + 1; }));  // and the hello
  CHECK(eventually([&] { return server.tcp.stats().messages_sent == one_way; }));
  CHECK(server.tcp.stats().messages_received == one_way + 1);
  CHECK(client_tcp.stats().messages_received == one_way);
  CHECK(client_tcp.stats().messages_dropped == 0);
  CHECK(server.tcp.stats().messages_dropped == 0);
  MESSAGE("QueueFull retries: " << results[0].queue_full + results[1].queue_full << " (client), "
                                << results[2].queue_full + results[3].queue_full << " (server)");
}

}  // namespace
