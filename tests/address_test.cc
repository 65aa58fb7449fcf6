#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <unordered_set>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Address;
using ockam_test::str;

TEST_CASE("an address can be spelled as a C string, std::string, string_view or Address") {
  const char* c_string = "echoer";
  std::string string = "echoer";
  std::string_view view = "echoer";
  CHECK(Address(c_string) == Address(string));
  CHECK(Address(string) == Address(view));
  CHECK(Address(view) == Address(Address("echoer")));
}

TEST_CASE("different names are different addresses") {
  CHECK_FALSE(Address("a") == Address("b"));
  CHECK_FALSE(Address("echoer") == Address("echoer2"));
}

TEST_CASE("a local address prints as its bare name") {
  CHECK(Address("echoer").to_string() == "echoer");
  CHECK(str(Address("echoer")) == "echoer");
}

TEST_CASE("a transport address keeps its type and prints as type#name") {
  Address remote("1#127.0.0.1:4000");
  CHECK(remote.to_string() == "1#127.0.0.1:4000");
  CHECK(str(remote) == "1#127.0.0.1:4000");
  // The same name on another transport is another address.
  CHECK_FALSE(remote == Address("127.0.0.1:4000"));
  CHECK_FALSE(remote == Address("2#127.0.0.1:4000"));
}

TEST_CASE("equal addresses hash alike, so addresses work as unordered keys") {
  std::hash<Address> hash;
  CHECK(hash(Address("echoer")) == hash(Address(std::string("echoer"))));
  std::unordered_set<Address> set;
  set.insert(Address("a"));
  set.insert(Address(std::string("a")));
  set.insert(Address("b"));
  set.insert(Address("1#b"));
  CHECK(set.size() == 3);
  CHECK(set.count(Address("1#b")) == 1);
}

TEST_CASE("random addresses are non-empty and distinct") {
  std::unordered_set<Address> seen;
  for (int i = 0; i < 1000; ++i) {
    Address address = Address::random();
    CHECK_FALSE(address.to_string().empty());
    seen.insert(address);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("an address is a value: copies compare equal and survive the original") {
  Address copy("placeholder");
  {
    std::string name = "temporary-name";
    Address original(name);
    copy = original;
    name.assign("changed");
  }
  CHECK(copy == Address("temporary-name"));
}

TEST_CASE("long names are kept whole, compared and hashed by their full text") {
  std::string long_name(300, 'x');
  std::string other = long_name;
  other.back() = 'y';
  CHECK(Address(long_name).to_string() == long_name);
  CHECK(Address(long_name) == Address(std::string(300, 'x')));
  CHECK_FALSE(Address(long_name) == Address(other));
  CHECK(Address("1#" + long_name).to_string() == "1#" + long_name);
  std::unordered_set<Address> set{Address(long_name), Address(other), Address(long_name)};
  CHECK(set.size() == 2);
}
