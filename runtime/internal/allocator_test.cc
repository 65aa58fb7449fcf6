// The per-thread block cache in front of tbbmalloc: blocks of every size
// class come back usable, including blocks freed on another thread.
#include "runtime/internal/allocator.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

using ockam::detail::allocate;
using ockam::detail::deallocate;

namespace {
constexpr std::size_t kAlign = alignof(std::max_align_t);
}

TEST_CASE("blocks of every size are aligned, writable in full, and reusable") {
  for (int round = 0; round < 3; ++round) {
    std::vector<std::pair<void*, std::size_t>> blocks;
    for (std::size_t size = 1; size <= 1024; size += 7) {
      void* p = allocate(size, kAlign);
      REQUIRE(p != nullptr);
      CHECK(reinterpret_cast<std::uintptr_t>(p) % kAlign == 0);
      std::memset(p, static_cast<int>(size & 0xff), size);
      blocks.emplace_back(p, size);
    }
    for (auto [p, size] : blocks) {
      CHECK(static_cast<unsigned char*>(p)[size - 1] == (size & 0xff));
      deallocate(p, size, kAlign);
    }
  }
}

TEST_CASE("over-aligned blocks honour their alignment") {
  void* p = allocate(200, 64);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
  deallocate(p, 200, 64);
}

TEST_CASE("blocks made on one thread and freed on another stay distinct") {
  constexpr int kBlocks = 10000;
  std::vector<void*> made(kBlocks);
  std::thread maker([&] {
    for (int i = 0; i < kBlocks; ++i) {
      made[i] = allocate(96, kAlign);
      std::memcpy(made[i], &i, sizeof i);
    }
  });
  maker.join();
  std::thread freer([&] {
    for (int i = 0; i < kBlocks; ++i) {
      int seen = -1;
      std::memcpy(&seen, made[i], sizeof seen);
      CHECK(seen == i);
      deallocate(made[i], 96, kAlign);
    }
  });
  freer.join();
  // The freer's surplus waits in the depot (block_depot.h) for a thread
  // that makes more than it frees: every block handed out once.
  std::thread remaker([&] {
    for (int i = 0; i < kBlocks; ++i) made[i] = allocate(96, kAlign);
  });
  remaker.join();
  std::set<void*> distinct(made.begin(), made.end());
  CHECK(distinct.size() == made.size());
  for (void* p : made) deallocate(p, 96, kAlign);
}
