// //third_party:tbbmalloc: the scalable allocator normally; under asan/tsan
// the target defines OCKAM_SYSTEM_MALLOC=1 and code falls back to malloc.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#if OCKAM_SYSTEM_MALLOC
static void* ockam_alloc(std::size_t n) { return std::malloc(n); }
static void ockam_free(void* p) { std::free(p); }
static constexpr bool kScalable = false;
#else
#include <oneapi/tbb/scalable_allocator.h>
static void* ockam_alloc(std::size_t n) { return scalable_malloc(n); }
static void ockam_free(void* p) { scalable_free(p); }
static constexpr bool kScalable = true;
#endif

TEST_CASE("allocate, write, read back, free") {
  MESSAGE("scalable allocator: " << kScalable);
  for (std::size_t n : {1u, 16u, 4096u, 1u << 20}) {
    auto* p = static_cast<unsigned char*>(ockam_alloc(n));
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % alignof(void*) == 0);
    std::memset(p, 0xab, n);
    CHECK(p[0] == 0xab);
    CHECK(p[n - 1] == 0xab);
    ockam_free(p);
  }
}

#if !OCKAM_SYSTEM_MALLOC
TEST_CASE("scalable_aligned_malloc honours the alignment") {
  void* p = scalable_aligned_malloc(100, 128);
  REQUIRE(p != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % 128 == 0);
  scalable_aligned_free(p);
}
#endif
