#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Address;
using ockam::Any;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::kWait;
using ockam_test::str;

namespace {

// A hop: takes any body and passes it on, unchanged, to the next address.
struct Hop : ockam::Worker<Any> {
  Result<void> handle_message(Context& ctx, Routed<Any> msg) override {
    return ctx.forward(std::move(msg));
  }
};

// Echoes the body back and reports what routing it saw, to the app.
struct Echoer : ockam::Worker<std::string> {
  Result<void> handle_message(Context& ctx, Routed<std::string> msg) override {
    auto reported = ctx.send("app", "onward=" + str(msg.onward_route()) + " return=" +
                                        str(msg.return_route()) + " src=" + str(msg.src_addr()) +
                                        " dst=" + str(msg.dst_addr()));
    if (!reported) return reported;
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

// Checks dst/src against the routes at every delivery it sees, then forwards.
struct CheckingHop : ockam::Worker<Any> {
  std::atomic<int>* mismatches;
  explicit CheckingHop(std::atomic<int>* m) : mismatches(m) {}
  Result<void> handle_message(Context& ctx, Routed<Any> msg) override {
    if (!(msg.dst_addr() == msg.onward_route().next())) ++*mismatches;
    if (!(msg.src_addr() == msg.return_route().next())) ++*mismatches;
    if (!(msg.dst_addr() == ctx.address())) ++*mismatches;
    return ctx.forward(std::move(msg));
  }
};

}  // namespace

TEST_CASE("a message routed through two hops reaches the echoer and the reply retraces the hops") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("h1", Hop{}));
  REQUIRE_OK(node.start_worker("h2", Hop{}));
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(node.send(ockam::Route{"h1", "h2", "echoer"}, std::string("Hello Ockam!")));

  // What the echoer saw: the hops popped themselves and pushed themselves
  // at the front of the return route.
  auto seen = node.receive<std::string>(kWait);
  REQUIRE_OK(seen);
  CHECK(seen.value().body() == "onward=echoer return=h2 -> h1 -> app src=h2 dst=echoer");

  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "Hello Ockam!");
  CHECK(str(reply.value().return_route()) == "h1 -> h2 -> echoer");
  CHECK(str(reply.value().onward_route()) == "app");
  CHECK(reply.value().src_addr() == Address("h1"));
  CHECK(reply.value().dst_addr() == Address("app"));
}

TEST_CASE("dst_addr is the onward route's next and src_addr the return route's next at every hop") {
  std::atomic<int> mismatches{0};
  ockam::Node node;
  for (const char* name : {"c1", "c2", "c3"}) REQUIRE_OK(node.start_worker(name, CheckingHop{&mismatches}));
  // Out through three hops to the app, which is the final recipient.
  REQUIRE_OK(node.send(ockam::Route{"c1", "c2", "c3", "app"}, 5));
  auto reply = node.receive<int>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 5);
  CHECK(str(reply.value().return_route()) == "c3 -> c2 -> c1 -> app");
  CHECK(reply.value().src_addr() == reply.value().return_route().next());
  CHECK(reply.value().dst_addr() == reply.value().onward_route().next());
  CHECK(mismatches.load() == 0);
}

TEST_CASE("a Worker<Any> hop forwards bodies of different types unchanged") {
  struct Point {
    int x;
    int y;
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("hop", Hop{}));
  const ockam::Route via_hop = {"hop", "app"};

  REQUIRE_OK(node.send(via_hop, 42));
  auto number = node.receive<int>(kWait);
  REQUIRE_OK(number);
  CHECK(number.value().body() == 42);
  CHECK(str(number.value().return_route()) == "hop -> app");

  REQUIRE(ockam_test::echoed(node, via_hop, "text") == "text");

  REQUIRE_OK(node.send(via_hop, Point{3, 4}));
  auto point = node.receive<Point>(kWait);
  REQUIRE_OK(point);
  CHECK(point.value().body().x == 3);
  CHECK(point.value().body().y == 4);

  REQUIRE_OK(node.send(via_hop, std::vector<double>{1.5, 2.5}));
  auto vec = node.receive<std::vector<double>>(kWait);
  REQUIRE_OK(vec);
  CHECK(vec.value().body() == std::vector<double>{1.5, 2.5});

  // A move-only body is moved through the hop, not copied or rebuilt.
  auto owned = std::make_unique<int>(7);
  const int* where = owned.get();
  REQUIRE_OK(node.send(via_hop, std::move(owned)));
  auto moved = node.receive<std::unique_ptr<int>>(kWait);
  REQUIRE_OK(moved);
  CHECK(moved.value().body().get() == where);
  CHECK(*moved.value().body() == 7);
}

TEST_CASE("a hop forwards without copying the body") {
  ockam_test::CopyCounter::reset();
  {
    ockam::Node node;
    REQUIRE_OK(node.start_worker("h1", Hop{}));
    REQUIRE_OK(node.start_worker("h2", Hop{}));
    REQUIRE_OK(node.send(ockam::Route{"h1", "h2", "app"}, ockam_test::CopyCounter(11)));
    auto reply = node.receive<ockam_test::CopyCounter>(kWait);
    REQUIRE_OK(reply);
    CHECK(reply.value().body().value == 11);
  }
  CHECK(ockam_test::CopyCounter::copies.load() == 0);
}

TEST_CASE("Any tells the body's type by name and by test, and gives typed access") {
  struct Inspector : ockam::Worker<Any> {
    Result<void> handle_message(Context& ctx, Routed<Any> msg) override {
      const Any& body = msg.body();
      std::string report = std::string(body.type_name()) + " is_int=" + (body.is<int>() ? "1" : "0") +
                           " is_string=" + (body.is<std::string>() ? "1" : "0");
      if (const int* number = body.get_if<int>()) report += " int=" + std::to_string(*number);
      if (const std::string* text = body.get_if<std::string>()) report += " string=" + *text;
      return ctx.send("app", report);
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("inspector", Inspector{}));

  REQUIRE_OK(node.send("inspector", 12));
  auto as_int = node.receive<std::string>(kWait);
  REQUIRE_OK(as_int);
  CHECK(as_int.value().body() == "int is_int=1 is_string=0 int=12");

  REQUIRE_OK(node.send("inspector", std::string("hey")));
  auto as_string = node.receive<std::string>(kWait);
  REQUIRE_OK(as_string);
  const std::string& report = as_string.value().body();
  CHECK_MESSAGE(ockam_test::contains(report, "string"), report);  // demangled, e.g. std::__cxx11::basic_string<...>
  CHECK_MESSAGE(ockam_test::contains(report, " is_int=0 is_string=1 string=hey"), report);
}

TEST_CASE("a typed worker can forward too, and the body arrives unchanged") {
  struct StringHop : ockam::Worker<std::string> {
    Result<void> handle_message(Context& ctx, Routed<std::string> msg) override {
      return ctx.forward(std::move(msg));
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("s1", StringHop{}));
  REQUIRE_OK(node.send(ockam::Route{"s1", "app"}, std::string("typed hop")));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "typed hop");
  CHECK(str(reply.value().return_route()) == "s1 -> app");
}

TEST_CASE("forwarding to an unknown next hop fails with AddressNotFound in the hop") {
  struct ReportingHop : ockam::Worker<Any> {
    Result<void> handle_message(Context& ctx, Routed<Any> msg) override {
      auto forwarded = ctx.forward(std::move(msg));
      return ctx.send("app", code_of(forwarded));
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("hop", ReportingHop{}));
  REQUIRE_OK(node.send(ockam::Route{"hop", "nowhere"}, 1));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "AddressNotFound");
}

TEST_CASE("a hop in a route several times is visited each time") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("h", Hop{}));
  REQUIRE_OK(node.send(ockam::Route{"h", "h", "h", "app"}, std::string("loop")));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "loop");
  CHECK(str(reply.value().return_route()) == "h -> h -> h -> app");
}

TEST_CASE("the app can receive a message of any type as ockam::Any") {
  struct Mixed : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      if (msg.body() == 0) return ctx.send("app", std::string("zero"));
      return ctx.send("app", msg.body() * 1.5);
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("mixed", Mixed{}));
  REQUIRE_OK(node.send("mixed", 0));
  REQUIRE_OK(node.send("mixed", 2));
  auto first = node.receive<Any>(kWait);
  REQUIRE_OK(first);
  REQUIRE(first.value().body().is<std::string>());
  CHECK(*first.value().body().get_if<std::string>() == "zero");
  CHECK(first.value().body().get_if<double>() == nullptr);
  CHECK(first.value().src_addr() == Address("mixed"));
  auto second = node.receive<Any>(kWait);
  REQUIRE_OK(second);
  REQUIRE(second.value().body().is<double>());
  CHECK(*second.value().body().get_if<double>() == 3.0);
}

TEST_CASE("a long route, past any inline capacity, is walked hop by hop and retraced") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("h", Hop{}));
  REQUIRE_OK(node.start_worker("g", Hop{}));
  // Only the public constructors: an initializer list of 21 hops.
  const ockam::Route route = {"h", "g", "h", "g", "h", "g", "h", "g", "h", "g", "h",
                              "g", "h", "g", "h", "g", "h", "g", "h", "g", "app"};
  REQUIRE(route.size() == 21);
  std::string expected_return;
  for (int i = 19; i >= 0; --i) expected_return += std::string(i % 2 == 0 ? "h" : "g") + " -> ";
  expected_return += "app";
  REQUIRE_OK(node.send(route, std::string("far")));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "far");
  CHECK(reply.value().return_route().size() == 21);
  CHECK(str(reply.value().return_route()) == expected_return);
}

TEST_CASE("a route longer than the wire's 64 hops is InvalidAddress at send, and 64 hops still go") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("h", Hop{}));
  std::vector<Address> hops(ockam::kMaxRouteLength - 1, Address("h"));
  hops.push_back(Address("app"));
  REQUIRE_OK(node.send(ockam::Route(hops), std::string("64")));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().return_route().size() == ockam::kMaxRouteLength);
  hops.insert(hops.begin(), Address("h"));
  auto refused = node.send(ockam::Route(hops), std::string("65"));
  CHECK(code_of(refused) == "InvalidAddress");
  CHECK_MESSAGE(ockam_test::contains(refused.error().message(), "at most 64"), refused.error().message());
}
