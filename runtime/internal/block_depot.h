// INTERNAL. Where one size class's free blocks wait between threads: full
// magazines (arrays of kDepth free blocks) that a thread which frees more
// than it allocates puts, and a thread which allocates more than it frees
// takes (allocator.cc).
//
// Why: a message is mostly made on one thread and freed on another (the
// app's sends, a producer and its consumer). Without the depot the freeing
// thread's cache overflows into tbbmalloc block by block (a remote free
// each), and the making thread's cache is always empty, so every one of its
// allocations is a tbbmalloc call: a third of the app thread's time in
// BM_Counting (perf). With it, both sides touch the shared state once per
// kDepth blocks.
//
// Concurrency contract: put() and take() from any thread, under one mutex:
// a magazine is handed over whole, once per kDepth blocks, so the lock is
// never on a per-block path. Nothing else is shared.
//
// INVARIANT bounded: at most kSlots magazines (kSlots * kDepth blocks) wait
// here; put() refuses more, and its caller frees the blocks itself.
// INVARIANT conserved: every block put is taken at most once, and none is
// lost (block_depot_test counts them).
#ifndef OCKAM_RUNTIME_INTERNAL_BLOCK_DEPOT_H_
#define OCKAM_RUNTIME_INTERNAL_BLOCK_DEPOT_H_

#include <array>
#include <cstddef>
#include <mutex>

namespace ockam::detail {

template <std::size_t kDepth, std::size_t kSlots>
class BlockDepot {
 public:
  using Magazine = std::array<void*, kDepth>;

  // Keeps a copy of `full` (kDepth blocks, now the depot's); false, and
  // nothing kept, when kSlots magazines already wait.
  bool put(const Magazine& full) {
    std::lock_guard<std::mutex> lock(mu_);
    if (size_ == kSlots) return false;
    slots_[size_++] = full;
    return true;
  }
  // Fills `into` with kDepth blocks (now the caller's); false when empty.
  bool take(Magazine& into) {
    std::lock_guard<std::mutex> lock(mu_);
    if (size_ == 0) return false;
    into = slots_[--size_];
    return true;
  }

 private:
  std::mutex mu_;
  std::size_t size_ = 0;              // guarded by mu_
  std::array<Magazine, kSlots> slots_;  // guarded by mu_; [0, size_) are full
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_BLOCK_DEPOT_H_
