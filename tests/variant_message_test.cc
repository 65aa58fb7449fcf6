// Several message types: a Worker<std::variant<A, B>> takes a body sent as
// an A or a B (or as the variant), its handler gets the variant holding it,
// and local delivery still moves the body, never copies it.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::code_of;
using ockam_test::kWait;

namespace {

struct Start {
  int depth = 0;
};
struct Stop {};
using Command = std::variant<Start, Stop, std::string>;

// Answers what it got: the alternative's index and a word about it.
struct Describer : ockam::Worker<Command> {
  Result<void> handle_message(Context& ctx, Routed<Command> msg) override {
    const Command& body = msg.body();
    std::string seen = std::to_string(body.index()) + ":";
    if (const auto* start = std::get_if<Start>(&body)) seen += "start " + std::to_string(start->depth);
    if (std::holds_alternative<Stop>(body)) seen += "stop";
    if (const auto* text = std::get_if<std::string>(&body)) seen += "text " + *text;
    return ctx.send(msg.return_route(), std::move(seen));
  }
};

std::string described(ockam::Node& node) {
  auto reply = node.receive<std::string>(kWait);
  return reply ? reply.value().body() : ockam_test::describe(reply);
}

}  // namespace

TEST_CASE("a variant worker gets each alternative sent as itself, and the variant sent whole") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("describer", Describer{}));
  REQUIRE_OK(node.send("describer", Start{3}));
  CHECK(described(node) == "0:start 3");
  REQUIRE_OK(node.send("describer", Stop{}));
  CHECK(described(node) == "1:stop");
  REQUIRE_OK(node.send("describer", std::string("hi")));
  CHECK(described(node) == "2:text hi");
  REQUIRE_OK(node.send("describer", Command(Stop{})));
  CHECK(described(node) == "1:stop");
  // From a worker: a child at a fresh address answers its parent, which
  // takes an int (from the app) or a string (the child's answer).
  struct Spawner : ockam::Worker<std::variant<int, std::string>> {
    ockam::Route app;
    Result<void> handle_message(Context& ctx, Routed<std::variant<int, std::string>> msg) override {
      if (const int* depth = std::get_if<int>(&msg.body())) {
        app = msg.return_route();
        Result<Address> child = ctx.start_worker(Describer{});
        if (!child) return child.error();
        return ctx.send(child.value(), Start{*depth});
      }
      return ctx.send(app, "via child: " + std::get<std::string>(msg.body()));
    }
  };
  REQUIRE_OK(node.start_worker("spawner", Spawner{}));
  REQUIRE_OK(node.send("spawner", 7));
  CHECK(described(node) == "via child: 0:start 7");
  CHECK(node.worker_count() == 3);
  CHECK(node.stats().wrong_type == 0);
}

TEST_CASE("local delivery moves an alternative into the variant and never copies it") {
  using Owned = std::variant<std::unique_ptr<int>, ockam_test::CopyCounter, ockam_test::NoCopy>;
  ockam_test::CopyCounter::reset();
  {
    ockam::Node node;
    REQUIRE_OK(node.start_worker("echo", ockam_test::BodyEcho<Owned>{}));  // answers with the variant
    auto owned = std::make_unique<int>(42);
    const int* original = owned.get();
    REQUIRE_OK(node.send("echo", std::move(owned)));
    auto reply = node.receive<Owned>(kWait);
    REQUIRE_OK(reply);
    Owned back = std::move(reply.value()).into_body();
    REQUIRE(std::holds_alternative<std::unique_ptr<int>>(back));
    CHECK(std::get<0>(back).get() == original);  // the same allocation, moved all the way
    for (int i = 0; i < 5; ++i) REQUIRE_OK(node.send("echo", ockam_test::CopyCounter(i)));
    for (int i = 0; i < 5; ++i) {
      auto counted = node.receive<Owned>(kWait);
      REQUIRE_OK(counted);
      REQUIRE(counted.value().body().index() == 1);
      CHECK(std::get<1>(counted.value().body()).value == i);
    }
    REQUIRE_OK(node.send("echo", ockam_test::NoCopy(9)));  // compiles: no path copies
    auto no_copy = node.receive<Owned>(kWait);
    REQUIRE_OK(no_copy);
    CHECK(std::get<2>(no_copy.value().body()).value == 9);
    CHECK_OK(node.stop());
  }
  CHECK(ockam_test::CopyCounter::copies.load() == 0);
}

TEST_CASE("a body of a type that is none of a variant worker's alternatives is counted as wrong_type, logged, and the worker goes on") {
  ockam_test::LogCapture logs;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("describer", Describer{}));
  (void)node.send("describer", 3.5);
  (void)node.send("describer", std::variant<Start, Stop>(Stop{}));  // another variant is another type
  REQUIRE_OK(node.send("describer", Start{1}));
  CHECK(described(node) == "0:start 1");  // in order: both were dealt with before
  CHECK(node.stats().wrong_type == 2);
  CHECK(node.stats().handler_errors == 0);
  REQUIRE_MESSAGE(logs.wait_for({"describer", "double", "std::variant"}), logs.dump());
}

TEST_CASE("forward from a variant hop passes the body on as the type it was sent as, the same allocation") {
  using IntOrPointer = std::variant<int, std::unique_ptr<int>>;
  struct Hop : ockam::Worker<IntOrPointer> {
    Result<void> handle_message(Context& ctx, Routed<IntOrPointer> msg) override { return ctx.forward(std::move(msg)); }
  };
  // A plain worker behind the hop: it takes a unique_ptr<int>, not the variant.
  struct PointerEcho : ockam::Worker<std::unique_ptr<int>> {
    Result<void> handle_message(Context& ctx, Routed<std::unique_ptr<int>> msg) override {
      return ctx.send(msg.return_route(), std::move(msg).into_body());
    }
  };
  ockam::Node node;
  REQUIRE_OK(node.start_worker("hop", Hop{}));
  REQUIRE_OK(node.start_worker("sink", PointerEcho{}));
  auto owned = std::make_unique<int>(5);
  const int* original = owned.get();
  REQUIRE_OK(node.send(ockam::Route{"hop", "sink"}, std::move(owned)));
  auto reply = node.receive<std::unique_ptr<int>>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body().get() == original);
  CHECK(*reply.value().body() == 5);
  // Sent as the variant, it goes on as the variant (which the sink does not take).
  REQUIRE_OK(node.send(ockam::Route{"hop", "sink"}, IntOrPointer(std::make_unique<int>(6))));
  CHECK(ockam_test::eventually([&] { return node.stats().wrong_type == 1; }));
}

TEST_CASE("the app's receive of a variant takes each alternative, and drops a body of another type") {
  struct Answers : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      if (msg.body() == 0) return ctx.send(msg.return_route(), std::string("zero"));
      if (msg.body() == 1) return ctx.send(msg.return_route(), 2.5);
      return ctx.send(msg.return_route(), msg.body());
    }
  };
  using Answer = std::variant<int, std::string>;
  ockam::Node node;
  REQUIRE_OK(node.start_worker("answers", Answers{}));
  REQUIRE_OK(node.send("answers", 0));
  auto text = node.receive<Answer>(kWait);
  REQUIRE_OK(text);
  CHECK(std::get<std::string>(text.value().body()) == "zero");
  CHECK(text.value().src_addr() == Address("answers"));
  REQUIRE_OK(node.send("answers", 7));
  auto number = node.receive<Answer>(kWait);
  REQUIRE_OK(number);
  CHECK(std::get<int>(number.value().body()) == 7);
  REQUIRE_OK(node.send("answers", 1));
  auto other = node.receive<Answer>(kWait);
  CHECK(code_of(other) == "WrongMessageType");
  if (!other) CHECK(ockam_test::contains(other.error().message(), "double"));
  CHECK(node.stats().wrong_type == 1);
}

namespace {

// A small Skynet (bench/ockam_workloads.cc has the full one): each worker
// starts 10 children at fresh addresses down to `size` 1, and answers the
// sum of its leaves' numbers.
struct Sum {
  std::int64_t value = 0;
};
struct Spawn {
  std::int64_t number = 0;
  std::int64_t size = 0;
};
struct Tree : ockam::Worker<std::variant<Spawn, Sum>> {
  ockam::Route parent;
  std::int64_t sum = 0;
  int waiting = 0;
  Result<void> handle_message(Context& ctx, Routed<std::variant<Spawn, Sum>> msg) override {
    if (const Spawn* spawn = std::get_if<Spawn>(&msg.body())) {
      if (spawn->size == 1) {
        if (Result<void> r = ctx.send(msg.return_route(), Sum{spawn->number}); !r) return r;
        return ctx.stop_worker(ctx.address());
      }
      parent = msg.return_route();
      const std::int64_t child_size = spawn->size / 10;
      for (int i = 0; i < 10; ++i) {
        Result<Address> child = ctx.start_worker(Tree{});
        if (!child) return child.error();
        if (Result<void> r = ctx.send(child.value(), Spawn{spawn->number + i * child_size, child_size}); !r) return r;
      }
      waiting = 10;
      return {};
    }
    sum += std::get<Sum>(msg.body()).value;
    if (--waiting > 0) return {};
    if (Result<void> r = ctx.send(parent, Sum{sum}); !r) return r;
    return ctx.stop_worker(ctx.address());
  }
};

}  // namespace

TEST_CASE("a tree of workers started at fresh addresses with variant messages sums its leaves (a small Skynet)") {
  ockam::Node node;
  Result<Address> root = node.start_worker(Tree{});
  REQUIRE_OK(root);
  REQUIRE_OK(node.send(root.value(), Spawn{0, 10000}));  // 11,111 workers
  auto total = node.receive<Sum>(kWait);
  REQUIRE_OK(total);
  CHECK(total.value().body().value == 49995000);  // 0 + 1 + ... + 9999
  CHECK(ockam_test::eventually([&] { return node.worker_count() == 0; }));
  CHECK(node.stats().handler_errors == 0);
  CHECK(node.stats().wrong_type == 0);
}
