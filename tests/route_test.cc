#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Address;
using ockam::Route;
using ockam_test::str;

TEST_CASE("a route built from a list keeps its order: next is the first, recipient the last") {
  Route route = {"h1", "h2", "echoer"};
  CHECK(route.size() == 3);
  CHECK(route.next() == Address("h1"));
  CHECK(route.recipient() == Address("echoer"));
}

TEST_CASE("a route prints its addresses joined with ->") {
  Route route = {"h1", "h2", "echoer"};
  CHECK(str(route) == "h1 -> h2 -> echoer");
  Route mixed = {Address("h1"), Address("1#127.0.0.1:4000"), Address("echoer")};
  CHECK(str(mixed) == "h1 -> 1#127.0.0.1:4000 -> echoer");
}

TEST_CASE("a single address in any spelling converts to a one-hop route") {
  auto check_single = [](const Route& route) {
    CHECK(route.size() == 1);
    CHECK(route.next() == Address("echoer"));
    CHECK(route.recipient() == Address("echoer"));
    CHECK(str(route) == "echoer");
  };
  check_single("echoer");
  check_single(std::string("echoer"));
  check_single(std::string_view("echoer"));
  check_single(Address("echoer"));
  Route assigned = "echoer";
  check_single(assigned);
}

TEST_CASE("a route is a value: a copy is unaffected by the original going away") {
  Route copy = "x";
  {
    Route original = {"a", "b"};
    copy = original;
  }
  CHECK(copy.size() == 2);
  CHECK(str(copy) == "a -> b");
}

TEST_CASE("a long route keeps every hop") {
  // Routes have a small inline buffer; going past it must not lose hops.
  Route route = {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"};
  CHECK(route.size() == 12);
  CHECK(route.next() == Address("a0"));
  CHECK(route.recipient() == Address("a11"));
  CHECK(str(route) == "a0 -> a1 -> a2 -> a3 -> a4 -> a5 -> a6 -> a7 -> a8 -> a9 -> a10 -> a11");
}
