// Stress sizes shrink under sanitizers (scripts/test.sh sets OCKAM_STRESS_DIVISOR
// for --config=tsan / --config=asan); the invariants checked never do.
#pragma once

#include <cstddef>
#include <cstdlib>

namespace ockam_test {

inline std::size_t stress_divisor() {
  const char* text = std::getenv("OCKAM_STRESS_DIVISOR");
  if (text == nullptr) return 1;
  long divisor = std::strtol(text, nullptr, 10);
  return divisor > 1 ? static_cast<std::size_t>(divisor) : 1;
}

inline std::size_t stress_size(std::size_t n) {
  std::size_t scaled = n / stress_divisor();
  return scaled > 0 ? scaled : 1;
}

}  // namespace ockam_test
