// The TCP transport's limits and connection identity (issue 9, items 3 and
// 4): frame and idle timeouts, heartbeats, the cap on inbound connections,
// the accept loop's back-off, connect()'s timeout, and addresses a peer
// cannot choose. Every timeout here is configured small, and its effect is
// waited for with a bounded wait.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/ockam.h"
#include "tests/tcp_test_util.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

namespace {

using namespace ockam_test;
using namespace std::chrono_literals;
using ockam::Address;
using ockam::Route;
using Clock = std::chrono::steady_clock;

// Options with every limit far away but the ones a test sets.
ockam::TcpOptions relaxed() {
  ockam::TcpOptions o;
  o.frame_timeout = 60s;
  o.idle_timeout = 600s;
  o.heartbeat_interval = 300s;
  return o;
}

// A ListeningNode with an Echoer at "echoer".
struct EchoServer : ListeningNode {
  explicit EchoServer(ockam::TcpOptions options) : ListeningNode(options) {
    REQUIRE(node.start_worker("echoer", Echoer{}));
  }
};

// The return routes a Recorder saw.
struct SeenRoutes {
  std::mutex mu;
  std::vector<Route> routes;  // guarded by mu
  std::vector<Route> get() {
    std::lock_guard<std::mutex> lock(mu);
    return routes;
  }
};

// Remembers the return route of every string it gets, and echoes it.
struct Recorder : ockam::Worker<std::string> {
  SeenRoutes* seen;
  explicit Recorder(SeenRoutes* s) : seen(s) {}
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    {
      std::lock_guard<std::mutex> lock(seen->mu);
      seen->routes.push_back(msg.return_route());
    }
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

// The echo of string_frame("echoer", text) as the node writes it back.
std::vector<std::uint8_t> echo_body(const std::string& text) {
  std::vector<std::uint8_t> m{1, 1, 0, 3, 'r', 'a', 'w', 1, 0, 6, 'e', 'c', 'h', 'o', 'e', 'r',
                              static_cast<std::uint8_t>(text.size() + 1), static_cast<std::uint8_t>(text.size())};
  m.insert(m.end(), text.begin(), text.end());
  return m;
}

// What is left of `deadline` (at least 0): several waits sharing one bound,
// so a test that fails fails within kWait, not within kWait per wait.
std::chrono::milliseconds left_until(Clock::time_point deadline) {
  return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()), 0ms);
}

std::size_t count_lines(LogCapture& log, std::initializer_list<std::string_view> parts) {
  return log.matching(parts).size();
}

// A raw socket bound to 127.0.0.1 with SO_REUSEADDR and SO_REUSEPORT (port 0:
// any), so that another socket may bind its port too.
int reusable_socket(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  const int one = 1;
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  return ntohs(a.sin_port);
}

void send_all(int fd, const std::vector<std::uint8_t>& bytes) {
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
}

bool contains_bytes(const std::vector<std::uint8_t>& body, const std::string& text) {
  return std::string(body.begin(), body.end()).find(text) != std::string::npos;
}

// ---- frame timeout ----------------------------------------------------------

TEST_CASE("a frame that does not complete within frame_timeout closes its connection, not before, counted as timed_out") {
  LogCapture log;
  auto options = relaxed();
  options.frame_timeout = 300ms;
  ListeningNode server(options);
  RawPeer peer(server.address);
  peer.send({0, 10, 1, 1});  // a header for 10 bytes, and 2 of them
  const auto sent = Clock::now();
  REQUIRE(peer.closed_by_node());
  // The node's clock started when it read the first byte, after the send.
  CHECK(Clock::now() - sent >= 300ms);
  CHECK_MESSAGE(log.wait_for({"closed: a frame did not complete within 300 ms", "4 byte(s) of it arrived"}),
                log.dump());
  CHECK(eventually([&] { return server.tcp.stats().timed_out == 1; }));
  CHECK(server.tcp.stats().malformed == 0);
}

TEST_CASE("many half-frame connections are all closed by frame_timeout, and the node still serves") {
  LogCapture log(false);
  auto options = relaxed();
  options.frame_timeout = 300ms;
  EchoServer server(options);
  constexpr int kPeers = 100;
  std::vector<std::unique_ptr<RawPeer>> peers;
  for (int i = 0; i < kPeers; ++i) {
    peers.push_back(std::make_unique<RawPeer>(server.address));
    peers.back()->send({0, 200});  // a header, and no body
  }
  const auto deadline = Clock::now() + kWait;
  for (auto& peer : peers) CHECK(peer->closed_by_node(left_until(deadline)));
  CHECK(eventually([&] { return server.tcp.stats().timed_out == kPeers; }));
  RawPeer client(server.address);
  client.send(string_frame("echoer", "still serving"));
  CHECK(client.read_frame() == echo_body("still serving"));
}

TEST_CASE("frames that each complete within frame_timeout keep a connection open for longer than it") {
  auto options = relaxed();
  options.frame_timeout = 250ms;
  EchoServer server(options);
  RawPeer peer(server.address);
  // Six frames, each sent in two halves 100 ms apart: 600 ms in all, more
  // than the timeout, but no frame takes longer than 100 ms. (The sleeps
  // pace the peer; nothing waits on them for an effect.)
  const auto whole = string_frame("echoer", "slow but steady");
  const std::vector<std::uint8_t> first(whole.begin(), whole.begin() + 7);
  const std::vector<std::uint8_t> second(whole.begin() + 7, whole.end());
  for (int i = 0; i < 6; ++i) {
    peer.send(first);
    std::this_thread::sleep_for(100ms);
    peer.send(second);
    REQUIRE(peer.read_frame() == echo_body("slow but steady"));
  }
  CHECK(server.tcp.stats().timed_out == 0);
  CHECK(server.tcp.stats().connections_closed == 0);
}

// ---- idle timeout and heartbeats --------------------------------------------

TEST_CASE("a peer that sends nothing is closed after idle_timeout, though the node sends it heartbeats meanwhile") {
  LogCapture log;
  auto options = relaxed();
  options.idle_timeout = 600ms;
  options.heartbeat_interval = 150ms;
  ListeningNode server(options);
  const auto opened = Clock::now();
  RawPeer peer(server.address);
  // Ockam's heartbeat, byte for byte: version 1, empty routes, empty payload.
  CHECK(peer.read_frame() == std::vector<std::uint8_t>{1, 0, 0, 0});
  REQUIRE(peer.closed_by_node());
  CHECK(Clock::now() - opened >= 600ms);
  CHECK_MESSAGE(log.wait_for({"closed: no bytes either way for 600 ms"}), log.dump());
  CHECK(eventually([&] { return server.tcp.stats().timed_out == 1; }));
  CHECK(server.tcp.stats().heartbeats_sent >= 2);
}

TEST_CASE("two idle nodes keep their link open past idle_timeout with heartbeats, and it still carries messages") {
  auto options = relaxed();
  options.idle_timeout = 500ms;
  options.heartbeat_interval = 100ms;
  EchoServer server(options);
  ockam::Node client;
  auto client_tcp = ockam::TcpTransport::create(client, options).value();
  const Address connection = client_tcp.connect(server.address.name()).value();
  // Each side hears at least ten heartbeats: a second, twice the idle timeout.
  CHECK(eventually([&] {
    return server.tcp.stats().heartbeats_received >= 10 && client_tcp.stats().heartbeats_received >= 10;
  }));
  CHECK(server.tcp.stats().connections_closed == 0);
  CHECK(client_tcp.stats().connections_closed == 0);
  CHECK(echoed(client, Route{connection, "echoer"}, "alive") == "alive");
}

// ---- the cap on inbound connections -----------------------------------------

TEST_CASE("at max_inbound_connections a newcomer replaces the oldest peer that sent no whole frame, so a silent swarm cannot lock a client out") {
  LogCapture log;
  auto options = relaxed();
  options.max_inbound_connections = 4;
  EchoServer server(options);
  std::vector<std::unique_ptr<RawPeer>> swarm;
  for (int i = 0; i < 10; ++i) swarm.push_back(std::make_unique<RawPeer>(server.address));
  CHECK(eventually([&] { return server.tcp.stats().evicted == 6; }));
  // A normal client: served at once, in a fifth slot taken from the swarm.
  RawPeer client(server.address);
  client.send(string_frame("echoer", "served"));
  CHECK(client.read_frame() == echo_body("served"));
  const auto stats = server.tcp.stats();
  CHECK(stats.evicted == 7);
  CHECK(stats.refused == 0);
  // The oldest seven went, in order; the three youngest are still open.
  const auto deadline = Clock::now() + kWait;
  for (int i = 0; i < 7; ++i) CHECK_MESSAGE(swarm[i]->closed_by_node(left_until(deadline)), "peer " << i);
  for (int i = 7; i < 10; ++i) CHECK_MESSAGE(!swarm[i]->anything_arrived(), "peer " << i);
  // Seven evictions, one line (the rest are counted into the next one).
  CHECK_MESSAGE(count_lines(log, {"TCP listener", "the oldest that had sent no whole frame"}) == 1, log.dump());
}

TEST_CASE("at max_inbound_connections with every peer active, a newcomer is refused at once, counted, and logged once") {
  LogCapture log;
  auto options = relaxed();
  options.max_inbound_connections = 2;
  EchoServer server(options);
  RawPeer a(server.address), b(server.address);
  a.send(heartbeat_frame());
  b.send(heartbeat_frame());
  REQUIRE(eventually([&] { return server.tcp.stats().heartbeats_received == 2; }));
  const auto deadline = Clock::now() + kWait;
  for (int i = 0; i < 5; ++i) {
    RawPeer late(server.address);
    CHECK(late.closed_by_node(left_until(deadline)));
  }
  CHECK(server.tcp.stats().refused == 5);
  CHECK(server.tcp.stats().evicted == 0);
  CHECK_MESSAGE(count_lines(log, {"refused a connection from 127.0.0.1:", "max_inbound_connections"}) == 1,
                log.dump());
  a.send(string_frame("echoer", "still mine"));
  CHECK(a.read_frame() == echo_body("still mine"));
}

TEST_CASE("at max_inbound_connections with every peer heard from, a newcomer replaces the one not heard from for longest once that is over two heartbeat intervals") {
  LogCapture log;
  auto options = relaxed();
  options.max_inbound_connections = 2;
  options.heartbeat_interval = 100ms;  // so a peer unheard for 200 ms may go
  EchoServer server(options);
  RawPeer a(server.address), b(server.address);
  a.send(heartbeat_frame());
  REQUIRE(eventually([&] { return server.tcp.stats().heartbeats_received == 1; }));
  b.send(heartbeat_frame());  // heard after a
  REQUIRE(eventually([&] { return server.tcp.stats().heartbeats_received == 2; }));
  // Newcomers are refused until a has been quiet for 200 ms; then one takes
  // its place. One newcomer per try, for a bounded time.
  std::unique_ptr<RawPeer> served;
  CHECK(eventually([&] {
    auto late = std::make_unique<RawPeer>(server.address);
    // Refused: the node closed it, before the write or after.
    if (!late->try_send(string_frame("echoer", "my turn")) || late->read_frame() != echo_body("my turn")) {
      return false;
    }
    served = std::move(late);
    return true;
  }));
  CHECK(server.tcp.stats().evicted == 1);
  CHECK(a.closed_by_node());
  // b is still connected (the node has written it heartbeats meanwhile).
  b.send(string_frame("echoer", "b stays"));
  std::vector<std::uint8_t> reply;
  do reply = b.read_frame();
  while (reply == std::vector<std::uint8_t>{1, 0, 0, 0});
  CHECK(reply == echo_body("b stays"));
  CHECK_MESSAGE(count_lines(log, {"TCP listener", "the one not heard from for longest"}) == 1, log.dump());
}

TEST_CASE("the default max_inbound_connections is three quarters of the descriptor limit, at most 4096") {
  ockam::Node node;
  auto tcp = ockam::TcpTransport::create(node).value();
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  const std::size_t cap = tcp.options().max_inbound_connections;
  CHECK(cap <= 4096);
  if (limit.rlim_cur != RLIM_INFINITY) {
    CHECK(cap < limit.rlim_cur);
    CHECK(cap == std::min<std::size_t>(4096, limit.rlim_cur / 4 * 3));
  }
}

// ---- the accept loop's back-off ---------------------------------------------

// Lowers the soft descriptor limit and fills every free descriptor but
// `spare`; undoes both when destroyed.
class DescriptorsFull {
 public:
  explicit DescriptorsFull(int spare) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    rlimit lower = saved_;
    lower.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 1024);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lower) == 0);
    for (;;) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      fds_.push_back(fd);
    }
    REQUIRE(fds_.size() > static_cast<std::size_t>(spare));
    release(spare);
  }
  ~DescriptorsFull() {
    release(fds_.size());
    (void)::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  void release(std::size_t n) {
    for (; n > 0 && !fds_.empty(); --n) {
      ::close(fds_.back());
      fds_.pop_back();
    }
  }

 private:
  rlimit saved_{};
  std::vector<int> fds_;
};

TEST_CASE("accepts that fail for want of descriptors back off without spinning, log one line, and resume once some are free") {
  LogCapture log;
  auto options = relaxed();
  options.max_inbound_connections = 100000;  // above the descriptor limit: only the kernel says no
  EchoServer server(options);
  int client = -1;
  {
    DescriptorsFull full(1);  // one left: for the client's socket, none for the node's accept
    client = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(client >= 0);
    const sockaddr_in to = loopback(port_of(server.address));
    REQUIRE(::connect(client, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0);  // the kernel's backlog takes it
    // Back-offs of 100, 200 and 400 ms: a fourth failure after about 0.7 s.
    REQUIRE(eventually([&] { return server.tcp.stats().accept_errors >= 4; }));
    // A spinning loop would have failed thousands of times by now.
    CHECK(server.tcp.stats().accept_errors <= 6);
    CHECK(server.tcp.stats().connections_opened == 0);
  }  // descriptors free again
  send_all(client, string_frame("echoer", "let in"));
  CHECK(read_frame_from(client) == echo_body("let in"));
  ::close(client);
  CHECK_MESSAGE(count_lines(log, {"accept failed: Too many open files"}) == 1, log.dump());
  CHECK_MESSAGE(log.wait_for({"accepting again after", "failed accept(s)"}), log.dump());
}

// ---- connect() --------------------------------------------------------------

TEST_CASE("connect() to a listener whose backlog is full gives up after connect_timeout with Timeout") {
  // A listener that never accepts, with room for one connection in its
  // backlog; the kernel drops further SYNs while that one waits.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in at = loopback(0);
  REQUIRE(::bind(listener, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0);
  REQUIRE(::listen(listener, 0) == 0);
  const std::uint16_t port = bound_port(listener);
  const int filler = ::socket(AF_INET, SOCK_STREAM, 0);
  at = loopback(port);
  REQUIRE(::connect(filler, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0);

  ockam::Node node;
  auto options = relaxed();
  options.connect_timeout = 300ms;
  auto tcp = ockam::TcpTransport::create(node, options).value();
  const auto start = Clock::now();
  auto connected = tcp.connect("127.0.0.1:" + std::to_string(port));
  const auto took = Clock::now() - start;
  CHECK(code_of(connected) == "Timeout");
  CHECK(contains(describe(connected), "no answer within 300 ms (TcpOptions::connect_timeout)"));
  CHECK(took >= 300ms);
  CHECK(took < kWait);
  CHECK(tcp.stats().connections_opened == 0);
  ::close(filler);
  ::close(listener);
}

TEST_CASE("a timeout too large for the clock means never: connect() and the link work as usual") {
  auto options = relaxed();
  options.connect_timeout = std::chrono::milliseconds::max();
  options.frame_timeout = std::chrono::milliseconds::max();
  options.idle_timeout = std::chrono::milliseconds::max();
  options.heartbeat_interval = std::chrono::milliseconds::max();
  EchoServer server(options);
  ockam::Node client;
  auto tcp = ockam::TcpTransport::create(client, options).value();
  auto connection = tcp.connect(server.address.name());
  REQUIRE_MESSAGE(connection, describe(connection));
  CHECK(echoed(client, Route{connection.value(), "echoer"}, "forever") == "forever");
}

TEST_CASE("create() refuses options that cannot work, naming the option") {
  ockam::Node node;
  auto zero_frame = relaxed();
  zero_frame.frame_timeout = 0ms;
  auto refused = ockam::TcpTransport::create(node, zero_frame);
  CHECK(code_of(refused) == "TransportError");
  CHECK(contains(describe(refused), "frame_timeout is 0 ms"));
  auto negative_idle = relaxed();
  negative_idle.idle_timeout = -1ms;
  CHECK(contains(describe(ockam::TcpTransport::create(node, negative_idle)), "idle_timeout is -1 ms"));
  auto no_queue = relaxed();
  no_queue.max_queued_messages = 0;
  CHECK(contains(describe(ockam::TcpTransport::create(node, no_queue)), "max_queued_messages is 0"));
  CHECK(ockam::TcpTransport::create(node, relaxed()));  // and nothing was left registered
}

// ---- connection identity ----------------------------------------------------

TEST_CASE("an inbound connection gets an address the node drew, not its peer's endpoint, and replies route back over it") {
  ListeningNode server;
  SeenRoutes seen;
  REQUIRE(server.node.start_worker("echoer", Recorder(&seen)));
  RawPeer first(server.address), second(server.address);
  first.send(string_frame("echoer", "one"));
  CHECK(first.read_frame() == echo_body("one"));
  second.send(string_frame("echoer", "two"));
  CHECK(second.read_frame() == echo_body("two"));
  const std::vector<Route> routes = seen.get();  // both recorded before their echoes left
  REQUIRE(routes.size() == 2);
  const Address a = routes[0].next();
  const Address b = routes[1].next();
  CHECK(a.type() == ockam::TCP);
  CHECK(a.name().substr(0, 3) == "in-");
  CHECK(a.name().size() == 19);  // "in-" and 16 hex digits
  CHECK(a.name().find(':') == std::string_view::npos);  // no connect("host:port") names it
  CHECK(a.name().find(std::to_string(first.local_port())) == std::string_view::npos);
  CHECK(a != b);
  CHECK(str(routes[0]) == a.to_string() + " -> raw");
  // It is a connection like any other: disconnect() closes it.
  REQUIRE(server.tcp.disconnect(a));
  CHECK(first.closed_by_node());
  CHECK(!second.anything_arrived());
}

TEST_CASE("connect() to the endpoint an inbound peer came from opens its own socket: with nobody listening there, it fails") {
  ListeningNode server;
  RawPeer attacker(server.address);
  REQUIRE(eventually([&] { return server.tcp.stats().connections_opened == 1; }));  // adopted
  auto connected = server.tcp.connect("127.0.0.1:" + std::to_string(attacker.local_port()));
  CHECK(code_of(connected) == "TransportError");
  CHECK(contains(describe(connected), "cannot connect"));
  CHECK(server.tcp.stats().connections_opened == 1);  // the attacker's only
  CHECK(!attacker.anything_arrived());
}

TEST_CASE("the hijack fails: what the node sends after connect(\"127.0.0.1:P\") reaches the listener at P, not a peer that connected from P first") {
  ListeningNode server;
  // The attacker binds port P (shareable) and connects to the node first.
  const int attacker = reusable_socket(0);
  const std::uint16_t port = bound_port(attacker);
  const sockaddr_in node_at = loopback(port_of(server.address));
  REQUIRE(::connect(attacker, reinterpret_cast<const sockaddr*>(&node_at), sizeof node_at) == 0);
  REQUIRE(eventually([&] { return server.tcp.stats().connections_opened == 1; }));  // adopted
  // The service the node means to reach listens on that same port P.
  const int service = reusable_socket(port);
  REQUIRE(::listen(service, 8) == 0);

  auto connected = server.tcp.connect("127.0.0.1:" + std::to_string(port));
  REQUIRE_MESSAGE(connected, describe(connected));
  CHECK(connected.value().to_string() == "1#127.0.0.1:" + std::to_string(port));
  CHECK(server.tcp.stats().connections_opened == 2);  // a socket of its own
  REQUIRE(readable_within(service, kWait));
  const int accepted = ::accept(service, nullptr, nullptr);
  REQUIRE(accepted >= 0);
  REQUIRE(server.node.send(Route{connected.value(), "worker"}, std::string("for the service only")));
  CHECK(contains_bytes(read_frame_from(accepted), "for the service only"));
  // Written once, to the service: the attacker got nothing but its own bytes' effects.
  CHECK(!readable_within(attacker, 0ms));
  ::close(accepted);
  ::close(service);
  ::close(attacker);
}

}  // namespace
