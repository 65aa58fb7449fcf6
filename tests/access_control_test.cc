// Access control (issue 10, items 1 and 2): a peer reaches only what its
// listener or connection exposes and the workers that talk to it; every
// policy of runtime/access_control.h, incoming and outgoing; where a message
// entered the node stays with it through forwards.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/transport.h"
#include "tests/tcp_test_util.h"

using namespace ockam_test;
using ockam::AccessPolicy;
using ockam::Address;
using ockam::Ingress;
using ockam::Result;
using ockam::Route;
using ockam::Routed;

namespace {

// Tells the app "<its address>: <body>" for each string it gets.
struct Tell : ockam::Worker<std::string> {
  Result<void> handle_message(ockam::Context& ctx, Routed<std::string> msg) override {
    return ctx.send("app", std::string(ctx.address().name()) + ": " + msg.body());
  }
};

// Tells the app the address of the connection its first message came over.
struct LearnConnection : ockam::Worker<std::string> {
  Result<void> handle_message(ockam::Context& ctx, Routed<std::string> msg) override {
    return ctx.send("app", msg.return_route().next().to_string());
  }
};

struct Hop : ockam::Worker<ockam::Any> {
  Result<void> handle_message(ockam::Context& ctx, Routed<ockam::Any> msg) override { return ctx.forward(std::move(msg)); }
};

std::string told(ockam::Node& node, std::chrono::milliseconds timeout = kWait) {
  auto got = node.receive<std::string>(timeout);
  return got ? got.value().body() : describe(got);
}

// A frame from a peer on `onward` (names under 128 bytes each) with the
// BARE string `text` and the return route ["raw"].
std::vector<std::uint8_t> frame_on(const std::vector<Address>& onward, const std::string& text) {
  std::vector<std::uint8_t> m{1, static_cast<std::uint8_t>(onward.size())};
  for (const Address& a : onward) {
    m.push_back(a.type());
    m.push_back(static_cast<std::uint8_t>(a.name().size()));
    m.insert(m.end(), a.name().begin(), a.name().end());
  }
  m.insert(m.end(), {1, 0, 3, 'r', 'a', 'w', static_cast<std::uint8_t>(text.size() + 1),
                     static_cast<std::uint8_t>(text.size())});
  m.insert(m.end(), text.begin(), text.end());
  return frame(m);
}

// An ingress of a made-up transport (type 9) or channel, to hand messages
// to a node through the seam the way a transport does.
std::shared_ptr<Ingress> ingress(Ingress::Kind kind, std::vector<Address> expose = {},
                                 std::optional<ockam::PeerIdentity> peer = std::nullopt) {
  return std::make_shared<Ingress>(kind, "9#link", Address(), std::move(expose), peer);
}
Result<void> from_peer(ockam::Node& node, const std::shared_ptr<Ingress>& in, Route onward, const std::string& text,
                       Route ret = Route{"9#link", "far"}) {
  ockam::PeerMessage m{std::move(onward), std::move(ret), ockam::encode_body(text)};
  return ockam::deliver_from_peer(node.context(), m, nullptr, in);
}

}  // namespace

TEST_CASE("a peer reaches the worker its listener exposes, and a message to any other is denied, counted and logged") {
  LogCapture log;
  ListeningNode server({}, {"echoer"});
  REQUIRE_OK(server.node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(server.node.start_worker("private", Tell{}));
  RawPeer peer(server.address);
  peer.send(string_frame("private", "let me in"));
  peer.send(string_frame("echoer", "hello"));
  const auto echo = peer.read_frame();
  CHECK_FALSE(echo.empty());
  REQUIRE(eventually([&] { return server.node.stats().denied == 1; }));
  CHECK(server.tcp.stats().messages_dropped == 1);
  CHECK(log.wait_for({"AccessDenied: the incoming access control of 'private'", "came through '1#in-"}));
  CHECK(code_of(server.node.receive<std::string>(std::chrono::milliseconds(0))) == "Timeout");  // private told nothing
}

TEST_CASE("the relay attempt fails: a peer cannot route through the node into another peer's connection, the router or the app") {
  ListeningNode server({}, {"learn"});
  REQUIRE_OK(server.node.start_worker("learn", LearnConnection{}));
  RawPeer victim(server.address);
  victim.send(string_frame("learn", "hi"));
  const std::string victim_connection = told(server.node);  // what an attacker would have to know
  REQUIRE(victim_connection.rfind("1#in-", 0) == 0);

  RawPeer attacker(server.address);
  attacker.send(frame_on({Address(victim_connection), "victim"}, "relayed"));
  attacker.send(frame_on({Address("1#127.0.0.1:9"), "x"}, "through the router"));
  attacker.send(frame_on({"app"}, "to the app"));
  REQUIRE(eventually([&] { return server.node.stats().denied == 3; }));
  CHECK_FALSE(victim.anything_arrived());
  CHECK(server.tcp.stats().messages_sent == 0);
  CHECK(code_of(server.node.receive<std::string>(std::chrono::milliseconds(0))) == "Timeout");
}

TEST_CASE("replies reach the worker that sent over a connection, and nothing else on that node") {
  ListeningNode server({}, {"echoer", "learn"});
  REQUIRE_OK(server.node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(server.node.start_worker("learn", LearnConnection{}));
  ockam::Node client;
  auto client_tcp = ockam::TcpTransport::create(client).value();
  auto connection = client_tcp.connect(server.address.name());  // exposes nothing
  REQUIRE_OK(connection);
  REQUIRE_OK(client.start_worker("quiet", Tell{}));
  // The app talked over the connection: the echo comes back to it.
  CHECK(echoed(client, Route{connection.value(), "echoer"}, "ping") == "ping");
  REQUIRE_OK(client.send(Route{connection.value(), "learn"}, std::string("hi")));
  const Address back(told(server.node));
  // The server's way back reaches the app, which sent, and not "quiet".
  REQUIRE_OK(server.node.send(Route{back, "quiet"}, std::string("unasked")));
  REQUIRE_OK(server.node.send(Route{back, "app"}, std::string("asked")));
  CHECK(told(client) == "asked");
  CHECK(eventually([&] { return client.stats().denied == 1; }));
}

TEST_CASE("TcpConnectOptions::expose opens a worker of the connecting node to its peer; the others stay closed") {
  ListeningNode server({}, {"learn"});
  REQUIRE_OK(server.node.start_worker("learn", LearnConnection{}));
  ockam::Node client;
  auto client_tcp = ockam::TcpTransport::create(client).value();
  auto connection = client_tcp.connect(server.address.name(), ockam::TcpConnectOptions{.expose = {"open"}});
  REQUIRE_OK(connection);
  REQUIRE_OK(client.start_worker("open", Tell{}));
  REQUIRE_OK(client.start_worker("shut", Tell{}));
  REQUIRE_OK(client.send(Route{connection.value(), "learn"}, std::string("hi")));
  const Address back(told(server.node));
  REQUIRE_OK(server.node.send(Route{back, "shut"}, std::string("no")));
  REQUIRE_OK(server.node.send(Route{back, "open"}, std::string("yes")));
  CHECK(told(client) == "open: yes");
  CHECK(eventually([&] { return client.stats().denied == 1; }));
  // The same connect() with another exposure is refused, not silently kept.
  CHECK(code_of(client_tcp.connect(server.address.name())) == "AddressInUse");
  CHECK_OK(client_tcp.connect(server.address.name(), ockam::TcpConnectOptions{.expose = {"open"}}));
}

TEST_CASE("a worker an exposed hop forwards to is reached, and keeps the message's origin for its own policy") {
  ListeningNode server({}, {"hop"});
  REQUIRE_OK(server.node.start_worker("hop", Hop{}));
  REQUIRE_OK(server.node.start_worker("behind", Tell{}));
  ockam::WorkerOptions local;
  local.incoming = AccessPolicy::local_only();
  REQUIRE_OK(server.node.start_worker("local", Tell{}, local));
  RawPeer peer(server.address);
  peer.send(frame_on({"hop", "local"}, "from outside"));
  peer.send(frame_on({"hop", "behind"}, "via hop"));
  CHECK(told(server.node) == "behind: via hop");
  CHECK(server.node.stats().denied == 1);  // "local" saw the peer's origin through the forward
  REQUIRE_OK(server.node.send(Route{"hop", "local"}, std::string("from here")));
  CHECK(told(server.node) == "local: from here");
}

TEST_CASE("incoming policies: allow_all, deny_all, from_listener and custom against a peer's messages") {
  ListeningNode server({}, {});
  ockam::WorkerOptions o;
  o.incoming = AccessPolicy::allow_all();
  REQUIRE_OK(server.node.start_worker("all", Tell{}, o));
  o.incoming = AccessPolicy::deny_all();
  REQUIRE_OK(server.node.start_worker("none", Tell{}, o));
  o.incoming = AccessPolicy::from_listener(server.address);
  REQUIRE_OK(server.node.start_worker("listener", Tell{}, o));
  o.incoming = AccessPolicy::from_listener("1#127.0.0.1:1");
  REQUIRE_OK(server.node.start_worker("other_listener", Tell{}, o));
  o.incoming = AccessPolicy::custom([](const ockam::Delivery& d) {
    return d.origin != nullptr && d.direct && d.to == Address("custom") && d.onward.size() == 1 &&
           d.ret.size() == 2 && d.ret.next() == d.origin->entry();
  });
  REQUIRE_OK(server.node.start_worker("custom", Tell{}, o));

  RawPeer peer(server.address);
  for (const char* to : {"none", "other_listener", "all", "listener", "custom"}) peer.send(string_frame(to, "x"));
  std::vector<std::string> got;  // three workers tell the app, in whatever order they run
  for (int i = 0; i < 3; ++i) got.push_back(told(server.node));
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"all: x", "custom: x", "listener: x"});
  CHECK(server.node.stats().denied == 2);

  // A local send to a worker whose policy refuses it gets AccessDenied at once.
  auto refused = server.node.send(Route{"none"}, std::string("local"));
  CHECK(code_of(refused) == "AccessDenied");
  CHECK(contains(refused.error().message(), "sent on this node"));
  CHECK(server.node.stats().denied == 3);
}

TEST_CASE("incoming policies: source_in, any_of and all_of look at where a message says it came from") {
  ockam::Node node;
  ockam::WorkerOptions o;
  o.incoming = AccessPolicy::source_in({"app"});
  REQUIRE_OK(node.start_worker("from_app", Tell{}, o));
  o.incoming = AccessPolicy::source_in({"someone"});
  REQUIRE_OK(node.start_worker("from_someone", Tell{}, o));
  o.incoming = AccessPolicy::any_of({AccessPolicy::deny_all(), AccessPolicy::source_in({"app"})});
  REQUIRE_OK(node.start_worker("any", Tell{}, o));
  o.incoming = AccessPolicy::all_of({AccessPolicy::allow_all(), AccessPolicy::source_in({"someone"})});
  REQUIRE_OK(node.start_worker("all_of", Tell{}, o));
  CHECK(code_of(node.send(Route{"from_someone"}, std::string("x"))) == "AccessDenied");
  CHECK(code_of(node.send(Route{"all_of"}, std::string("x"))) == "AccessDenied");
  REQUIRE_OK(node.send(Route{"from_app"}, std::string("x")));
  CHECK(told(node) == "from_app: x");
  REQUIRE_OK(node.send(Route{"any"}, std::string("y")));
  CHECK(told(node) == "any: y");
  CHECK(node.stats().denied == 2);
}

TEST_CASE("from_connection admits one connection's messages and not another's") {
  ListeningNode server({}, {"learn"});
  REQUIRE_OK(server.node.start_worker("learn", LearnConnection{}));
  RawPeer first(server.address), second(server.address);
  first.send(string_frame("learn", "hi"));
  const Address first_connection(told(server.node));
  ockam::WorkerOptions o;
  o.incoming = AccessPolicy::from_connection(first_connection);
  REQUIRE_OK(server.node.start_worker("first_only", Tell{}, o));
  second.send(string_frame("first_only", "second"));
  first.send(string_frame("first_only", "first"));
  CHECK(told(server.node) == "first_only: first");
  CHECK(server.node.stats().denied == 1);
}

TEST_CASE("channel policies: from_channel and from_channel_peer look at the ingress a message came through") {
  ockam::Node node;
  ockam::PeerIdentity alice{}, mallory{};
  alice[0] = 1;
  mallory[0] = 2;
  ockam::WorkerOptions o;
  o.incoming = AccessPolicy::from_channel();
  REQUIRE_OK(node.start_worker("any_channel", Tell{}, o));
  o.incoming = AccessPolicy::from_channel_peer(alice);
  REQUIRE_OK(node.start_worker("alice_only", Tell{}, o));
  auto tcp_like = ingress(Ingress::Kind::kTransport, {"any_channel", "alice_only"});
  auto from_alice = ingress(Ingress::Kind::kChannel, {}, alice);
  auto from_mallory = ingress(Ingress::Kind::kChannel, {}, mallory);
  CHECK(code_of(from_peer(node, tcp_like, Route{"any_channel"}, "plain")) == "AccessDenied");
  CHECK(code_of(from_peer(node, from_mallory, Route{"alice_only"}, "mallory")) == "AccessDenied");
  REQUIRE_OK(from_peer(node, from_mallory, Route{"any_channel"}, "mallory"));
  CHECK(told(node) == "any_channel: mallory");
  REQUIRE_OK(from_peer(node, from_alice, Route{"alice_only"}, "alice"));
  CHECK(told(node) == "alice_only: alice");
  CHECK(node.stats().denied == 2);
}

TEST_CASE("a message a transport hands over with no ingress is one that exposes nothing, never a local one") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("w", Tell{}));
  CHECK(code_of(ockam::deliver_from_peer(node.context(), Route{"w"}, Route{"9#a"}, ockam::encode_body(std::string("x")))) ==
        "AccessDenied");
  CHECK(code_of(from_peer(node, nullptr, Route{"w"}, "x")) == "AccessDenied");
  CHECK(node.stats().denied == 2);
}

TEST_CASE("an outgoing policy refuses a send or a forward with AccessDenied to the sender, and nothing is delivered") {
  // Sends the body to the address it names, and tells the app what happened.
  struct Sender : ockam::Worker<std::string> {
    Result<void> handle_message(ockam::Context& ctx, Routed<std::string> msg) override {
      Result<void> sent = ctx.send(Address(msg.body()), std::string("hello"));
      return ctx.send("app", sent ? std::string("sent") : sent.error().to_string());
    }
  };
  ockam::Node node;
  ockam::WorkerOptions o;
  o.outgoing = AccessPolicy::onward_in({"app", "allowed"});
  REQUIRE_OK(node.start_worker("sender", Sender{}, o));
  REQUIRE_OK(node.start_worker("allowed", Tell{}));
  REQUIRE_OK(node.start_worker("forbidden", Tell{}));
  REQUIRE_OK(node.send(Route{"sender"}, std::string("forbidden")));
  const std::string refused = told(node);
  CHECK(contains(refused, "AccessDenied: the outgoing access control of 'sender' refuses a message for 'forbidden'"));
  REQUIRE_OK(node.send(Route{"sender"}, std::string("allowed")));
  std::vector<std::string> got{told(node), told(node)};
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"allowed: hello", "sent"});
  CHECK(code_of(node.receive<std::string>(std::chrono::milliseconds(0))) == "Timeout");  // forbidden got nothing

  // A hop whose outgoing policy refuses the next hop: forward() is refused.
  o.outgoing = AccessPolicy::deny_all();
  REQUIRE_OK(node.start_worker("closed_hop", Hop{}, o));
  REQUIRE_OK(node.send(Route{"closed_hop", "allowed"}, std::string("through")));
  CHECK(eventually([&] { return node.stats().handler_errors == 1; }));
  CHECK(code_of(node.receive<std::string>(std::chrono::milliseconds(0))) == "Timeout");
}
