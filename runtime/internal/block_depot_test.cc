// BlockDepot (block_depot.h): its two invariants, bounded and conserved,
// single-threaded and with threads putting and taking at once (run under
// ThreadSanitizer like every test). The "blocks" are distinct integers cast
// to pointers: the depot never touches what they point to.
#include "runtime/internal/block_depot.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kDepth = 4;
constexpr std::size_t kSlots = 3;
using Depot = ockam::detail::BlockDepot<kDepth, kSlots>;

void* block(std::uintptr_t id) { return reinterpret_cast<void*>(id); }
std::uintptr_t id_of(void* p) { return reinterpret_cast<std::uintptr_t>(p); }

Depot::Magazine magazine(std::uintptr_t first) {
  Depot::Magazine m;
  for (std::size_t i = 0; i < kDepth; ++i) m[i] = block(first + i);
  return m;
}

}  // namespace

TEST_CASE("a depot keeps at most kSlots magazines and gives each back once, whole") {
  Depot depot;
  Depot::Magazine out;
  CHECK_FALSE(depot.take(out));
  for (std::size_t k = 0; k < kSlots; ++k) CHECK(depot.put(magazine(100 * (k + 1))));
  CHECK_FALSE(depot.put(magazine(999)));  // bounded: refused, nothing kept
  std::vector<std::uintptr_t> firsts;
  while (depot.take(out)) {
    for (std::size_t i = 0; i < kDepth; ++i) CHECK(id_of(out[i]) == id_of(out[0]) + i);
    firsts.push_back(id_of(out[0]));
  }
  // The last put comes out first; the refused one never.
  CHECK(firsts == std::vector<std::uintptr_t>{300, 200, 100});
}

TEST_CASE("threads putting and taking at once lose no block and get none twice") {
  constexpr int kPutters = 2;
  constexpr int kTakers = 2;
  constexpr std::uintptr_t kMagazinesEach = 20000;
  Depot depot;
  // seen[id] counts how often block id came back: from a take, from a
  // refused put (its putter keeps it), or from the depot at the end.
  const std::size_t blocks = kPutters * kMagazinesEach * kDepth;
  std::vector<std::atomic<int>> seen(blocks + 1);
  auto count = [&](const Depot::Magazine& m) {
    // relaxed: the joins below order every count before the check.
    for (void* p : m) seen[id_of(p)].fetch_add(1, std::memory_order_relaxed);
  };
  // relaxed: only a stop flag for the takers; the joins order the rest.
  std::atomic<int> putting{kPutters};
  std::vector<std::thread> threads;
  for (int t = 0; t < kPutters; ++t) {
    threads.emplace_back([&, t] {
      for (std::uintptr_t k = 0; k < kMagazinesEach; ++k) {
        const Depot::Magazine m = magazine(1 + (t * kMagazinesEach + k) * kDepth);
        if (!depot.put(m)) count(m);
      }
      putting.fetch_sub(1, std::memory_order_relaxed);
    });
  }
  for (int t = 0; t < kTakers; ++t) {
    threads.emplace_back([&] {
      Depot::Magazine m;
      while (putting.load(std::memory_order_relaxed) > 0) {
        if (depot.take(m)) count(m);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  Depot::Magazine m;
  std::size_t left = 0;
  while (depot.take(m)) {
    count(m);
    ++left;
  }
  CHECK(left <= kSlots);
  std::size_t wrong = 0;
  for (std::size_t id = 1; id <= blocks; ++id) wrong += seen[id].load(std::memory_order_relaxed) != 1;
  CHECK(wrong == 0);
}
