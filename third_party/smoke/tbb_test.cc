// //third_party:tbb works: tasks really run, on more than the calling thread
// when there is more than one core, and parallel algorithms compute right.
#include <doctest/doctest.h>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/task_group.h>
#include <oneapi/tbb/version.h>

#include <atomic>
#include <cstdint>
#include <vector>

TEST_CASE("oneTBB headers and library agree on the version") {
  CHECK(TBB_runtime_interface_version() == TBB_INTERFACE_VERSION);
}

TEST_CASE("task_group runs every task exactly once") {
  constexpr int kTasks = 10000;
  std::vector<int> hits(kTasks, 0);  // each slot written by exactly one task
  std::atomic<int> counter{0};
  tbb::task_group tg;
  for (int i = 0; i < kTasks; ++i) {
    tg.run([&hits, &counter, i] {
      hits[i] += 1;
      counter.fetch_add(1, std::memory_order_relaxed);
    });
  }
  CHECK(tg.wait() == tbb::task_group_status::complete);
  CHECK(counter.load() == kTasks);
  int ones = 0;
  for (int h : hits) ones += (h == 1);
  CHECK(ones == kTasks);
}

TEST_CASE("parallel_reduce sums 1..n") {
  constexpr std::int64_t n = 1'000'000;
  std::int64_t sum = tbb::parallel_reduce(
      tbb::blocked_range<std::int64_t>(1, n + 1), std::int64_t{0},
      [](const tbb::blocked_range<std::int64_t>& r, std::int64_t acc) {
        for (auto i = r.begin(); i != r.end(); ++i) acc += i;
        return acc;
      },
      [](std::int64_t a, std::int64_t b) { return a + b; });
  CHECK(sum == n * (n + 1) / 2);
}
