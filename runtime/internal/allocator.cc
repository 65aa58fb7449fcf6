#include "runtime/internal/allocator.h"

#include <array>
#include <cstddef>
#include <cstdint>

#if OCKAM_SYSTEM_MALLOC
#include <cstdlib>
#else
#include <oneapi/tbb/scalable_allocator.h>

#include "runtime/internal/block_depot.h"
#endif

namespace ockam::detail {

#if OCKAM_SYSTEM_MALLOC

void* allocate(std::size_t bytes, std::size_t alignment) {
  void* p = std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) noexcept { std::free(p); }

#else

namespace {

// A per-thread stack of free blocks for each small size class, in front of
// tbbmalloc: a message is allocated and freed once per hop, mostly on the
// same thread (the LIFO slot keeps a relay chain on one thread), and a
// thread-private push or pop is a few instructions where tbbmalloc's entry
// points cost about a hundred (measured with callgrind). Each stack is
// bounded: a thread that frees more than it makes hands a full stack to the
// class's BlockDepot, where a thread that makes more than it frees (the
// app, a producer) takes it; only past the depot's bound does a block go
// back to tbbmalloc.
class BlockCache {
 public:
  static constexpr std::size_t kGranule = 16;
  static constexpr std::size_t kClasses = 32;  // blocks up to 512 bytes
  static constexpr std::size_t kDepth = 64;    // blocks kept per class
  // Magazines waiting per class: at most 512 blocks, 256 KiB for the
  // largest class.
  static constexpr std::size_t kDepotSlots = 8;
  using Depot = BlockDepot<kDepth, kDepotSlots>;

  static std::size_t class_of(std::size_t bytes) { return (bytes + kGranule - 1) / kGranule - 1; }

  ~BlockCache() {
    for (Stack& s : stacks_) {
      while (s.size > 0) scalable_free(s.blocks[--s.size]);
    }
  }
  void* pop(std::size_t cls) {
    Stack& s = stacks_[cls];
    if (s.size == 0) [[unlikely]] {
      if (!depot(cls).take(s.blocks)) return nullptr;
      s.size = kDepth;
    }
    return s.blocks[--s.size];
  }
  bool push(std::size_t cls, void* p) {
    Stack& s = stacks_[cls];
    if (s.size == kDepth) [[unlikely]] {
      if (!depot(cls).put(s.blocks)) return false;
      s.size = 0;
    }
    s.blocks[s.size++] = p;
    return true;
  }

 private:
  struct Stack {
    Depot::Magazine blocks;
    std::size_t size = 0;
  };
  // Never destroyed: a pool thread may still free a block while the
  // process exits; what waits there is the process's until it ends.
  static Depot& depot(std::size_t cls) {
    static auto* depots = new std::array<Depot, kClasses>();
    return (*depots)[cls];
  }
  std::array<Stack, kClasses> stacks_{};
};

thread_local BlockCache tl_cache;

}  // namespace

void* allocate(std::size_t bytes, std::size_t alignment) {
  if (alignment <= alignof(std::max_align_t)) {
    const std::size_t cls = BlockCache::class_of(bytes);
    if (cls < BlockCache::kClasses) {
      if (void* p = tl_cache.pop(cls)) return p;
      bytes = (cls + 1) * BlockCache::kGranule;  // the whole class, so any block of it fits
    }
    if (void* p = scalable_malloc(bytes)) return p;
  } else if (void* p = scalable_aligned_malloc(bytes, alignment)) {
    return p;
  }
  throw std::bad_alloc();
}

void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept {
  if (alignment > alignof(std::max_align_t)) return scalable_aligned_free(p);
  const std::size_t cls = BlockCache::class_of(bytes);
  if (cls < BlockCache::kClasses && tl_cache.push(cls, p)) return;
  scalable_free(p);
}

#endif

}  // namespace ockam::detail
