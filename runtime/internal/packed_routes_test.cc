#include "runtime/internal/packed_routes.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ockam::detail {
namespace {

Route route_of(const std::vector<std::string>& names) {
  std::vector<Address> addresses(names.begin(), names.end());
  return Route(addresses);
}

TEST_CASE("packed routes give back the routes they were given") {
  PackedRoutes packed;
  REQUIRE(packed.assign(Route{"h1", "1#127.0.0.1:4000", "echoer"}, Route{"x", "app"}));
  CHECK(packed.onward() == Route{"h1", "1#127.0.0.1:4000", "echoer"});
  CHECK(packed.ret() == Route{"x", "app"});
  CHECK(packed.onward_size() == 3);
  CHECK(packed.ret_size() == 2);
  CHECK(packed.next() == Address("h1"));
  CHECK(packed.ret_next() == Address("x"));
  CHECK(packed.next().hash() == Address("h1").hash());
}

TEST_CASE("a local send's routes fit in place") {
  PackedRoutes packed;
  REQUIRE(packed.assign(Route("counter"), Address("app")));
  CHECK(packed.bytes() == 14);
  CHECK(packed.bytes() <= PackedRoutes::kInline);
  CHECK(packed.ret() == Route("app"));
}

TEST_CASE("hop pops the first onward address and prepends the hop to the return route") {
  // Same-length names (in place), shorter, longer, and long enough to move to the heap.
  const std::vector<std::string> hops = {"aa", "bb", "c", "dddddddddddddddddddddd", std::string(300, 'e'), "f", "g"};
  std::vector<std::string> onward = hops;
  onward.push_back("end");
  PackedRoutes packed;
  REQUIRE(packed.assign(route_of(onward), Address("app")));
  std::vector<std::string> ret = {"app"};
  for (std::size_t i = 0; i < hops.size(); ++i) {
    // The worker at the first hop forwards as itself, or under another name.
    const std::string self = i % 2 == 0 ? hops[i] : hops[i] + "-other";
    REQUIRE(packed.hop(Address(self)));
    onward.erase(onward.begin());
    ret.insert(ret.begin(), self);
    CHECK(packed.onward() == route_of(onward));
    CHECK(packed.ret() == route_of(ret));
    CHECK(packed.ret_next() == Address(self));
    CHECK(packed.next() == Address(onward.front()));
  }
}

TEST_CASE("names of 255 bytes and more keep their length") {
  const std::string name255(255, 'x');
  const std::string name70000(70000, 'y');
  PackedRoutes packed;
  REQUIRE(packed.assign(Route{Address(name255), Address("z")}, Address(7, name255)));
  CHECK(packed.next() == Address(name255));
  CHECK(packed.ret_next() == Address(7, name255));
  CHECK(packed.ret_next().type() == 7);
  CHECK_FALSE(packed.assign(Route(Address(name70000)), Address("app")));  // past kMaxBytes
  CHECK(packed.next() == Address(name255));                             // unchanged
}

TEST_CASE("a return route grows to kMaxHops and no further") {
  std::vector<std::string> onward(PackedRoutes::kMaxHops, "h");
  PackedRoutes packed;
  REQUIRE(packed.assign(route_of(onward), Address("app")));
  std::size_t hops = 0;
  while (packed.onward_size() > 1 && packed.hop(Address("h"))) ++hops;
  CHECK(packed.ret_size() == PackedRoutes::kMaxHops);
  CHECK(hops == PackedRoutes::kMaxHops - 1);
  CHECK_FALSE(packed.hop(Address("h")));
  CHECK(packed.onward_size() == 1);
}

TEST_CASE("take moves the routes and leaves the source empty") {
  PackedRoutes a;
  REQUIRE(a.assign(Route{std::string(100, 'q'), "r"}, Address("app")));
  PackedRoutes b;
  REQUIRE(b.assign(Route("s"), Address("t")));
  b.take(a);
  CHECK(b.onward() == Route{std::string(100, 'q'), "r"});
  CHECK(a.onward_size() == 0);
  CHECK(a.ret_size() == 0);
  CHECK_FALSE(a.next().valid());
}

}  // namespace
}  // namespace ockam::detail
