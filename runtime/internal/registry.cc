#include "runtime/internal/registry.h"

#include "runtime/internal/cell.h"

namespace ockam::detail {

// Two addresses of one cell with the same 64-bit hash would make
// for_each_cell() see it twice: a count off by one, for a chance of 2^-64.
std::uint64_t Registry::first_address_hash(const Cell* cell) { return cell->address.hash(); }

Registry::~Registry() {
  // relaxed: no other thread uses a registry being destroyed.
  for (Shard& shard : shards_) delete shard.table.load(std::memory_order_relaxed);
}

Registry::Slot* Registry::locate(Table& table, const Address& address, const Cell* only, Cell** found) {
  const std::uint64_t h = address.hash();
  for (std::size_t i = h & table.mask;; i = (i + 1) & table.mask) {
    Slot& slot = table.slots[i];
    // seq_cst: one half of a store-buffering pair with synchronize(). A
    // sender's ReadSection entry store (seq_cst) comes before this load, and
    // remove()'s tombstone store (seq_cst) before synchronize()'s phase load
    // (seq_cst): either synchronize() sees the section open and waits, or
    // this load sees the tombstone. Also the acquire for insert()'s store.
    Cell* cell = slot.cell.load(std::memory_order_seq_cst);
    if (cell == nullptr) return nullptr;
    if (cell == tombstone()) continue;
    // relaxed: the cell load above (acquire) carries insert()'s hash store.
    if (slot.hash.load(std::memory_order_relaxed) == h && (only == nullptr || cell == only) && cell->owns(address)) {
      // The cell seen here, not a second load: the slot may be tombstoned since.
      if (found != nullptr) *found = cell;
      return &slot;
    }
  }
}

Cell* Registry::find(const Address& address) const {
  // seq_cst: one half of a store-buffering pair with rebuild()'s store and
  // synchronize() (see Shard::table); also the acquire for the table's slots.
  Table* table = shard_for(address).table.load(std::memory_order_seq_cst);
  if (table == nullptr) return nullptr;
  Cell* cell = nullptr;
  (void)locate(*table, address, nullptr, &cell);
  return cell;
}

Cell* Registry::refill(const Address& address, TargetCache& cache, std::uint64_t tag) const {
  Cell* cell = find(address);
  if (cell != nullptr) cache = TargetCache{cell, tag};
  return cell;
}

void Registry::rebuild(Shard& shard, std::size_t capacity) {
  // relaxed (here and for the old slots): the caller holds write_mu, which
  // orders every store to them.
  Table* old = shard.table.load(std::memory_order_relaxed);
  auto* fresh = new Table(capacity);
  if (old != nullptr) {
    for (std::size_t i = 0; i <= old->mask; ++i) {
      Cell* cell = old->slots[i].cell.load(std::memory_order_relaxed);
      if (cell == nullptr || cell == tombstone()) continue;
      const std::uint64_t h = old->slots[i].hash.load(std::memory_order_relaxed);
      std::size_t j = h & fresh->mask;
      while (fresh->slots[j].cell.load(std::memory_order_relaxed) != nullptr) j = (j + 1) & fresh->mask;
      fresh->slots[j].hash.store(h, std::memory_order_relaxed);
      fresh->slots[j].cell.store(cell, std::memory_order_relaxed);  // published by the table store below
    }
  }
  // seq_cst: the store half of the pair with find()'s load (Shard::table);
  // as a release it publishes every slot written above.
  shard.table.store(fresh, std::memory_order_seq_cst);
  shard.tombstones = 0;
  if (old != nullptr) {
    synchronize();  // readers may still probe the old table
    delete old;
  }
}

bool Registry::insert(const Address& address, Cell* cell) {
  Shard& shard = shard_for(address);
  std::lock_guard<std::mutex> lock(shard.write_mu);
  // relaxed: write_mu orders every store to the table and its slots.
  Table* table = shard.table.load(std::memory_order_relaxed);
  if (table != nullptr && locate(*table, address, nullptr) != nullptr) return false;
  const std::size_t capacity = table == nullptr ? 0 : table->mask + 1;
  if ((shard.used + shard.tombstones + 1) * 4 > capacity * 3) {
    std::size_t fresh = 16;
    while ((shard.used + 1) * 2 > fresh) fresh *= 2;  // at most half full after a rebuild
    rebuild(shard, fresh);
    table = shard.table.load(std::memory_order_relaxed);  // our own store
  }
  const std::uint64_t h = address.hash();
  for (std::size_t i = h & table->mask;; i = (i + 1) & table->mask) {
    Slot& slot = table->slots[i];
    Cell* occupant = slot.cell.load(std::memory_order_relaxed);  // write_mu orders the stores
    if (occupant != nullptr && occupant != tombstone()) continue;
    if (occupant == tombstone()) --shard.tombstones;
    // relaxed: a reader reads the hash only after it has read this cell
    // (the store below), which carries it.
    slot.hash.store(h, std::memory_order_relaxed);
    // seq_cst, though a release is all it needs: it publishes the hash and
    // the cell's addresses to locate()'s load (an acquire).
    slot.cell.store(cell, std::memory_order_seq_cst);
    ++shard.used;
    return true;
  }
}

void Registry::remove(const Address& address, const Cell* cell) {
  Shard& shard = shard_for(address);
  std::lock_guard<std::mutex> lock(shard.write_mu);
  Table* table = shard.table.load(std::memory_order_relaxed);  // write_mu orders the stores
  if (table == nullptr) return;
  Slot* slot = locate(*table, address, cell);
  if (slot == nullptr) return;
  // seq_cst: this store, then the caller's synchronize(), is the writer's
  // half of the store-buffering pair with locate()'s load (see Slot::cell).
  slot->cell.store(tombstone(), std::memory_order_seq_cst);
  // seq_cst: see Shard::removals. A plain increment: write_mu orders the
  // writers; senders only load it.
  shard.removals.store(shard.removals.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst);
  --shard.used;
  ++shard.tombstones;
}

}  // namespace ockam::detail
