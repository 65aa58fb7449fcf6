// INTERNAL. The node's address book: Address -> Cell*, sharded so that
// senders to different workers rarely share a lock.
//
// Contract: lookups take a shard's lock shared, and the caller pushes to the
// cell while it holds it (with_cell). Insertion and removal take it
// exclusive. So once remove() returns, no sender is still pushing to the
// cell through that address: removal fences in-flight sends.
#ifndef OCKAM_RUNTIME_INTERNAL_REGISTRY_H_
#define OCKAM_RUNTIME_INTERNAL_REGISTRY_H_

#include <array>
#include <cstddef>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
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
    auto it = shard.cells.find(address);
    if (it == shard.cells.end()) return false;
    f(it->second);
    return true;
  }

  // False if the address is taken.
  bool insert(const Address& address, Cell* cell);
  // Removes `address` if it maps to `cell`.
  void remove(const Address& address, const Cell* cell);
  Cell* find(const Address& address) const;
  // Calls f(cell) for every entry, one shard at a time, under its exclusive
  // lock (a cell with several addresses is seen several times).
  template <class F>
  void for_each_locked(F&& f) {
    for (Shard& shard : shards_) {
      std::unique_lock<std::shared_mutex> lock(shard.mu);
      for (auto& [address, cell] : shard.cells) f(cell);
    }
  }

 private:
  static constexpr std::size_t kShards = 64;
  struct alignas(64) Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<Address, Cell*> cells;  // guarded by mu
  };
  Shard& shard_for(const Address& a) { return shards_[a.hash() % kShards]; }
  const Shard& shard_for(const Address& a) const { return shards_[a.hash() % kShards]; }

  std::array<Shard, kShards> shards_;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_REGISTRY_H_
