#include "runtime/internal/registry.h"

#include "runtime/internal/cell.h"

namespace ockam::detail {
namespace {

bool owns(const Cell* cell, const Address& address) {
  for (const Address& a : cell->addresses) {
    if (a == address) return true;
  }
  return false;
}

}  // namespace

std::size_t Registry::Table::index_of(const Address& address, const Cell* only) const {
  if (slots.empty()) return kNpos;
  const std::size_t mask = slots.size() - 1;
  const std::uint64_t h = address.hash();
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots[i];
    if (s.cell == nullptr) return kNpos;
    if (s.hash == h && (only == nullptr || s.cell == only) && owns(s.cell, address)) return i;
  }
}

Cell* Registry::Table::find(const Address& address) const {
  const std::size_t i = index_of(address, nullptr);
  return i == kNpos ? nullptr : slots[i].cell;
}

void Registry::Table::grow() {
  std::vector<Slot> old = std::move(slots);
  slots.assign(old.empty() ? 16 : old.size() * 2, Slot{});
  const std::size_t mask = slots.size() - 1;
  for (const Slot& s : old) {
    if (s.cell == nullptr) continue;
    std::size_t i = s.hash & mask;
    while (slots[i].cell != nullptr) i = (i + 1) & mask;
    slots[i] = s;
  }
}

bool Registry::Table::insert(const Address& address, Cell* cell) {
  if (index_of(address, nullptr) != kNpos) return false;
  if ((used + 1) * 4 > slots.size() * 3) grow();
  const std::size_t mask = slots.size() - 1;
  std::size_t i = address.hash() & mask;
  while (slots[i].cell != nullptr) i = (i + 1) & mask;
  slots[i] = Slot{address.hash(), cell};
  ++used;
  return true;
}

void Registry::Table::remove(const Address& address, const Cell* cell) {
  std::size_t hole = index_of(address, cell);
  if (hole == kNpos) return;
  // Backward-shift deletion: pull later members of the probe run into the
  // hole, so lookups never need tombstones.
  const std::size_t mask = slots.size() - 1;
  for (std::size_t j = (hole + 1) & mask; slots[j].cell != nullptr; j = (j + 1) & mask) {
    const std::size_t home = slots[j].hash & mask;
    // Slot j may move to the hole unless its home lies cyclically in (hole, j].
    const bool home_after_hole = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_after_hole) {
      slots[hole] = slots[j];
      hole = j;
    }
  }
  slots[hole] = Slot{};
  --used;
}

bool Registry::insert(const Address& address, Cell* cell) {
  Shard& shard = shard_for(address);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  return shard.table.insert(address, cell);
}

void Registry::remove(const Address& address, const Cell* cell) {
  Shard& shard = shard_for(address);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  shard.table.remove(address, cell);
}

}  // namespace ockam::detail
