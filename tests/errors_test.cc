// Every ErrorCode the runtime can produce today, provoked on purpose.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::Echoer;
using ockam_test::kWait;

namespace {


// Runs one context operation from inside a handler and reports its result to the app.
struct Prober : ockam::Worker<std::string> {
  Result<void> handle_message(Context& ctx, Routed<std::string> msg) override {
    std::string what = msg.body();
    std::string outcome;
    if (what == "receive") {
      outcome = code_of(ctx.receive<int>(50ms));
    } else if (what == "send_from_foreign") {
      outcome = code_of(ctx.send_from_address("echoer", std::string("x"), Address("echoer")));
    } else if (what == "send_from_app") {
      outcome = code_of(ctx.send_from_address("echoer", std::string("x"), Address("app")));
    } else if (what == "send_unknown") {
      outcome = code_of(ctx.send("nobody", std::string("x")));
    } else if (what == "stop_app") {
      outcome = code_of(ctx.stop_worker("app"));
    } else if (what == "stop_node") {
      // A worker cannot stop its own node: stop() would wait for this very call.
      outcome = code_of(ctx.node().stop());
    }
    return ctx.send("app", outcome);
  }
};

std::string probe(ockam::Node& node, const std::string& what) {
  auto sent = node.send("prober", what);
  if (!sent) return "send failed: " + ockam_test::describe(sent);
  auto reply = node.receive<std::string>(kWait);
  if (!reply) return "receive failed: " + ockam_test::describe(reply);
  return reply.value().body();
}

}  // namespace

TEST_CASE("a message sent to an unknown address fails at once with AddressNotFound") {
  ockam::Node node;
  CHECK(code_of(node.send("nobody", std::string("hello"))) == "AddressNotFound");
  CHECK(code_of(node.send(ockam::Route{"nobody", "echoer"}, std::string("hello"))) ==
        "AddressNotFound");
  CHECK(node.stats().dropped == 0);
}

TEST_CASE("a message to a transport address with no transport fails with AddressNotFound") {
  ockam::Node node;
  CHECK(code_of(node.send("1#127.0.0.1:4000", std::string("hello"))) == "AddressNotFound");
}

TEST_CASE("a worker sending to an unknown address gets AddressNotFound") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("prober", Prober{}));
  CHECK(probe(node, "send_unknown") == "AddressNotFound");
}

TEST_CASE("stopping an unknown worker fails with AddressNotFound") {
  ockam::Node node;
  CHECK(code_of(node.stop_worker("nobody")) == "AddressNotFound");
}

TEST_CASE("a stopped worker's address is unknown afterwards") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(node.stop_worker("echoer"));
  CHECK(code_of(node.send("echoer", std::string("late"))) == "AddressNotFound");
  CHECK(code_of(node.stop_worker("echoer")) == "AddressNotFound");
}

TEST_CASE("starting a worker on an address in use fails with AddressInUse") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  CHECK(code_of(node.start_worker("echoer", Echoer{})) == "AddressInUse");
  CHECK(node.worker_count() == 1);
  // The first worker is untouched.
  REQUIRE(ockam_test::echoed(node, "echoer", "still here") == "still here");
}

TEST_CASE("a multi-address start fails with AddressInUse if any address is taken, and claims none") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("b", Echoer{}));
  CHECK(code_of(node.start_worker(std::vector<Address>{"a", "b"}, Echoer{})) == "AddressInUse");
  CHECK(node.worker_count() == 1);
  // "a" was not left registered by the failed start.
  CHECK(code_of(node.send("a", std::string("x"))) == "AddressNotFound");
  CHECK_OK(node.start_worker("a", Echoer{}));
}

TEST_CASE("a worker cannot take the same address twice in one start") {
  ockam::Node node;
  auto result = node.start_worker(std::vector<Address>{"a", "a"}, Echoer{});
  REQUIRE_FALSE(result.has_value());
  CHECK((code_of(result) == "AddressInUse" || code_of(result) == "InvalidAddress"));
  CHECK(node.worker_count() == 0);
  CHECK(code_of(node.send("a", std::string("x"))) == "AddressNotFound");
}

TEST_CASE("the app's address is in use") {
  ockam::Node node;
  CHECK(code_of(node.start_worker("app", Echoer{})) == "AddressInUse");
}

TEST_CASE("an empty address is invalid, at send and at start_worker") {
  ockam::Node node;
  CHECK(code_of(node.send("", std::string("x"))) == "InvalidAddress");
  CHECK(code_of(node.start_worker("", Echoer{})) == "InvalidAddress");
  CHECK(node.worker_count() == 0);
}

TEST_CASE("an address with a non-numeric transport type is invalid, at send and at start_worker") {
  ockam::Node node;
  Address bad("abc#x");  // constructing it cannot fail; using it does
  CHECK(code_of(node.send(bad, std::string("x"))) == "InvalidAddress");
  CHECK(code_of(node.start_worker(bad, Echoer{})) == "InvalidAddress");
  CHECK(node.worker_count() == 0);
}

// The Address overload of send() checks what the Route one does, in the
// same words.
TEST_CASE("a send to an Address fails as a send on its one-hop Route does, with the same error") {
  ockam::Node node;
  for (const Address& to : {Address("nobody"), Address(""), Address("abc#x"), Address("1#127.0.0.1:4000")}) {
    Result<void> direct = node.send(to, std::string("x"));
    Result<void> routed = node.send(ockam::Route(to), std::string("x"));
    REQUIRE_FALSE(direct);
    REQUIRE_FALSE(routed);
    CHECK(direct.error().to_string() == routed.error().to_string());
  }
  // No codec for the body: refused for a transport hop, before any lookup.
  struct Local {
    int v = 0;
  };
  Result<void> direct = node.send(Address("1#127.0.0.1:4000"), Local{});
  Result<void> routed = node.send(ockam::Route(Address("1#127.0.0.1:4000")), Local{});
  CHECK(code_of(direct) == "WrongMessageType");
  REQUIRE_FALSE(routed);
  CHECK(direct.error().to_string() == routed.error().to_string());
  CHECK(node.stats().dropped == 0);
}

TEST_CASE("sending on an empty route fails with InvalidAddress") {
  ockam::Node node;
  ockam::Route empty{std::initializer_list<Address>{}};
  CHECK(empty.size() == 0);
  CHECK(code_of(node.send(empty, std::string("x"))) == "InvalidAddress");
}

TEST_CASE("receive with nothing arriving fails with Timeout, not before the timeout") {
  ockam::Node node;
  const auto start = std::chrono::steady_clock::now();
  CHECK(code_of(node.receive<std::string>(50ms)) == "Timeout");
  CHECK(std::chrono::steady_clock::now() - start >= 50ms);
  CHECK(code_of(node.context().receive<int>(50ms)) == "Timeout");
}

TEST_CASE("receive of another type fails with WrongMessageType naming the found type, and drops it") {
  struct IntSource : ockam::Worker<std::string> {
    Result<void> handle_message(Context& ctx, Routed<std::string>) override {
      CHECK_OK(ctx.send("app", 7));
      return ctx.send("app", std::string("after"));
    }
  };
  ockam_test::LogCapture logs;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("source", IntSource{}));
  REQUIRE_OK(node.send("source", std::string("go")));
  auto wrong = node.receive<std::string>(kWait);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(code_of(wrong) == "WrongMessageType");
  CHECK_MESSAGE(ockam_test::contains(wrong.error().message(), "int"), wrong.error().message());
  // The int is gone: the next receive gets the message behind it.
  auto next = node.receive<std::string>(kWait);
  REQUIRE_OK(next);
  CHECK(next.value().body() == "after");
  CHECK(node.stats().wrong_type == 1);
  CHECK(logs.matching({"app dropped a message", "int"}).size() == 1);
}

TEST_CASE("every operation after stop fails with NodeStopped") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(node.stop());
  CHECK(code_of(node.send("echoer", std::string("x"))) == "NodeStopped");
  CHECK(code_of(node.start_worker("other", Echoer{})) == "NodeStopped");
  CHECK(code_of(node.receive<std::string>(50ms)) == "NodeStopped");
  CHECK(code_of(node.receive<std::string>()) == "NodeStopped");
  CHECK(code_of(node.stop_worker("echoer")) == "NodeStopped");
  CHECK(code_of(node.context().send("echoer", std::string("x"))) == "NodeStopped");
}

TEST_CASE("sending from an address the context does not own fails with AccessDenied") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(node.start_worker("prober", Prober{}));
  CHECK(code_of(node.context().send_from_address("echoer", std::string("x"), Address("echoer"))) ==
        "AccessDenied");
  CHECK(probe(node, "send_from_foreign") == "AccessDenied");
  CHECK(probe(node, "send_from_app") == "AccessDenied");
}

TEST_CASE("receive on a worker's context fails with AccessDenied") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("prober", Prober{}));
  CHECK(probe(node, "receive") == "AccessDenied");
}

TEST_CASE("stopping the app worker fails with AccessDenied") {
  ockam::Node node;
  CHECK(code_of(node.stop_worker("app")) == "AccessDenied");
  REQUIRE_OK(node.start_worker("prober", Prober{}));
  CHECK(probe(node, "stop_app") == "AccessDenied");
  // The app still works.
  CHECK(probe(node, "send_unknown") == "AddressNotFound");
}

TEST_CASE("stopping the node from one of its workers fails with AccessDenied, and the node runs on") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("prober", Prober{}));
  CHECK(probe(node, "stop_node") == "AccessDenied");
  CHECK(probe(node, "send_unknown") == "AddressNotFound");
  CHECK_OK(node.stop());
}

TEST_CASE("an initialize that fails is logged as WorkerFailed, counted, and frees the address") {
  struct Broken : ockam::Worker<std::string> {
    Result<void> initialize(Context&) override {
      return ockam::Error(ockam::ErrorCode::WorkerFailed, "cannot initialize");
    }
    Result<void> handle_message(Context&, Routed<std::string>) override { return {}; }
  };
  ockam_test::LogCapture logs;
  ockam::Node node;
  CHECK(node.stats().worker_failures == 0);
  // start_worker is asynchronous: the failure shows up afterwards.
  CHECK_OK(node.start_worker("broken", Broken{}));
  REQUIRE_MESSAGE(logs.wait_for({"WorkerFailed"}), logs.dump());
  CHECK_MESSAGE(!logs.matching({"cannot initialize"}).empty(), logs.dump());
  CHECK(ockam_test::eventually([&] { return node.stats().worker_failures == 1; }));
  CHECK(ockam_test::eventually([&] { return node.worker_count() == 0; }));
  CHECK(ockam_test::eventually(
      [&] { return code_of(node.send("broken", std::string("x"))) == "AddressNotFound"; }));
  // The address is free again.
  REQUIRE_OK(node.start_worker("broken", Echoer{}));
  REQUIRE(ockam_test::echoed(node, "broken", "works now") == "works now");
  CHECK(node.stats().worker_failures == 1);
}

TEST_CASE("an initialize failure drops the messages queued for it, counted") {
  struct Broken : ockam::Worker<std::string> {
    Result<void> initialize(Context&) override {
      return ockam::Error(ockam::ErrorCode::AccessDenied, "no");
    }
    Result<void> handle_message(Context&, Routed<std::string>) override { return {}; }
  };
  ockam_test::LogCapture logs;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("broken", Broken{}));
  int accepted = 0;
  for (int i = 0; i < 5; ++i) accepted += node.send("broken", std::string("x")).has_value() ? 1 : 0;
  REQUIRE_MESSAGE(logs.wait_for({"WorkerFailed"}), logs.dump());
  // Whatever was accepted before the address went away is dropped, not lost.
  CHECK(ockam_test::eventually([&] { return node.stats().dropped == static_cast<uint64_t>(accepted); }));
}

TEST_CASE("a node refuses options that cannot work, naming the option") {
  auto with = [](auto set) {
    ockam::NodeOptions options;
    set(options);
    return options;
  };
  CHECK_THROWS_WITH_AS(ockam::Node(with([](auto& o) { o.max_batch = 0; })),
                       doctest::Contains("max_batch is 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ockam::Node(with([](auto& o) { o.mailbox_capacity = 0; })),
                       doctest::Contains("mailbox_capacity is 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ockam::Node(with([](auto& o) { o.stop_timeout = std::chrono::milliseconds(-1); })),
                       doctest::Contains("stop_timeout is negative"), std::invalid_argument);
  CHECK_NOTHROW(ockam::Node(with([](auto& o) { o.max_batch = 1; })));
}
