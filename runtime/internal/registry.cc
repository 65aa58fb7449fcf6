#include "runtime/internal/registry.h"

namespace ockam::detail {

bool Registry::insert(const Address& address, Cell* cell) {
  Shard& shard = shard_for(address);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  return shard.cells.emplace(address, cell).second;
}

void Registry::remove(const Address& address, const Cell* cell) {
  Shard& shard = shard_for(address);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.cells.find(address);
  if (it != shard.cells.end() && it->second == cell) shard.cells.erase(it);
}

Cell* Registry::find(const Address& address) const {
  const Shard& shard = shard_for(address);
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.cells.find(address);
  return it == shard.cells.end() ? nullptr : it->second;
}

}  // namespace ockam::detail
