// INTERNAL. Where envelopes and cells come from: oneTBB's thread-caching
// scalable allocator (a message is often freed on another thread than the one
// that made it), or plain operator new under the sanitizers, which must see
// every allocation.
#ifndef OCKAM_RUNTIME_INTERNAL_ALLOCATOR_H_
#define OCKAM_RUNTIME_INTERNAL_ALLOCATOR_H_

#include <cstddef>
#include <new>

namespace ockam::detail {

void* allocate(std::size_t bytes, std::size_t alignment);
void deallocate(void* p) noexcept;

// Derive from this to allocate a class (and its subclasses) with allocate().
struct PooledAllocation {
  static void* operator new(std::size_t n) { return allocate(n, alignof(std::max_align_t)); }
  static void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
  static void operator delete(void* p) noexcept { deallocate(p); }
  static void operator delete(void* p, std::align_val_t) noexcept { deallocate(p); }
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_ALLOCATOR_H_
