// INTERNAL. The node's address book: Address -> Cell*, in shards with a
// reader-writer lock each, so senders to different workers rarely meet.
//
// Contract: lookups take a shard's lock shared, and the caller pushes to the
// cell while it holds it (with_cell). Insertion and removal take it
// exclusive. So once remove() returns, no sender is still pushing to the
// cell through that address: removal fences in-flight sends.
//
// Each shard is an open-addressing table of {hash, Cell*} slots (16 bytes,
// linear probing, backward-shift deletion, at most 3/4 full): no allocation
// per entry, and a lookup reads the key only on a full hash match, from the
// cell the sender is about to push to anyway.
#ifndef OCKAM_RUNTIME_INTERNAL_REGISTRY_H_
#define OCKAM_RUNTIME_INTERNAL_REGISTRY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "runtime/address.h"

namespace ockam::detail {

class Cell;

class Registry {
 public:
  // Calls f(cell) under the shard's shared lock; returns false if unknown.
  template <class F>
  bool with_cell(const Address& address, F&& f) const {
    const Shard& shard = shard_for(address);
    std::shared_lock<std::shared_mutex> lock(shard.mu);
    Cell* cell = shard.table.find(address);
    if (cell == nullptr) return false;
    f(cell);
    return true;
  }

  // False if the address is taken. `address` must be one of cell's own
  // addresses (the table reads it back from the cell).
  bool insert(const Address& address, Cell* cell);
  // Removes `address` if it maps to `cell`.
  void remove(const Address& address, const Cell* cell);
  // Calls f(cell) for every entry, one shard at a time, under its exclusive
  // lock (a cell with several addresses is seen several times).
  template <class F>
  void for_each_locked(F&& f) {
    for (Shard& shard : shards_) {
      std::unique_lock<std::shared_mutex> lock(shard.mu);
      for (const Slot& slot : shard.table.slots) {
        if (slot.cell != nullptr) f(slot.cell);
      }
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    Cell* cell = nullptr;  // null: free
  };
  struct Table {
    Cell* find(const Address& address) const;
    bool insert(const Address& address, Cell* cell);
    void remove(const Address& address, const Cell* cell);
    std::size_t index_of(const Address& address, const Cell* only) const;  // npos if absent
    void grow();

    std::vector<Slot> slots;  // size is a power of two, or zero
    std::size_t used = 0;
  };
  static constexpr std::size_t kShardBits = 6;
  static constexpr std::size_t kNpos = ~std::size_t{0};
  struct alignas(64) Shard {
    mutable std::shared_mutex mu;
    Table table;  // guarded by mu
  };
  // The top bits pick the shard, the low bits the slot: independent.
  Shard& shard_for(const Address& a) { return shards_[a.hash() >> (64 - kShardBits)]; }
  const Shard& shard_for(const Address& a) const { return shards_[a.hash() >> (64 - kShardBits)]; }

  std::array<Shard, std::size_t{1} << kShardBits> shards_;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_REGISTRY_H_
