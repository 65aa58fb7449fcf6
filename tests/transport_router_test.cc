// The hook a transport plugs into: messages whose next hop has a transport
// type go to the router registered for that type, onward route untouched.
#include <doctest/doctest.h>

#include <string>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::Echoer;
using ockam_test::kWait;

namespace {

// Stands in for a TCP transport: reports what it was handed, then passes the
// message on locally as if the remote node had received it.
struct LoopbackRouter : ockam::Worker<ockam::Any> {
  Result<void> handle_message(Context& ctx, Routed<ockam::Any> msg) override {
    if (!msg.dst_addr().is_local()) {
      auto seen = ctx.send("app", "router saw " + msg.onward_route().to_string());
      if (!seen) return seen;
    }
    return ctx.forward(std::move(msg));
  }
};


}  // namespace

TEST_CASE("a message to a transport address with no router fails at once, naming the type") {
  ockam::Node node;
  auto sent = node.send(ockam::Route{"1#127.0.0.1:4000", "echoer"}, std::string("hi"));
  REQUIRE(code_of(sent) == "AddressNotFound");
  CHECK(ockam_test::contains(sent.error().message(), "type 1"));
}

TEST_CASE("the router for a transport type gets the message with its onward route intact, and replies come back") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("tcp_router", LoopbackRouter{}));
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(node.register_transport(1, "tcp_router"));

  REQUIRE_OK(node.send(ockam::Route{"1#127.0.0.1:4000", "echoer"}, std::string("Hello Ockam!")));
  // The router reports before it forwards, and one sender's messages keep
  // their order: the report comes first.
  auto seen = node.receive<std::string>(kWait);
  REQUIRE_OK(seen);
  CHECK(seen.value().body() == "router saw 1#127.0.0.1:4000 -> echoer");
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "Hello Ockam!");
  // Out through the router, back through it: it put itself on both routes.
  CHECK(reply.value().return_route().to_string() == "tcp_router -> echoer");
  REQUIRE_OK(node.stop());
}

TEST_CASE("a transport type takes one router, a local one, and never type 0") {
  ockam::Node node;
  REQUIRE_OK(node.register_transport(1, "tcp_router"));
  CHECK(code_of(node.register_transport(1, "other")) == "AddressInUse");
  CHECK(code_of(node.register_transport(0, "router")) == "InvalidAddress");
  CHECK(code_of(node.register_transport(2, "1#127.0.0.1:1")) == "InvalidAddress");
  CHECK(code_of(node.register_transport(2, "")) == "InvalidAddress");
  // Registered, but no worker there yet: the send names the router.
  auto sent = node.send(ockam::Route{"1#10.0.0.1:4000", "x"}, 1);
  REQUIRE(code_of(sent) == "AddressNotFound");
  CHECK(ockam_test::contains(sent.error().message(), "tcp_router"));
}
