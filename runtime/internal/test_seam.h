// INTERNAL. The test seam: a process-wide hook that white-box tests
// (runtime/internal/lifecycle_test.cc) install to park a thread at a point
// that decides a hard interleaving, so it happens every run.
#ifndef OCKAM_RUNTIME_INTERNAL_TEST_SEAM_H_
#define OCKAM_RUNTIME_INTERNAL_TEST_SEAM_H_

#include <atomic>
#include <cstddef>

namespace ockam::detail {

class Cell;

// Where the test seam is called.
enum class SeamPoint {
  kInserted,      // start(): address `index` is in, the next one not yet
  kClaimed,       // a retirement: the cell is claimed, nothing unlinked yet
  kWatchFound,    // monitor(): the target is found (in a ReadSection), its monitor not yet added
  kTargetCached,  // a worker's send: its TargetCache gave the cell (in the send's ReadSection), not yet pushed
};
using TestSeam = void (*)(SeamPoint point, Cell& cell, std::size_t index);

// relaxed: set by a test before the interleaving it forces, while no node
// runs the seamed paths; each node thread that reaches a seam was started
// after it (or is told by the test's own synchronisation).
inline std::atomic<TestSeam> g_test_seam{nullptr};

// Tests only: installs `seam` (null: none) for every node of the process.
inline void set_test_seam(TestSeam seam) { g_test_seam.store(seam, std::memory_order_relaxed); }
// Calls the installed seam, if any: one relaxed load when none is.
inline void run_test_seam(SeamPoint point, Cell& cell, std::size_t index = 0) {
  if (TestSeam f = g_test_seam.load(std::memory_order_relaxed)) [[unlikely]] f(point, cell, index);
}

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_TEST_SEAM_H_
