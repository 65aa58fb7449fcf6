// Resident memory, for the bytes_per_worker counters of both suites.
#ifndef OCKAM_BENCH_MEMORY_H_
#define OCKAM_BENCH_MEMORY_H_

#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>
#include <optional>
#include <string>

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

// Resets the process's peak resident set (VmHWM) to its current one; false if
// the kernel does not let us.
inline bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";  // 5: reset the peak RSS (VmHWM) to the current RSS
  clear.flush();
  return static_cast<bool>(clear);
}
// The peak resident set since reset_peak_rss() (VmHWM), in bytes; nullopt if
// /proc does not give it.
inline std::optional<std::size_t> peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmHWM:  1234 kB"
  }
  return std::nullopt;
}

}  // namespace ockam_bench

#endif  // OCKAM_BENCH_MEMORY_H_
