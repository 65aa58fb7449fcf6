// Address keeps short names inline and long ones on the heap; copies and
// moves must keep both exact.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "runtime/address.h"
#include "runtime/route.h"

using ockam::Address;

TEST_CASE("names on both sides of the inline limit survive copy, move and assignment") {
  for (std::size_t len : {0u, 1u, 20u, 21u, 22u, 23u, 24u, 100u}) {
    CAPTURE(len);
    const std::string name(len, 'x');
    Address original = len == 0 ? Address("") : Address(name);
    CHECK(original.name() == name);
    CHECK(original.valid() == (len > 0));

    Address copy = original;
    CHECK(copy == original);
    CHECK(copy.name() == name);
    CHECK(copy.hash() == original.hash());

    Address moved = std::move(copy);
    CHECK(moved == original);
    CHECK(moved.name() == name);

    Address assigned("short");
    assigned = original;
    CHECK(assigned == original);
    Address move_assigned(std::string(40, 'y'));
    move_assigned = std::move(assigned);
    CHECK(move_assigned == original);
    move_assigned = move_assigned;  // self-assignment keeps the name
    CHECK(move_assigned.name() == name);
  }
}

TEST_CASE("a long transport address prints with its type and compares by type and name") {
  const std::string host = "a-rather-long-host-name.example.org:4000";
  Address tcp("1#" + host);
  CHECK(tcp.valid());
  CHECK(tcp.type() == 1);
  CHECK(tcp.name() == host);
  CHECK(tcp.to_string() == "1#" + host);
  CHECK_FALSE(tcp == Address(host));  // same name, local type
}

TEST_CASE("routes of long addresses grow past their inline hops and keep order") {
  std::vector<Address> hops;
  for (int i = 0; i < 6; ++i) hops.emplace_back("hop-with-a-long-enough-name-" + std::to_string(i));
  ockam::Route route(hops);
  ockam::Route copy = route;
  copy.prepend(Address("front"));
  CHECK(copy.size() == 7);
  CHECK(copy.next() == Address("front"));
  CHECK(copy.pop_front() == Address("front"));
  CHECK(copy == route);
  CHECK(route.recipient() == hops.back());
}
