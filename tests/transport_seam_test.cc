// A transport made of runtime/transport.h and the public API alone, as a
// second transport (a Unix socket, a secure channel) would be: connections
// at peer addresses, bodies that cross as bytes, send gates, stop hooks.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "codec/testing/point.h"
#include "runtime/ockam.h"
#include "runtime/transport.h"
#include "tests/test_util.h"

namespace {

using ockam::Address;
using ockam::Any;
using ockam::Context;
using ockam::Result;
using ockam::Route;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::kWait;
using ockam_test::Point;

// One end of an in-process link (addresses "9#...": type 9 is this test's
// own): what a socket's connection does, with the far node's
// deliver_from_peer standing in for the socket.
struct LoopConnection : ockam::Worker<Any> {
  Context* far;                                 // the far node's context
  Address seen_there;                           // this link as the far node sees it
  std::shared_ptr<ockam::Ingress> there;        // where what it sends enters the far node
  std::shared_ptr<ockam::Ingress> back;         // where the far node's replies enter this one
  LoopConnection(Context* f, Address s, std::shared_ptr<ockam::Ingress> t, std::shared_ptr<ockam::Ingress> b)
      : far(f), seen_there(std::move(s)), there(std::move(t)), back(std::move(b)) {}
  Result<void> handle_message(Context&, Routed<Any> msg) override {
    std::vector<std::uint8_t> payload;
    auto routes = ockam::encode_for_peer(std::move(msg), payload);
    if (!routes) return routes.error();
    routes->onward.pop_front();  // this connection
    back->add_reply_address(routes->ret.next());
    routes->ret.prepend(seen_there);
    ockam::PeerMessage m{std::move(routes->onward), std::move(routes->ret), std::move(payload)};
    return ockam::deliver_from_peer(*far, m, nullptr, there);
  }
};

// Nodes a and b, linked: "9#b" on a leads to b, and "9#a" on b back to a.
// Each exposes `expose` to the other.
struct LinkedNodes {
  ockam::Node a;
  ockam::Node b;
  explicit LinkedNodes(std::vector<Address> expose = {"doubler"}) {
    using Kind = ockam::Ingress::Kind;
    auto into_a = std::make_shared<ockam::Ingress>(Kind::kTransport, "9#b", Address(), expose);
    auto into_b = std::make_shared<ockam::Ingress>(Kind::kTransport, "9#a", Address(), expose);
    REQUIRE_OK(ockam::start_connection(a.context(), "9#b", LoopConnection(&b.context(), "9#a", into_b, into_a), nullptr));
    REQUIRE_OK(ockam::start_connection(b.context(), "9#a", LoopConnection(&a.context(), "9#b", into_a, into_b), nullptr));
  }
};

struct Doubler : ockam::Worker<Point> {
  Result<void> handle_message(Context& ctx, Routed<Point> msg) override {
    return ctx.send(msg.return_route(), Point{msg.body().x * 2, msg.body().y * 2, msg.body().label});
  }
};

// Reports to the app the error of what it sends on, if any.
struct Reporter : ockam::Worker<Any> {
  Result<void> handle_message(Context& ctx, Routed<Any> msg) override {
    std::vector<std::uint8_t> payload;
    auto routes = ockam::encode_for_peer(std::move(msg), payload);
    return ctx.send("app", routes ? std::string("encoded") : routes.error().message());
  }
};

struct Hop : ockam::Worker<Any> {
  Result<void> handle_message(Context& ctx, Routed<Any> msg) override { return ctx.forward(std::move(msg)); }
};

// Admits `limit` sends, then refuses with QueueFull.
struct LimitGate : ockam::SendGate {
  explicit LimitGate(int l) : limit(l) {}
  Result<void> admit() override {
    // relaxed: a count the test reads after its own sends returned.
    if (admitted.fetch_add(1, std::memory_order_relaxed) < limit) return {};
    return ockam::Error(ockam::ErrorCode::QueueFull, "the test's gate is full");
  }
  const int limit;
  std::atomic<int> admitted{0};
};

struct Sink : ockam::Worker<Any> {
  Result<void> handle_message(Context&, Routed<Any>) override { return {}; }
};

// Holds its first turn until `release` opens, then tells the app, for each
// message, whether more_queued() saw others behind it.
struct QueueWatcher : ockam::Worker<Any> {
  ockam_test::Gate* release;
  explicit QueueWatcher(ockam_test::Gate* r) : release(r) {}
  Result<void> initialize(Context&) override {
    if (!release->wait()) return ockam::Error(ockam::ErrorCode::Timeout, "never released");
    return {};
  }
  Result<void> handle_message(Context& ctx, Routed<Any>) override { return ctx.send("app", ockam::more_queued(ctx)); }
};

// Sets *shut_down in its shutdown(). seq_cst (the default): set on a pool
// thread, read by the test's thread, a handful of times.
struct ShutdownFlag : ockam::Worker<Any> {
  std::atomic<bool>* shut_down;
  explicit ShutdownFlag(std::atomic<bool>* f) : shut_down(f) {}
  Result<void> handle_message(Context&, Routed<Any>) override { return {}; }
  Result<void> shutdown(Context&) override {
    shut_down->store(true);
    return {};
  }
};

}  // namespace

TEST_CASE("a user type crosses a link built on the transport seam alone, decoded by its worker, and the reply comes back") {
  LinkedNodes link;
  REQUIRE_OK(link.b.start_worker("doubler", Doubler{}));
  REQUIRE_OK(link.a.send(Route{"9#b", "doubler"}, Point{3, -4, "p"}));
  auto reply = link.a.receive<Point>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == Point{6, -8, "p"});
  CHECK(reply.value().return_route().to_string() == "9#b -> doubler");
}

TEST_CASE("a message from a peer for a worker the node does not have is refused by deliver_from_peer") {
  ockam::Node node;
  auto delivered = ockam::deliver_from_peer(node.context(), Route{"nobody"}, Route{"9#a"}, {0x00});
  CHECK(code_of(delivered) == "AddressNotFound");
  CHECK(code_of(ockam::deliver_from_peer(node.context(), Route{}, Route{"9#a"}, {})) == "InvalidAddress");
}

TEST_CASE("a route from a peer is checked where it enters the node, since forward no longer scans it") {
  ockam::Node node;
  Route longest, too_long;
  for (std::size_t i = 0; i < ockam::kMaxRouteLength; ++i) longest.append("nobody");
  too_long = longest;
  too_long.append("nobody");
  CHECK(code_of(ockam::deliver_from_peer(node.context(), longest, Route{"9#a"}, {0x00})) == "AddressNotFound");
  auto refused = ockam::deliver_from_peer(node.context(), too_long, Route{"9#a"}, {0x00});
  CHECK(code_of(refused) == "InvalidAddress");
  CHECK(refused.error().message().find("65") != std::string::npos);
}

TEST_CASE("a connection takes a transport address, never a local one") {
  ockam::Node node;
  CHECK(code_of(ockam::start_connection(node.context(), "local", Sink{}, nullptr)) == "InvalidAddress");
  REQUIRE_OK(ockam::start_connection(node.context(), "9#peer", Sink{}, nullptr));
  CHECK(code_of(ockam::start_connection(node.context(), "9#peer", Sink{}, nullptr)) == "AddressInUse");
}

TEST_CASE("every send to a connection passes its gate, and a refused send returns the gate's error") {
  ockam::Node node;
  LimitGate gate(1);
  REQUIRE_OK(ockam::start_connection(node.context(), "9#peer", Sink{}, &gate));
  REQUIRE_OK(node.send(Route{"9#peer", "x"}, std::string("one")));
  auto refused = node.send(Route{"9#peer", "x"}, std::string("two"));
  CHECK(code_of(refused) == "QueueFull");
  CHECK(ockam_test::contains(refused.error().message(), "the test's gate is full"));
  CHECK(gate.admitted.load(std::memory_order_relaxed) == 2);
}

TEST_CASE("sends a connection's gate refused take no place in its bounded mailbox") {
  // Refuses the first `refusals` sends, then admits every one.
  struct RefuseFirst : ockam::SendGate {
    explicit RefuseFirst(int r) : refusals(r) {}
    Result<void> admit() override {
      // relaxed: a count, read only by the sending thread.
      if (seen.fetch_add(1, std::memory_order_relaxed) < refusals) {
        return ockam::Error(ockam::ErrorCode::QueueFull, "the test's gate refuses");
      }
      return {};
    }
    const int refusals;
    std::atomic<int> seen{0};
  };
  ockam::NodeOptions options;
  options.mailbox_capacity = 2;
  ockam::Node node(options);
  ockam_test::Gate release;  // the connection's first turn waits: its mailbox keeps what is admitted
  RefuseFirst gate(5);
  REQUIRE_OK(ockam::start_connection(node.context(), "9#peer", QueueWatcher{&release}, &gate));
  for (int i = 0; i < 5; ++i) {
    auto refused = node.send(Route{"9#peer", "x"}, std::string("refused"));
    CHECK(ockam_test::contains(ockam_test::describe(refused), "the test's gate refuses"));
  }
  CHECK_OK(node.send(Route{"9#peer", "x"}, std::string("one")));
  CHECK_OK(node.send(Route{"9#peer", "x"}, std::string("two")));
  auto full = node.send(Route{"9#peer", "x"}, std::string("three"));
  CHECK(ockam_test::contains(ockam_test::describe(full), "holds 2 messages"));
  release.open();
}

TEST_CASE("a body without a codec that a hop forwards to a connection is refused by encode_for_peer, naming its type") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("hop", Hop{}));
  REQUIRE_OK(ockam::start_connection(node.context(), "9#peer", Reporter{}, nullptr));
  REQUIRE_OK(node.send(Route{"hop", "9#peer", "x"}, ockam_test::NoCopy(1)));
  auto report = node.receive<std::string>(kWait);
  REQUIRE_OK(report);
  CHECK(ockam_test::contains(report.value().body(), "NoCopy has no ockam::Codec"));
  REQUIRE_OK(node.send(Route{"9#peer", "x"}, std::string("text")));
  auto encoded = node.receive<std::string>(kWait);
  REQUIRE_OK(encoded);
  CHECK(encoded.value().body() == "encoded");
}

TEST_CASE("more_queued tells a connection whether messages wait behind the one in hand") {
  ockam::Node node;
  ockam_test::Gate release;
  REQUIRE_OK(ockam::start_connection(node.context(), "9#peer", QueueWatcher(&release), nullptr));
  for (int i = 0; i < 3; ++i) REQUIRE_OK(node.send(Route{"9#peer", "x"}, i));
  release.open();
  std::vector<bool> seen;
  for (int i = 0; i < 3; ++i) {
    auto more = node.receive<bool>(kWait);
    REQUIRE_OK(more);
    seen.push_back(more.value().body());
  }
  CHECK(seen == std::vector<bool>{true, true, false});
}

TEST_CASE("a stop hook runs once when the node stops, before any worker stops; none is taken after") {
  ockam::Node node;
  std::atomic<bool> shut_down{false};
  REQUIRE_OK(node.start_worker("w", ShutdownFlag(&shut_down)));
  int runs = 0;
  bool worker_still_up = false;
  REQUIRE_OK(ockam::add_stop_hook(node.context(), [&] {
    ++runs;
    worker_still_up = !shut_down.load();
  }));
  REQUIRE_OK(node.stop());
  REQUIRE_OK(node.stop());
  CHECK(runs == 1);
  CHECK(worker_still_up);
  CHECK(shut_down.load());
  CHECK(code_of(ockam::add_stop_hook(node.context(), [] {})) == "NodeStopped");
}
