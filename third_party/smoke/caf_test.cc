// //third_party:caf: CAF 0.17 actor system, request/response round trip.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include <string>

#if defined(__SANITIZE_THREAD__)
// Debian's libcaf_core is not built with -fsanitize=thread, so TSan cannot see
// the synchronisation of CAF's scheduler (the same problem as Debian's libtbb)
// and reports races between the actor's state set up here and its first run
// on a CAF worker thread. Ignore reports that have a frame inside the CAF
// libraries; everything else is still reported. (CAF is only used by bench/,
// which is not run under sanitizers.)
extern "C" const char* __tsan_default_suppressions() {
  return "race:libcaf_core.so\n"
         "race:libcaf_io.so\n";
}
#endif

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
