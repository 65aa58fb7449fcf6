// //third_party:caf: CAF 0.17 actor system, request/response round trip.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include <string>

// Under --config=tsan, //third_party:caf links :tsan_suppressions: Debian's
// CAF is not TSan-instrumented, so its scheduler's synchronisation is
// invisible to TSan.

namespace {

caf::behavior adder(caf::event_based_actor*) {
  return {
      [](int a, int b) { return a + b; },
      [](const std::string& s) { return s + s; },
  };
}

}  // namespace

TEST_CASE("spawn an actor and get replies") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto a = sys.spawn(adder);
  caf::scoped_actor self{sys};

  int sum = 0;
  bool failed = false;
  self->request(a, caf::infinite, 40, 2)
      .receive([&](int r) { sum = r; }, [&](caf::error&) { failed = true; });
  CHECK_FALSE(failed);
  CHECK(sum == 42);

  std::string twice;
  self->request(a, caf::infinite, std::string("ab"))
      .receive([&](const std::string& r) { twice = r; }, [&](caf::error&) { failed = true; });
  CHECK_FALSE(failed);
  CHECK(twice == "abab");
  self->send_exit(a, caf::exit_reason::user_shutdown);
}
