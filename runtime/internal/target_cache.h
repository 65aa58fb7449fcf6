// INTERNAL. A worker's last resolved target: the cell its last send went to,
// so that a worker sending to one address again (a ring member to its next,
// a player to its peer, a producer to its consumer) skips the registry's
// hash probe, whose slot is the one cache miss a send to a cold cell would
// otherwise add to the cell's own.
//
// Concurrency contract: owner-private. Read and written only by the turns
// of the worker whose cell holds it (one thread at a time, ordered by
// the scheduler), and only inside the ReadSection of the send that uses it
// (Registry::with_cell). Detached contexts (the app's among them), which
// any thread may send from, have none.
//
// Validity: the tag holds the top 16 bits of the hash of the address the
// cell was found for (which include the registry shard's 6 bits) and the
// low 48 bits of that shard's removal count, read before the lookup. A cell
// is freed only after every one of its addresses was removed, each removal
// bumping its shard's count before the grace period that precedes the free
// (Registry::Shard::removals). So a sender, inside its section, that reads
// the same count for the same shard holds a cell that cannot be freed
// before the section ends; any other count sends it back to the registry.
// A hit also checks that the cell owns the address (its addresses are
// immutable), on the line of the cell the push touches anyway. A count
// repeats only after 2^48 removals in one shard between two sends.
#ifndef OCKAM_RUNTIME_INTERNAL_TARGET_CACHE_H_
#define OCKAM_RUNTIME_INTERNAL_TARGET_CACHE_H_

#include <cstdint>

namespace ockam::detail {

class Cell;

struct TargetCache {
  static constexpr std::uint64_t kHashBits = 0xffff'0000'0000'0000ULL;
  static constexpr std::uint64_t kCountBits = ~kHashBits;
  static std::uint64_t make_tag(std::uint64_t hash, std::uint64_t removals) {
    return (hash & kHashBits) | (removals & kCountBits);
  }

  Cell* cell = nullptr;
  std::uint64_t tag = 0;
};
static_assert(sizeof(TargetCache) == 16, "two words in every worker's cell");

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_TARGET_CACHE_H_
