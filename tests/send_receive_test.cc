#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>
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
using ockam_test::str;

namespace {


// Replies with what it saw of the message's routing, as text.
struct RouteReporter : ockam::Worker<int> {
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    std::string seen = "onward=" + str(msg.onward_route()) + " return=" + str(msg.return_route()) +
                       " src=" + str(msg.src_addr()) + " dst=" + str(msg.dst_addr()) +
                       " self=" + str(ctx.address());
    return ctx.send(msg.return_route(), std::move(seen));
  }
};

}  // namespace

TEST_CASE("the seed's echoer sends Hello Ockam! back to the app") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE(ockam_test::echoed(node, "echoer", "Hello Ockam!") == "Hello Ockam!");
  CHECK_OK(node.stop());
}

TEST_CASE("send accepts the destination as a C string, std::string, string_view, Address or Route") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker(Address("echoer"), Echoer{}));
  std::string as_string = "echoer";
  std::string_view as_view = "echoer";
  CHECK_OK(node.send("echoer", std::string("1")));
  CHECK_OK(node.send(as_string, std::string("2")));
  CHECK_OK(node.send(as_view, std::string("3")));
  CHECK_OK(node.send(Address("echoer"), std::string("4")));
  CHECK_OK(node.send(ockam::Route{"echoer"}, std::string("5")));
  for (const char* expected : {"1", "2", "3", "4", "5"}) {
    auto reply = node.receive<std::string>(kWait);
    REQUIRE_OK(reply);
    CHECK(reply.value().body() == expected);
  }
}

TEST_CASE("a message from the app carries return route app, and src/dst match the routes") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("reporter", RouteReporter{}));
  REQUIRE_OK(node.send("reporter", 1));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "onward=reporter return=app src=app dst=reporter self=reporter");
  // The reply itself came from the reporter, to the app.
  CHECK(reply.value().src_addr() == Address("reporter"));
  CHECK(reply.value().dst_addr() == Address("app"));
  CHECK(str(reply.value().return_route()) == "reporter");
  CHECK(reply.value().onward_route().next() == reply.value().dst_addr());
  CHECK(reply.value().return_route().next() == reply.value().src_addr());
}

// Context::send has an overload for an Address (no Route built): it must
// pack the same routes as the Route overload, for short names (the packed
// fast path) and long ones (the general path).
TEST_CASE("a send to an Address carries the same routes as a send on its one-hop Route") {
  // Reports what it saw to the app (not on the return route: the relay's).
  struct Reporter : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      return ctx.send("app", "onward=" + str(msg.onward_route()) + " return=" + str(msg.return_route()) +
                                 " src=" + str(msg.src_addr()) + " dst=" + str(msg.dst_addr()));
    }
  };
  struct Relay : ockam::Worker<int> {
    Address to;
    explicit Relay(Address t) : to(std::move(t)) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      if (msg.body() == 0) return ctx.send(to, 1);  // the Address overload
      return ctx.send(ockam::Route(to), 1);
    }
  };
  const std::string long_name(40, 'r');  // past the inline fast path of PackedRoutes
  for (const std::string& name : {std::string("reporter"), long_name}) {
    ockam::Node node;
    REQUIRE_OK(node.start_worker(Address(name), Reporter{}));
    REQUIRE_OK(node.start_worker(Address(name + "-relay"), Relay{Address(name)}));
    const std::string from_relay = "onward=" + name + " return=" + name + "-relay src=" + name + "-relay dst=" + name;
    for (int how : {0, 1}) {
      REQUIRE_OK(node.send(Address(name + "-relay"), how));
      auto reply = node.receive<std::string>(kWait);
      REQUIRE_OK(reply);
      CHECK(reply.value().body() == from_relay);
    }
    REQUIRE_OK(node.send(Address(name), 1));  // the app's Address overload
    auto reply = node.receive<std::string>(kWait);
    REQUIRE_OK(reply);
    CHECK(reply.value().body() == "onward=" + name + " return=app src=app dst=" + name);
  }
}

TEST_CASE("messages from one sender to one address arrive in the order sent, both ways") {
  struct Recorder : ockam::Worker<int> {
    std::vector<int>* seen;
    explicit Recorder(std::vector<int>* s) : seen(s) {}
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      seen->push_back(msg.body());
      return ctx.send(msg.return_route(), msg.body());
    }
  };
  std::vector<int> seen;
  const int count = 2000;
  {
    ockam::Node node;
    REQUIRE_OK(node.start_worker("recorder", Recorder{&seen}));
    for (int i = 0; i < count; ++i) REQUIRE_OK(node.send("recorder", i));
    for (int i = 0; i < count; ++i) {
      auto reply = node.receive<int>(kWait);
      REQUIRE_OK(reply);
      REQUIRE(reply.value().body() == i);
    }
    CHECK_OK(node.stop());
  }
  REQUIRE(seen.size() == count);
  for (int i = 0; i < count; ++i) REQUIRE(seen[i] == i);
}

TEST_CASE("a move-only body travels to the worker and back without being reallocated") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echo", ockam_test::BodyEcho<std::unique_ptr<int>>{}));
  auto body = std::make_unique<int>(99);
  const int* original = body.get();
  REQUIRE_OK(node.send("echo", std::move(body)));
  auto reply = node.receive<std::unique_ptr<int>>(kWait);
  REQUIRE_OK(reply);
  std::unique_ptr<int> back = std::move(reply.value()).into_body();
  REQUIRE(back != nullptr);
  CHECK(*back == 99);
  CHECK(back.get() == original);
}

TEST_CASE("a body whose copy constructor is deleted can be sent and received") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echo", ockam_test::BodyEcho<ockam_test::NoCopy>{}));
  REQUIRE_OK(node.send("echo", ockam_test::NoCopy(5)));
  auto reply = node.receive<ockam_test::NoCopy>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body().value == 5);
}

TEST_CASE("local delivery never copies a body, only moves it") {
  ockam_test::CopyCounter::reset();
  {
    ockam::Node node;
    REQUIRE_OK(node.start_worker("echo", ockam_test::BodyEcho<ockam_test::CopyCounter>{}));
    for (int i = 0; i < 10; ++i) REQUIRE_OK(node.send("echo", ockam_test::CopyCounter(i)));
    for (int i = 0; i < 10; ++i) {
      auto reply = node.receive<ockam_test::CopyCounter>(kWait);
      REQUIRE_OK(reply);
      CHECK(reply.value().body().value == i);
    }
    CHECK_OK(node.stop());
  }
  CHECK(ockam_test::CopyCounter::copies.load() == 0);
  CHECK(ockam_test::CopyCounter::moves.load() > 0);
}

TEST_CASE("receive with a short timeout and nothing to receive returns Timeout") {
  ockam::Node node;
  auto result = node.receive<std::string>(50ms);
  CHECK(code_of(result) == "Timeout");
  // The app can still receive afterwards.
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE(ockam_test::echoed(node, "echoer", "later") == "later");
}

TEST_CASE("receive of the wrong type names the found type and consumes it, so a stray message never blocks the app") {
  ockam_test::LogCapture logs(false);
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(node.send("echoer", std::string("typed")));
  auto wrong = node.receive<int>(kWait);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(code_of(wrong) == "WrongMessageType");
  CHECK_MESSAGE(ockam_test::contains(wrong.error().message(), "string"), wrong.error().message());
  CHECK(code_of(node.receive<std::string>(50ms)) == "Timeout");
  CHECK(ockam_test::echoed(node, "echoer", "next") == "next");
  CHECK(node.stats().wrong_type == 1);
}

TEST_CASE("receive<Any> takes a message of any type") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(node.send("echoer", std::string("typed")));
  auto any = node.receive<ockam::Any>(kWait);
  REQUIRE_OK(any);
  REQUIRE(any.value().body().get_if<std::string>() != nullptr);
  CHECK(*any.value().body().get_if<std::string>() == "typed");
}

TEST_CASE("a receive timeout too large to add to the clock waits instead of returning at once") {
  struct LateReply : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override { return ctx.send(msg.return_route(), msg.body()); }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("late", LateReply{}));
  REQUIRE_OK(node.send("late", 5));
  auto reply = node.receive<int>(std::chrono::milliseconds::max());
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 5);
  CHECK(code_of(node.receive<int>(std::chrono::milliseconds::min())) == "Timeout");
}

TEST_CASE("the receive timeout from NodeOptions applies to receive() without an argument") {
  ockam::NodeOptions options;
  options.receive_timeout = 50ms;
  ockam::Node node(options);
  CHECK(code_of(node.receive<int>()) == "Timeout");
}

TEST_CASE("a worker can send to another worker and get the reply on its own address") {
  // The asker forwards the answerer's reply to the app, with what it saw.
  struct Answerer : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      return ctx.send(msg.return_route(), msg.body() * 2);
    }
  };
  struct Asker : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      if (msg.src_addr() == Address("app")) return ctx.send("answerer", msg.body());
      return ctx.send("app", "from " + str(msg.src_addr()) + " to " + str(msg.dst_addr()) + ": " +
                                 std::to_string(msg.body()));
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("answerer", Answerer{}));
  REQUIRE_OK(node.start_worker("asker", Asker{}));
  REQUIRE_OK(node.send("asker", 21));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "from answerer to asker: 42");
}

TEST_CASE("send_from_address sends with the chosen own address as return route") {
  // Takes every type: an int from the app starts the exchange from "second",
  // the reporter's text answer comes back on "second" and goes on to the app.
  struct TwoFaced : ockam::Worker<ockam::Any> {
    Result<void> handle_message(Context& ctx, Routed<ockam::Any> msg) override {
      if (const int* number = msg.body().get_if<int>()) {
        return ctx.send_from_address("reporter", *number, Address("second"));
      }
      if (const std::string* text = msg.body().get_if<std::string>()) {
        return ctx.send("app", "at " + str(msg.dst_addr()) + " self=" + str(ctx.address()) + ": " +
                                   *text);
      }
      return ockam::Error(ockam::ErrorCode::WrongMessageType, "unexpected body");
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("reporter", RouteReporter{}));
  REQUIRE_OK(node.start_worker(std::vector<Address>{"first", "second"}, TwoFaced{}));
  REQUIRE_OK(node.send("first", 3));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() ==
        "at second self=first: onward=reporter return=second src=second dst=reporter self=reporter");
}

TEST_CASE("the app can send_from_address its own address") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("reporter", RouteReporter{}));
  REQUIRE_OK(node.context().send_from_address("reporter", 1, Address("app")));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "onward=reporter return=app src=app dst=reporter self=reporter");
}

TEST_CASE("a handler can start new workers and reach the node through its context") {
  struct Spawner : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      for (int i = 0; i < msg.body(); ++i) {
        auto started = ctx.start_worker("child" + std::to_string(i), Echoer{});
        if (!started) return started;
      }
      return ctx.send(msg.return_route(), static_cast<int>(ctx.node().worker_count()));
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("spawner", Spawner{}));
  REQUIRE_OK(node.send("spawner", 3));
  auto reply = node.receive<int>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == 4);
  CHECK(node.worker_count() == 4);
  REQUIRE(ockam_test::echoed(node, "child2", "hi") == "hi");
}

TEST_CASE("a worker can live at a random address") {
  ockam::Node node;
  Address address = Address::random();
  REQUIRE_OK(node.start_worker(address, Echoer{}));
  REQUIRE_OK(node.send(address, std::string("anonymous")));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "anonymous");
  CHECK(reply.value().src_addr() == address);
}

TEST_CASE("a worker at a long address is reached by that exact address only") {
  ockam::Node node;
  const std::string name(200, 'n');
  REQUIRE_OK(node.start_worker(name, Echoer{}));
  CHECK(code_of(node.send(name.substr(1), std::string("x"))) == "AddressNotFound");
  REQUIRE_OK(node.send(name, std::string("long")));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "long");
  CHECK(reply.value().src_addr() == Address(name));
}
