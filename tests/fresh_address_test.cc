// start_worker(worker): the node picks the address. Fresh addresses are
// distinct (under concurrency too), reachable, of the reserved form, and no
// one can start a worker at an address of that form.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "runtime/ockam.h"
#include "tests/stress.h"
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

bool reserved_form(const Address& a) {
  const std::string_view name = a.name();
  if (!a.is_local() || name.size() < 2 || name.size() > 17 || name[0] != '~') return false;
  for (char c : name.substr(1)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return name.size() == 2 || name[1] != '0';  // no leading zeros
}

// Every address started, from any thread.
class Collected {
 public:
  void add(const Address& a) {
    std::lock_guard lock(mu_);
    all_.push_back(a);
  }
  std::vector<Address> all() {
    std::lock_guard lock(mu_);
    return all_;
  }

 private:
  std::mutex mu_;
  std::vector<Address> all_;
};

// Counts the ints it is sent.
struct Tally : ockam::Worker<int> {
  std::atomic<std::size_t>* handled;
  explicit Tally(std::atomic<std::size_t>* h) : handled(h) {}
  Result<void> handle_message(Context&, Routed<int>) override {
    handled->fetch_add(1);
    return {};
  }
};

// On n, starts n Tally children at fresh addresses, records them, and
// answers n once they are all started.
struct Parent : ockam::Worker<int> {
  Collected* collected;
  std::atomic<std::size_t>* handled;
  Parent(Collected* c, std::atomic<std::size_t>* h) : collected(c), handled(h) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    for (int i = 0; i < msg.body(); ++i) {
      Result<Address> child = ctx.start_worker(Tally{handled});
      if (!child) return child.error();
      collected->add(child.value());
    }
    return ctx.send(msg.return_route(), msg.body());
  }
};

}  // namespace

TEST_CASE("start_worker(worker) starts it at a fresh local address of the reserved form and returns that address") {
  ockam::Node node;
  Result<Address> a = node.start_worker(Echoer{});
  REQUIRE_OK(a);
  CHECK_MESSAGE(reserved_form(a.value()), a.value().to_string());
  CHECK(ockam_test::echoed(node, a.value(), "fresh") == "fresh");
  Result<Address> b = node.start_worker(Echoer{}, ockam::WorkerOptions{});
  REQUIRE_OK(b);
  CHECK(b.value() != a.value());
  CHECK(node.worker_count() == 2);
  CHECK_OK(node.stop_worker(a.value()));
  CHECK(code_of(node.send(a.value(), std::string("gone"))) == "AddressNotFound");
  CHECK_OK(node.stop());
}

TEST_CASE("a handler's start_worker(worker) gives each child its own fresh address, reachable by its parent and the app") {
  ockam::Node node;
  Collected collected;
  std::atomic<std::size_t> handled{0};
  REQUIRE_OK(node.start_worker("parent", Parent{&collected, &handled}));
  REQUIRE_OK(node.send("parent", 10));
  REQUIRE_OK(node.receive<int>(kWait));
  const std::vector<Address> children = collected.all();
  REQUIRE(children.size() == 10);
  for (const Address& child : children) {
    CHECK(reserved_form(child));
    REQUIRE_OK(node.send(child, 1));
  }
  CHECK(ockam_test::eventually([&] { return handled.load() == 10; }));
  CHECK(node.worker_count() == 11);
}

TEST_CASE("start_worker(worker, options) applies the options") {
  ockam::Node node;
  ockam::WorkerOptions options;
  options.incoming = ockam::AccessPolicy::deny_all();
  Result<Address> a = node.start_worker(Echoer{}, options);
  REQUIRE_OK(a);
  CHECK(code_of(node.send(a.value(), std::string("x"))) == "AccessDenied");
}

TEST_CASE("fresh addresses stay distinct while many threads and workers start workers at once") {
  const std::size_t threads = 4;
  const std::size_t per_thread = ockam_test::stress_size(5000);
  const std::size_t parents = 8;
  const int per_parent = static_cast<int>(ockam_test::stress_size(2500));
  ockam::NodeOptions options;
  options.threads = 4;
  ockam::Node node(options);
  Collected collected;
  std::atomic<std::size_t> handled{0};
  for (std::size_t p = 0; p < parents; ++p) {
    REQUIRE_OK(node.start_worker("parent" + std::to_string(p), Parent{&collected, &handled}));
  }
  std::atomic<std::size_t> failures{0};
  std::vector<std::thread> starters;
  ockam_test::Gate go;
  for (std::size_t t = 0; t < threads; ++t) {
    starters.emplace_back([&] {
      if (!go.wait()) {
        failures.fetch_add(1);
        return;
      }
      for (std::size_t i = 0; i < per_thread; ++i) {
        Result<Address> a = node.start_worker(Tally{&handled});
        if (!a) {
          failures.fetch_add(1);
          continue;
        }
        collected.add(a.value());
      }
    });
  }
  // The parents start their children on the pool while the threads start theirs.
  for (std::size_t p = 0; p < parents; ++p) REQUIRE_OK(node.send("parent" + std::to_string(p), per_parent));
  go.open();
  for (auto& t : starters) t.join();
  for (std::size_t p = 0; p < parents; ++p) REQUIRE_OK(node.receive<int>(kWait));
  REQUIRE(failures.load() == 0);

  const std::vector<Address> all = collected.all();
  const std::size_t expected = threads * per_thread + parents * static_cast<std::size_t>(per_parent);
  REQUIRE(all.size() == expected);
  std::unordered_set<Address> distinct(all.begin(), all.end());
  CHECK(distinct.size() == expected);
  std::size_t malformed = 0;
  for (const Address& a : all) malformed += reserved_form(a) ? 0 : 1;
  CHECK(malformed == 0);
  CHECK(node.worker_count() == expected + parents);
  // Each address reaches a worker of its own: one message each, each handled once.
  for (const Address& a : all) REQUIRE_OK(node.send(a, 1));
  CHECK(ockam_test::eventually([&] { return handled.load() == expected; }));
  CHECK_OK(node.stop());
  CHECK(handled.load() == expected);
  CHECK(node.stats().dropped == 0);
}

TEST_CASE("two nodes in one process never hand out the same fresh address") {
  ockam::Node one, two;
  std::unordered_set<Address> seen;
  for (int i = 0; i < 100; ++i) {
    Result<Address> a = one.start_worker(Echoer{});
    Result<Address> b = two.start_worker(Echoer{});
    REQUIRE_OK(a);
    REQUIRE_OK(b);
    CHECK(seen.insert(a.value()).second);
    CHECK(seen.insert(b.value()).second);
  }
}

TEST_CASE("start_worker at an address of the reserved form fails with InvalidAddress, so no one takes a future fresh address") {
  ockam::Node node;
  for (const char* name : {"~0", "~1", "~ffffffffffffffff", "~", "~user", "~~"}) {
    auto r = node.start_worker(name, Echoer{});
    CHECK_MESSAGE(code_of(r) == "InvalidAddress", name);
    if (!r) CHECK(ockam_test::contains(r.error().message(), "reserved"));
  }
  // In a list, the whole start fails and claims nothing.
  CHECK(code_of(node.start_worker(std::vector<Address>{"mine", "~2a"}, Echoer{})) == "InvalidAddress");
  CHECK(code_of(node.send("mine", std::string("x"))) == "AddressNotFound");
  // A fresh address that is free again (its worker stopped) is not up for grabs either.
  Result<Address> fresh = node.start_worker(Echoer{});
  REQUIRE_OK(fresh);
  REQUIRE_OK(node.stop_worker(fresh.value()));
  CHECK(code_of(node.start_worker(fresh.value(), Echoer{})) == "InvalidAddress");
  // Nor from a worker's context.
  struct Squatter : ockam::Worker<int> {
    Result<void> handle_message(Context& ctx, Routed<int> msg) override {
      return ctx.send(msg.return_route(), code_of(ctx.start_worker("~3", Echoer{})));
    }
  };
  REQUIRE_OK(node.start_worker("squatter", Squatter{}));
  REQUIRE_OK(node.send("squatter", 0));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "InvalidAddress");
  // Only the leading '~' is reserved, and only for local addresses.
  CHECK_OK(node.start_worker("a~b", Echoer{}));
  CHECK_OK(node.start_worker("tilde~", Echoer{}));
}

TEST_CASE("start_worker(worker) on a stopped node fails with NodeStopped") {
  ockam::Node node;
  REQUIRE_OK(node.stop());
  CHECK(code_of(node.start_worker(Echoer{})) == "NodeStopped");
}
