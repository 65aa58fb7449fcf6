// INTERNAL. Lock-free reads with deferred reclamation, in the style of RCU:
// a sender looks a worker up and pushes to its mailbox inside a ReadSection,
// and whoever unlinks a worker (or a registry table) calls synchronize()
// before the unlinked thing may be freed or sealed.
//
// Concurrency contract:
//   * ReadSection: any thread, any number at once; sections on one thread
//     nest. A section must be short: it must not block or run user code.
//   * synchronize(): any thread outside a ReadSection. Returns once every
//     section that was open when it started has closed.
//
// INVARIANT (grace period): a reader that saw an object linked is still in
//   its section, or has left it, when synchronize() returns; so an object
//   unlinked before synchronize() is unreachable by every reader after it.
//
// Cost: entering is one seq_cst store to the thread's own cache line (no
// line is shared with another thread), leaving one release store.
#ifndef OCKAM_RUNTIME_INTERNAL_READ_SECTION_H_
#define OCKAM_RUNTIME_INTERNAL_READ_SECTION_H_

#include <atomic>
#include <cstdint>

namespace ockam::detail {

struct alignas(64) ReaderState {
  // Written by its owner thread only; read by synchronize(). Odd while the
  // owner is inside a section; each enter and leave adds one.
  std::atomic<std::uint64_t> phase{0};
  // Claimed by a thread for its lifetime (exchange), released at its exit.
  std::atomic<bool> in_use{false};
  // Owner-private: nesting depth.
  std::uint32_t depth = 0;
  ReaderState* next = nullptr;  // immutable once published in the list
};

ReaderState& this_thread_reader();

class ReadSection {
 public:
  ReadSection() : state_(this_thread_reader()) {
    if (state_.depth++ == 0) {
      // seq_cst: pairs with synchronize()'s seq_cst load of `phase`, and
      // orders this store before the section's (seq_cst) loads of shared
      // links: either synchronize() sees the section open, or the section
      // sees the unlink that preceded synchronize().
      state_.phase.store(state_.phase.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst);
    }
  }
  ~ReadSection() {
    if (--state_.depth == 0) {
      // release: the section's reads happen before synchronize() sees it closed.
      state_.phase.store(state_.phase.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
  }
  ReadSection(const ReadSection&) = delete;
  ReadSection& operator=(const ReadSection&) = delete;

 private:
  ReaderState& state_;
};

void synchronize();

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_READ_SECTION_H_
