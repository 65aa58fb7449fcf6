// Resident memory, for the bytes_per_worker counters of both suites.
#ifndef OCKAM_BENCH_MEMORY_H_
#define OCKAM_BENCH_MEMORY_H_

#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>

namespace ockam_bench {

// RSS after handing free heap pages back to the kernel, so that memory freed
// by an earlier benchmark in the same process does not hide new growth.
inline std::size_t settled_rss_bytes() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// (after - before) / n, signed: growth can be negative if pages were reused.
inline double bytes_per(std::size_t before, std::size_t after, long long n) {
  return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(n);
}

}  // namespace ockam_bench

#endif  // OCKAM_BENCH_MEMORY_H_
