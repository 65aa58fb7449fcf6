// The TCP transport's connection identity (issue 9, item 4): addresses a
// peer cannot choose, and connect() never handing out a connection a peer
// opened.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/ockam.h"
#include "tests/tcp_test_util.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

namespace {

using namespace ockam_test;
using ockam::Address;
using ockam::Route;
using namespace std::chrono_literals;

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

bool contains_bytes(const std::vector<std::uint8_t>& body, const std::string& text) {
  return std::string(body.begin(), body.end()).find(text) != std::string::npos;
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
