// INTERNAL. Where envelopes and cells come from: a small per-thread cache of
// free blocks in front of oneTBB's scalable allocator (which copes with a
// message freed on another thread than the one that made it), or plain
// aligned_alloc under the sanitizers, which must see every allocation.
#ifndef OCKAM_RUNTIME_INTERNAL_ALLOCATOR_H_
#define OCKAM_RUNTIME_INTERNAL_ALLOCATOR_H_

#include <cstddef>
#include <new>

namespace ockam::detail {

void* allocate(std::size_t bytes, std::size_t alignment);
// `bytes` and `alignment` are those of the allocate() call (sized delete).
void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept;

// Derive from this to allocate a class (and its subclasses) with allocate().
struct PooledAllocation {
  static void* operator new(std::size_t n) { return allocate(n, alignof(std::max_align_t)); }
  static void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
  // Sized: a class with a virtual destructor passes its dynamic type's size.
  static void operator delete(void* p, std::size_t n) noexcept { deallocate(p, n, alignof(std::max_align_t)); }
  static void operator delete(void* p, std::size_t n, std::align_val_t a) noexcept {
    deallocate(p, n, static_cast<std::size_t>(a));
  }
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_ALLOCATOR_H_
