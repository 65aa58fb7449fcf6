#include "runtime/internal/allocator.h"

#if OCKAM_SYSTEM_MALLOC
#include <cstdlib>
#else
#include <oneapi/tbb/scalable_allocator.h>
#endif

namespace ockam::detail {

void* allocate(std::size_t bytes, std::size_t alignment) {
#if OCKAM_SYSTEM_MALLOC
  void* p = std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
#else
  void* p = scalable_aligned_malloc(bytes, alignment);
#endif
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void deallocate(void* p) noexcept {
#if OCKAM_SYSTEM_MALLOC
  std::free(p);
#else
  scalable_aligned_free(p);
#endif
}

}  // namespace ockam::detail
