#include "runtime/internal/fresh_address.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ockam::detail {
namespace {

// Numbers a thread takes from the shared counter at a time: Skynet's
// 1,111,111 starts touch the shared line about a thousand times.
constexpr std::uint64_t kBlock = 1024;

// The next block's first number. relaxed: only the atomicity of fetch_add
// matters (each RMW reads the latest value, so no two blocks overlap); no
// other memory is published through it, so it pairs with nothing.
std::atomic<std::uint64_t> g_next_block{0};

// The calling thread's block: numbers next..end-1 are its own. Constant-
// initialised, so an access is a plain TLS load with no init guard.
struct ThreadBlock {
  std::uint64_t next = 0;
  std::uint64_t end = 0;
};
constinit thread_local ThreadBlock t_block;

// Fresh address number `n`: "~" and n in lowercase hex.
Address fresh_address(std::uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  char digits[16];
  std::size_t k = sizeof digits;
  do {
    digits[--k] = kHex[n & 0xf];
    n >>= 4;
  } while (n != 0);
  char name[1 + sizeof digits];
  name[0] = kFreshPrefix;
  const std::size_t count = sizeof digits - k;
  for (std::size_t i = 0; i < count; ++i) name[1 + i] = digits[k + i];
  return Address(Address::kLocal, std::string_view(name, 1 + count));
}

}  // namespace

Address next_fresh_address() {
  ThreadBlock& block = t_block;
  if (block.next == block.end) {
    block.next = g_next_block.fetch_add(kBlock, std::memory_order_relaxed);
    block.end = block.next + kBlock;
  }
  return fresh_address(block.next++);
}

}  // namespace ockam::detail
