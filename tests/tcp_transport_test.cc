// The TCP transport between nodes on loopback: routing and replies, bodies
// over the wire, errors, and a peer that misbehaves at the byte level.
#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "codec/testing/point.h"
#include "runtime/ockam.h"
#include "tests/stress.h"
#include "tests/tcp_test_util.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

namespace {

using namespace ockam_test;
using ockam::Address;
using ockam::Route;

struct Doubler : ockam::Worker<Point> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<Point> msg) override {
    return ctx.send(msg.return_route(), Point{msg.body().x * 2, msg.body().y * 2, msg.body().label});
  }
};

// Counts the u64 bodies it gets and opens a gate at `expected`.
struct U64Counter : ockam::Worker<std::uint64_t> {
  std::atomic<std::uint64_t>* count;
  std::uint64_t expected;
  Gate* done;
  U64Counter(std::atomic<std::uint64_t>* c, std::uint64_t e, Gate* d) : count(c), expected(e), done(d) {}
  ockam::Result<void> handle_message(ockam::Context&, ockam::Routed<std::uint64_t>) override {
    // relaxed: the test reads it after the gate (a mutex) or after stop().
    if (count->fetch_add(1, std::memory_order_relaxed) + 1 == expected) done->open();
    return {};
  }
};

// A node connected to a ListeningNode that runs an echoer.
struct EchoPair : ConnectedPair {
  EchoPair() : ConnectedPair("echoer", Echoer{}) {}
  std::string echo(const std::string& text) {
    if (auto sent = client.send(Route{connection, "echoer"}, text); !sent) return describe(sent);
    auto reply = client.receive<std::string>(kWait);
    return reply ? reply.value().body() : describe(reply);
  }
};

TEST_CASE("a route through a TCP connection reaches a worker on another node, and the reply comes back on its return route") {
  LogCapture log;
  EchoPair pair;
  CHECK(pair.connection == pair.server.address);
  CHECK(pair.connection.to_string().rfind("1#127.0.0.1:", 0) == 0);

  REQUIRE(pair.client.send(Route{pair.connection, "echoer"}, std::string("Hello Ockam!")));
  auto reply = pair.client.receive<std::string>(kWait);
  REQUIRE_MESSAGE(reply, describe(reply));
  CHECK(reply.value().body() == "Hello Ockam!");
  // The echoer's address, behind the connection it came over.
  CHECK(str(reply.value().return_route()) == pair.connection.to_string() + " -> echoer");
  CHECK(eventually([&] { return pair.client_tcp.stats().messages_sent == 1; }));  // counted on write completion
  CHECK(pair.client_tcp.stats().messages_received == 1);
}

TEST_CASE("connecting twice to one address gives the one open connection") {
  EchoPair pair;
  auto again = pair.client_tcp.connect(pair.server.address.to_string());  // "1#host:port" is accepted too
  REQUIRE_MESSAGE(again, describe(again));
  CHECK(again.value() == pair.connection);
  CHECK(pair.client_tcp.stats().connections_opened == 1);
}

TEST_CASE("integers and a user type with a Codec cross the wire; a type without one is refused by send") {
  EchoPair pair;
  REQUIRE(pair.server.node.start_worker("doubler", Doubler{}));
  REQUIRE(pair.client.send(Route{pair.connection, "doubler"}, Point{3, -4, "p"}));
  auto reply = pair.client.receive<Point>(kWait);
  REQUIRE_MESSAGE(reply, describe(reply));
  CHECK(reply.value().body().x == 6);
  CHECK(reply.value().body().y == -8);
  CHECK(reply.value().body().label == "p");

  auto refused = pair.client.send(Route{pair.connection, "echoer"}, NoCopy(1));
  CHECK(code_of(refused) == "WrongMessageType");
  CHECK(contains(refused.error().message(), "Codec"));
  CHECK(pair.echo("still fine") == "still fine");
}

TEST_CASE("a remote body that does not decode as the worker's type is counted and logged, and the worker keeps running") {
  LogCapture log;
  EchoPair pair;
  std::atomic<std::uint64_t> count{0};
  Gate done;
  REQUIRE(pair.server.node.start_worker("counter", U64Counter(&count, 1, &done)));
  // A string body is a BARE string: 4 bytes for "abc", not the 8 of a u64.
  REQUIRE(pair.client.send(Route{pair.connection, "counter"}, std::string("abc")));
  CHECK(log.wait_for({"'counter' dropped a message", "does not decode as unsigned long"}));
  CHECK(eventually([&] { return pair.server.node.stats().wrong_type == 1; }));
  REQUIRE(pair.client.send(Route{pair.connection, "counter"}, std::uint64_t{42}));
  CHECK(done.wait());
  CHECK(count.load() == 1);
}

TEST_CASE("the app's receive<T> decodes a remote body as T, and drops one that does not decode so the next arrives") {
  LogCapture log(false);
  EchoPair pair;
  REQUIRE(pair.client.send(Route{pair.connection, "echoer"}, std::string("abc")));
  auto wrong = pair.client.receive<std::uint64_t>(kWait);
  CHECK(code_of(wrong) == "WrongMessageType");
  CHECK(contains(wrong.error().message(), "unsigned long"));
  REQUIRE(pair.client.send(Route{pair.connection, "echoer"}, std::string("def")));
  auto right = pair.client.receive<std::string>(kWait);
  REQUIRE_MESSAGE(right, describe(right));
  CHECK(right.value().body() == "def");
  CHECK(pair.client.stats().wrong_type == 1);
}

TEST_CASE("a peer's string that is not UTF-8 cannot block the app: receive reports it once, and the valid strings behind it arrive") {
  LogCapture log(false);
  ListeningNode server({}, {"app"});  // this test's peer may reach the app
  RawPeer peer(server.address);
  // A BARE string "\xff\xfe" (invalid UTF-8), then two valid ones.
  std::vector<std::uint8_t> bad{1, 1, 0, 3, 'a', 'p', 'p', 1, 0, 3, 'r', 'a', 'w', 3, 2, 0xff, 0xfe};
  peer.send(frame(bad));
  peer.send(string_frame("app", "after"));
  peer.send(string_frame("app", "and more"));
  auto first = server.node.receive<std::string>(kWait);
  CHECK(code_of(first) == "WrongMessageType");
  CHECK(contains(describe(first), "UTF-8"));
  auto second = server.node.receive<std::string>(kWait);
  REQUIRE_MESSAGE(second, describe(second));
  CHECK(second.value().body() == "after");
  auto third = server.node.receive<std::string>(kWait);
  REQUIRE_MESSAGE(third, describe(third));
  CHECK(third.value().body() == "and more");
  CHECK(server.node.stats().wrong_type == 1);
}

TEST_CASE("a message over Ockam's 65535-byte frame is not sent: logged and counted as dropped, and the connection stays") {
  LogCapture log;
  EchoPair pair;
  REQUIRE(pair.client.send(Route{pair.connection, "echoer"}, std::string(70000, 'x')));
  CHECK_MESSAGE(log.wait_for({"not sent to '" + pair.connection.to_string() + "'", "over the limit of 65535"}),
                log.dump());
  CHECK(pair.client_tcp.stats().messages_dropped == 1);
  CHECK(pair.echo("small") == "small");
}

TEST_CASE("connect to a port nobody listens on returns TransportError") {
  std::uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor closed(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = closed.local_endpoint().port();
  }  // the port is free again, and nobody listens on it
  ockam::Node node;
  auto tcp = ockam::TcpTransport::create(node).value();
  auto refused = tcp.connect("127.0.0.1:" + std::to_string(port));
  CHECK(code_of(refused) == "TransportError");
  CHECK(contains(refused.error().message(), "cannot connect"));
  CHECK(code_of(tcp.connect("no port here")) == "InvalidAddress");
}

TEST_CASE("listen on a port in use returns TransportError; a second transport on a node is refused") {
  ListeningNode server;
  ockam::Node other;
  auto tcp = ockam::TcpTransport::create(other).value();
  CHECK(code_of(tcp.listen(server.address.name())) == "TransportError");
  CHECK(code_of(ockam::TcpTransport::create(other)) == "AddressInUse");
}

TEST_CASE("a message for an unknown worker on the remote node is dropped there, logged, and the connection stays") {
  LogCapture log;
  EchoPair pair;
  REQUIRE(pair.client.send(Route{pair.connection, "nobody"}, std::string("lost")));
  CHECK(log.wait_for({"a received message was dropped", "'nobody'"}));
  CHECK(pair.echo("after") == "after");
  CHECK(pair.server.tcp.stats().messages_dropped == 1);
}

TEST_CASE("a peer's address with a newline, a forged log line and terminal escapes reaches stderr escaped, as one line") {
  const std::string forged = "nobody\n[ockam ERROR] forged\x1b[31m\r";
  const std::string text = capture_stderr([&] {
    ListeningNode server;
    RawPeer peer(server.address);
    peer.send(frame(message_to(forged, {})));
    CHECK(eventually([&] { return server.tcp.stats().messages_dropped == 1; }));
    peer.shutdown_send();
    CHECK(peer.closed_by_node());
  });
  CHECK_MESSAGE(contains(text, "a received message was dropped: AddressNotFound: no worker at address "
                               "'nobody\\n[ockam ERROR] forged\\x1b[31m\\r'"),
                "stderr was: " << text);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  for (std::size_t at = 0; at < text.size(); at = text.find('\n', at) + 1) {
    CHECK_MESSAGE(text.compare(at, 13, "[ockam WARN] ") == 0, "a line not written by the node: " << text.substr(at));
  }
}

// The log's clock stands still (FakeLogClock), so a whole flood falls in
// one window however slow the machine: exactly LogLimit::lines lines with
// `parts`, then, flushed, one summary from `file` that counts the rest.
namespace {
void check_one_window(LogCapture& log, std::size_t n, std::initializer_list<std::string_view> parts,
                      std::string_view file) {
  const std::size_t shown = ockam::LogLimit{}.lines;
  CHECK(log.matching(parts).size() == shown);
  ockam::flush_log();
  CHECK_MESSAGE(log.matching({"suppressed " + std::to_string(n - shown) + " similar line(s)", file}).size() == 1,
                log.dump());
  CHECK(log.count() == shown + 1);
}
}  // namespace

TEST_CASE("a flood of frames to an unknown worker writes 20 lines and one summary, and TcpStats counts every frame") {
  FakeLogClock clock;
  LogCapture log;
  ListeningNode server;
  const std::size_t n = stress_size(100000);
  RawPeer peer(server.address);
  send_copies(peer, frame(message_to("nobody", {})), n);
  REQUIRE(eventually([&] { return server.tcp.stats().messages_dropped == n; }, kStressWait));
  CHECK(server.tcp.stats().messages_received == n);
  check_one_window(log, n, {"a received message was dropped", "'nobody'"}, "tcp_connection.cc");
}

TEST_CASE("a flood of bodies that do not decode writes 20 lines and one summary, and NodeStats counts every one") {
  FakeLogClock clock;
  LogCapture log;
  ListeningNode server;
  std::atomic<std::uint64_t> count{0};
  Gate never;
  const std::size_t n = stress_size(100000);
  // Room for the whole flood: this is about the log, not the mailbox's bound.
  ockam::WorkerOptions room;
  room.mailbox_capacity = n;
  REQUIRE(server.node.start_worker("counter", U64Counter(&count, 0, &never), room));
  RawPeer peer(server.address);
  send_copies(peer, frame(message_to("counter", {2, 'h', 'i'})), n);  // a string, not the 8 bytes of a u64
  REQUIRE(eventually([&] { return server.node.stats().wrong_type == n; }, kStressWait));
  CHECK(count.load() == 0);
  check_one_window(log, n, {"'counter' dropped a message", "does not decode as unsigned long"}, "lifecycle.cc");
}

TEST_CASE("a route to a TCP address with no connection is dropped by the router, logged and counted") {
  LogCapture log;
  ockam::Node node;
  auto tcp = ockam::TcpTransport::create(node).value();
  REQUIRE(node.send(Route{"1#127.0.0.1:1", "echoer"}, std::string("x")));
  CHECK(log.wait_for({"no open TCP connection to '1#127.0.0.1:1'"}));
  CHECK(eventually([&] { return tcp.stats().messages_dropped == 1; }));
}

TEST_CASE("a peer that speaks Ockam byte by byte gets exact frames back, and heartbeats are ignored") {
  ListeningNode server;
  REQUIRE(server.node.start_worker("echoer", Echoer{}));
  RawPeer peer(server.address);
  // Ockam's heartbeat (version 1, empty routes, empty payload), then a
  // message: onward ["echoer"], return ["raw"], payload = BARE string "hi".
  std::vector<std::uint8_t> message{1, 1, 0, 6, 'e', 'c', 'h', 'o', 'e', 'r', 1, 0, 3, 'r', 'a', 'w', 3, 2, 'h', 'i'};
  auto bytes = frame({1, 0, 0, 0});
  auto second = frame(message);
  bytes.insert(bytes.end(), second.begin(), second.end());
  peer.send(bytes);
  // The echo: onward ["raw"] (the connection took itself off), return ["echoer"].
  const std::vector<std::uint8_t> expected{1, 1, 0, 3, 'r', 'a', 'w', 1, 0, 6, 'e', 'c', 'h', 'o', 'e', 'r', 3, 2, 'h', 'i'};
  CHECK(peer.read_frame() == expected);
  CHECK(server.tcp.stats().malformed == 0);
  CHECK(server.tcp.stats().heartbeats_received == 1);
}

TEST_CASE("a string a peer sends raw, without its length (as Elixir does), reaches a string worker, and the echo goes back in the proper form") {
  LogCapture log;
  ListeningNode server;
  REQUIRE(server.node.start_worker("echoer", Echoer{}));
  RawPeer peer(server.address);
  // onward ["echoer"], return ["raw"], payload = the bytes of "hi" alone.
  peer.send(frame({1, 1, 0, 6, 'e', 'c', 'h', 'o', 'e', 'r', 1, 0, 3, 'r', 'a', 'w', 2, 'h', 'i'}));
  // The echo's payload is the BARE string: 03 = its length, 02 = the string's.
  const std::vector<std::uint8_t> expected{1, 1, 0, 3, 'r', 'a', 'w', 1, 0, 6, 'e', 'c', 'h', 'o', 'e', 'r', 3, 2, 'h', 'i'};
  // Echoed or dropped, so that a dropped body fails here instead of hanging read_frame.
  REQUIRE(eventually([&] { return server.tcp.stats().messages_sent == 1 || server.node.stats().wrong_type == 1; }));
  REQUIRE_MESSAGE(server.node.stats().wrong_type == 0, log.dump());
  CHECK(peer.read_frame() == expected);
}

// Each malformed input closes that one connection with its cause logged;
// the node and its other connections keep working.
TEST_CASE("malformed input from a peer closes that connection only, with the cause logged") {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
    const char* logged;
  };
  std::vector<std::uint8_t> long_route{1, 65};  // 65 addresses: over the limit of 64
  for (int i = 0; i < 65; ++i) long_route.insert(long_route.end(), {0, 1, 'a'});
  long_route.insert(long_route.end(), {0, 0});
  const std::vector<Case> cases = {
      {"version 2", frame({2, 0, 0, 0}), "unsupported version 2"},
      {"garbage", frame({1, 5, 0xff, 0xff, 0xff}), "MalformedMessage"},
      {"an unknown transport type", frame({1, 1, 7, 1, 'x', 0, 0}), "unknown transport type 7"},
      {"an empty onward route with a payload", frame({1, 0, 0, 1, 'a'}), "empty onward route"},
      {"trailing bytes", frame({1, 0, 0, 0, 0xff}), "trailing byte"},
      {"a route over the limit", frame(long_route), "exceed the limit of 64"},
      {"an empty address name", frame({1, 1, 0, 0, 0, 0}), "empty address"},
      {"a truncated frame", {0, 16, 1, 1, 0}, "in the middle of a frame (5 byte(s) of it arrived)"},
  };
  EchoPair pair;
  LogCapture log;
  std::uint64_t malformed = 0;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    RawPeer peer(pair.server.address);
    // An inbound connection is logged with its peer's endpoint.
    const std::string peer_address = "(from 127.0.0.1:" + std::to_string(peer.local_port()) + ")";
    peer.send(c.bytes);
    if (std::string(c.name) == "a truncated frame") peer.shutdown_send();
    CHECK_MESSAGE(log.wait_for({"TCP connection", peer_address, "closed", c.logged}), log.dump());
    CHECK(peer.closed_by_node());
    CHECK(pair.server.tcp.stats().malformed == ++malformed);
    CHECK(pair.echo(c.name) == c.name);  // the other connection is unharmed
  }
  CHECK(pair.server.tcp.stats().messages_received == cases.size());  // the echoes only
}

TEST_CASE("a peer killed mid-stream closes its connection; what arrived was delivered, and other peers go on") {
  LogCapture log;
  EchoPair pair;
  RawPeer peer(pair.server.address);
  std::atomic<std::uint64_t> count{0};
  Gate done;
  REQUIRE(pair.server.node.start_worker("counter", U64Counter(&count, 3, &done)));
  // Three whole u64 messages to "counter", then half of a fourth, then a reset.
  std::vector<std::uint8_t> message{1, 1, 0, 7, 'c', 'o', 'u', 'n', 't', 'e', 'r', 1, 0, 3, 'r', 'a', 'w', 8};
  for (int i = 0; i < 8; ++i) message.push_back(static_cast<std::uint8_t>(i));
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 4; ++i) {
    auto f = frame(message);
    bytes.insert(bytes.end(), f.begin(), f.end());
  }
  bytes.resize(bytes.size() - message.size() / 2);
  peer.send(bytes);
  REQUIRE(done.wait());
  peer.abort();
  CHECK(log.wait_for({"TCP connection", "closed"}));
  CHECK(pair.echo("still here") == "still here");
  CHECK(count.load() == 3);
}

TEST_CASE("the client sees the connection close when the server node stops, and its sends are then dropped with a log") {
  LogCapture log;
  EchoPair pair;
  CHECK(pair.echo("before") == "before");
  REQUIRE(pair.server.node.stop());
  CHECK(pair.server.tcp.stats().connections_closed == pair.server.tcp.stats().connections_opened);
  CHECK(log.wait_for({"TCP connection '" + pair.connection.to_string() + "' closed", "the peer closed the connection"}));
  // The connection worker is gone: the router takes the message and drops it.
  REQUIRE(pair.client.send(Route{pair.connection, "echoer"}, std::string("late")));
  CHECK(log.wait_for({"no open TCP connection to '" + pair.connection.to_string() + "'"}));
}

TEST_CASE("disconnect closes a connection; a second disconnect finds none") {
  LogCapture log;
  EchoPair pair;
  CHECK(pair.echo("x") == "x");
  REQUIRE(pair.client_tcp.disconnect(pair.connection));
  CHECK(log.wait_for({"closed: disconnect() was called"}));
  CHECK(eventually([&] { return pair.client_tcp.stats().connections_closed == 1; }));
  CHECK(code_of(pair.client_tcp.disconnect(pair.connection)) == "AddressNotFound");
  // A new connect opens a fresh connection to the same address.
  auto again = pair.client_tcp.connect(pair.server.address.name());
  REQUIRE_MESSAGE(again, describe(again));
  CHECK(pair.echo("y") == "y");
}

TEST_CASE("a peer that does not read pushes back: send returns QueueFull at the bound, and accepts again once it drains") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  ockam::Node node;
  ockam::TcpOptions options;
  // Above what the kernel's socket buffers hold (a few MiB on loopback), so
  // the queue fills behind a write the kernel has blocked.
  options.max_queued_messages = 400;
  options.max_queued_bytes = 256 * 1024 * 1024;  // the count is the bound under test
  auto tcp = ockam::TcpTransport::create(node, options).value();
  auto connection = tcp.connect("127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())).value();
  asio::ip::tcp::socket slow(io);
  acceptor.accept(slow);

  const std::string big(60000, 'x');
  std::uint64_t accepted = 0;
  ockam::Result<void> last;
  for (int i = 0; i < 100000 && last; ++i) {
    last = node.send(Route{connection, "anyone"}, big);
    if (last) ++accepted;
  }
  REQUIRE(code_of(last) == "QueueFull");
  CHECK(contains(last.error().message(), "retry later"));
  // Memory stays bounded: what was accepted is the kernel's buffers plus the bound.
  CHECK(accepted >= 400);
  CHECK(accepted < 400 + 1000);

  // Drain every accepted frame; then the queue has room again.
  std::vector<std::uint8_t> body;
  for (std::uint64_t i = 0; i < accepted; ++i) {
    std::array<std::uint8_t, 2> header{};
    asio::read(slow, asio::buffer(header));
    body.resize((std::size_t{header[0]} << 8) | header[1]);
    asio::read(slow, asio::buffer(body));
  }
  CHECK(eventually([&] { return tcp.stats().messages_sent == accepted; }));
  // What queued behind the blocked write left in batches, not one by one
  // (with the bound above the kernel's buffers, some did queue behind it).
  CHECK(tcp.stats().writes < tcp.stats().messages_sent);
  CHECK(node.send(Route{connection, "anyone"}, big));
}

}  // namespace
