#include "runtime/internal/registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "runtime/internal/cell.h"
#include "runtime/internal/dcheck.h"

namespace ockam::detail {

const Address& Registry::address_of(std::uint64_t word) {
  const Cell* cell = cell_of(word);
  const std::size_t index = index_of(word);
  return index == 0 ? cell->address : cell->addresses()[index];
}

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
    const std::uint64_t word = slot.load(std::memory_order_seq_cst);
    if (word == 0) return nullptr;
    if (word == kTombstone || !tag_matches(word, h)) continue;
    Cell* cell = cell_of(word);
    if ((only == nullptr || cell == only) && address_of(word) == address) {
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
      const std::uint64_t word = old->slots[i].load(std::memory_order_relaxed);
      if (!live(word)) continue;
      // The hash from the cell: a slot keeps only 8 bits of it.
      std::size_t j = address_of(word).hash() & fresh->mask;
      while (fresh->slots[j].load(std::memory_order_relaxed) != 0) j = (j + 1) & fresh->mask;
      fresh->slots[j].store(word, std::memory_order_relaxed);  // published by the table store below
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
  const std::span<const Address> own = cell->addresses();
  const std::size_t index = static_cast<std::size_t>(std::find(own.begin(), own.end(), address) - own.begin());
  OCKAM_DCHECK(index < own.size() && index < kMaxAddresses, "a cell is registered under one of its first 256 addresses");
  if ((reinterpret_cast<std::uintptr_t>(cell) & ~kPointerBits) != 0) {
    // Never on Linux's x86-64 or AArch64 user space, unless the process maps
    // memory past 2^48 on purpose.
    std::fprintf(stderr, "ockam: a cell at %p lies past 2^48; the registry cannot hold it\n", static_cast<void*>(cell));
    std::abort();
  }
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
  const std::uint64_t word = word_of(cell, index, h);
  for (std::size_t i = h & table->mask;; i = (i + 1) & table->mask) {
    Slot& slot = table->slots[i];
    const std::uint64_t occupant = slot.load(std::memory_order_relaxed);  // write_mu orders the stores
    if (live(occupant)) continue;
    if (occupant == kTombstone) --shard.tombstones;
    // seq_cst, though a release is all it needs: it publishes the cell's
    // addresses to locate()'s load (an acquire).
    slot.store(word, std::memory_order_seq_cst);
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
  // half of the store-buffering pair with locate()'s load (see Slot).
  slot->store(kTombstone, std::memory_order_seq_cst);
  // seq_cst: see Shard::removals. A plain increment: write_mu orders the
  // writers; senders only load it.
  shard.removals.store(shard.removals.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst);
  --shard.used;
  ++shard.tombstones;
}

}  // namespace ockam::detail
