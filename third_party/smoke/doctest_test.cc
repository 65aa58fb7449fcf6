// //third_party:doctest and :doctest_main: assertions, subcases, exceptions.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {
int g_subcase_runs = 0;
}  // namespace

TEST_CASE("subcases each start from the same setup") {
  ++g_subcase_runs;  // doctest re-enters the body once per leaf subcase
  std::vector<int> v{1, 2, 3};
  SUBCASE("push") {
    v.push_back(4);
    CHECK(v.size() == 4);
  }
  SUBCASE("pop") {
    v.pop_back();
    CHECK(v.size() == 2);
  }
  CHECK(v.front() == 1);
}

TEST_CASE("exceptions") {
  CHECK_THROWS_AS(throw std::runtime_error("boom"), std::runtime_error);
  CHECK_NOTHROW((void)std::string("ok"));
}

// doctest runs test cases in file/line order by default, so this runs last.
TEST_CASE("the subcase body above was entered once per subcase") {
  CHECK(g_subcase_runs == 2);
}
