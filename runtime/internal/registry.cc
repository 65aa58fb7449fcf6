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

Registry::~Registry() {
  for (Shard& shard : shards_) delete shard.table.load();
}

Registry::Slot* Registry::locate(Table& table, const Address& address, const Cell* only, Cell** found) {
  const std::uint64_t h = address.hash();
  for (std::size_t i = h & table.mask;; i = (i + 1) & table.mask) {
    Slot& slot = table.slots[i];
    // seq_cst: pairs with the writer's seq_cst tombstone store and with
    // ReadSection's entry (see read_section.h).
    Cell* cell = slot.cell.load();
    if (cell == nullptr) return nullptr;
    if (cell == tombstone()) continue;
    if (slot.hash.load(std::memory_order_relaxed) == h && (only == nullptr || cell == only) && owns(cell, address)) {
      // The cell seen here, not a second load: the slot may be tombstoned since.
      if (found != nullptr) *found = cell;
      return &slot;
    }
  }
}

Cell* Registry::find(const Address& address) const {
  Table* table = shard_for(address).table.load();
  if (table == nullptr) return nullptr;
  Cell* cell = nullptr;
  (void)locate(*table, address, nullptr, &cell);
  return cell;
}

void Registry::rebuild(Shard& shard, std::size_t capacity) {
  Table* old = shard.table.load();
  auto* fresh = new Table(capacity);
  if (old != nullptr) {
    for (std::size_t i = 0; i <= old->mask; ++i) {
      Cell* cell = old->slots[i].cell.load();
      if (cell == nullptr || cell == tombstone()) continue;
      const std::uint64_t h = old->slots[i].hash.load(std::memory_order_relaxed);
      std::size_t j = h & fresh->mask;
      while (fresh->slots[j].cell.load(std::memory_order_relaxed) != nullptr) j = (j + 1) & fresh->mask;
      fresh->slots[j].hash.store(h, std::memory_order_relaxed);
      fresh->slots[j].cell.store(cell, std::memory_order_relaxed);  // published by the table store below
    }
  }
  shard.table.store(fresh);  // seq_cst: publishes every slot written above
  shard.tombstones = 0;
  if (old != nullptr) {
    synchronize();  // readers may still probe the old table
    delete old;
  }
}

bool Registry::insert(const Address& address, Cell* cell) {
  Shard& shard = shard_for(address);
  std::lock_guard<std::mutex> lock(shard.write_mu);
  Table* table = shard.table.load();
  if (table != nullptr && locate(*table, address, nullptr) != nullptr) return false;
  const std::size_t capacity = table == nullptr ? 0 : table->mask + 1;
  if ((shard.used + shard.tombstones + 1) * 4 > capacity * 3) {
    std::size_t fresh = 16;
    while ((shard.used + 1) * 2 > fresh) fresh *= 2;  // at most half full after a rebuild
    rebuild(shard, fresh);
    table = shard.table.load();
  }
  const std::uint64_t h = address.hash();
  for (std::size_t i = h & table->mask;; i = (i + 1) & table->mask) {
    Slot& slot = table->slots[i];
    Cell* occupant = slot.cell.load();
    if (occupant != nullptr && occupant != tombstone()) continue;
    if (occupant == tombstone()) --shard.tombstones;
    // relaxed: a reader reads the hash only after it has read this cell
    // (seq_cst store below), which carries it.
    slot.hash.store(h, std::memory_order_relaxed);
    slot.cell.store(cell);
    ++shard.used;
    return true;
  }
}

void Registry::remove(const Address& address, const Cell* cell) {
  Shard& shard = shard_for(address);
  std::lock_guard<std::mutex> lock(shard.write_mu);
  Table* table = shard.table.load();
  if (table == nullptr) return;
  Slot* slot = locate(*table, address, cell);
  if (slot == nullptr) return;
  slot->cell.store(tombstone());  // seq_cst: see locate()
  --shard.used;
  ++shard.tombstones;
}

}  // namespace ockam::detail
