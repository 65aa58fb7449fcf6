// INTERNAL. The node's address book: Address -> Cell*.
//
// Concurrency contract:
//   * with_cell(): any thread, lock-free. It looks the address up and calls
//     f(cell) inside a ReadSection, so the cell stays alive while f pushes.
//   * for_each_cell(): any thread, lock-free, as with_cell().
//   * insert(), remove(), for_each_locked(): take the shard's writer mutex.
//   * After remove() the caller calls synchronize() (read_section.h): then no
//     sender can still be pushing to the cell through that address: removal
//     plus a grace period fences in-flight sends.
//
// Each shard is an open-addressing table of one-word slots (linear probing,
// at most 3/4 full counting tombstones): the cell's pointer, which of its
// addresses the slot is for, and 8 bits of that address's hash. Readers run
// beside the writer: removal leaves a tombstone so probe chains stay intact,
// and a table that must grow is rebuilt, published, and the old one freed
// after a grace period. A lookup reads the key only on a tag match (all but
// 1 in 256 other slots are passed without it), from the cell the sender is
// about to push to anyway. 8 bytes a slot, not 16: at 1,000,000 workers the
// tables hold 17 bytes a worker, not 34 (BM_SpawnIdle).
#ifndef OCKAM_RUNTIME_INTERNAL_REGISTRY_H_
#define OCKAM_RUNTIME_INTERNAL_REGISTRY_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "runtime/address.h"
#include "runtime/internal/cell.h"
#include "runtime/internal/read_section.h"
#include "runtime/internal/target_cache.h"
#include "runtime/internal/test_seam.h"

namespace ockam::detail {

class Cell;

class Registry {
 public:
  Registry() = default;
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Calls f(cell) inside a ReadSection; returns false if unknown.
  template <class F>
  bool with_cell(const Address& address, F&& f) const {
    ReadSection section;
    return with_cell(section, address, std::forward<F>(f));
  }
  // The same inside the caller's own section (which must stay open until f
  // returns): for a sender that checks more than the lookup under it.
  template <class F>
  bool with_cell(const ReadSection&, const Address& address, F&& f) const {
    Cell* cell = find(address);
    if (cell == nullptr) return false;
    f(cell);
    return true;
  }
  // The same for a worker's send, through its TargetCache (target_cache.h):
  // the cached cell when it is still valid and owns `address`, else a
  // lookup that refills the cache.
  template <class F>
  bool with_cell(const ReadSection&, const Address& address, TargetCache& cache, F&& f) const {
    Cell* cell = find(address, cache);
    if (cell == nullptr) return false;
    f(cell);
    return true;
  }

  // A slot names one of its cell's addresses by its place in addresses().
  static constexpr std::size_t kMaxAddresses = 256;

  // False if the address is taken. `address` must be one of cell's own
  // addresses, among its first kMaxAddresses (lookups read it back from
  // the cell).
  bool insert(const Address& address, Cell* cell);
  // Calls f(cell) once for each cell (where its first address is), without
  // a lock: one ReadSection per shard, so a cell stays alive until f
  // returns, and f must be as short as a sender's push (no blocking, no
  // user code). Cells started or stopped meanwhile may or may not be seen.
  template <class F>
  void for_each_cell(F&& f) const {
    for (const Shard& shard : shards_) {
      ReadSection section;
      // seq_cst: as in find() (see Shard::table).
      Table* table = shard.table.load(std::memory_order_seq_cst);
      if (table == nullptr) continue;
      for (std::size_t i = 0; i <= table->mask; ++i) {
        // seq_cst: as in locate() (see Slot): a cell seen here has not yet
        // passed the grace period that follows its removal.
        const std::uint64_t word = table->slots[i].load(std::memory_order_seq_cst);
        // Each cell once: at its first address's slot.
        if (live(word) && index_of(word) == 0) f(cell_of(word));
      }
    }
  }

  // Removes `address` if it maps to `cell`. The caller then synchronize()s
  // before it relies on no sender reaching the cell.
  void remove(const Address& address, const Cell* cell);
  // Calls f(cell) for every entry, one shard at a time, under its writer
  // mutex (a cell with several addresses is seen several times).
  template <class F>
  void for_each_locked(F&& f) {
    for (Shard& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.write_mu);
      // relaxed: write_mu orders every store to the table and its slots.
      Table* table = shard.table.load(std::memory_order_relaxed);
      if (table == nullptr) continue;
      for (std::size_t i = 0; i <= table->mask; ++i) {
        const std::uint64_t word = table->slots[i].load(std::memory_order_relaxed);
        if (live(word)) f(cell_of(word));
      }
    }
  }

 private:
  // A slot: 0 never used, kTombstone removed, else a cell's pointer (bits
  // 0-47: user-space pointers on x86-64 and AArch64 Linux; insert() checks),
  // the index of the address in the cell's addresses() (bits 48-55) and the
  // address hash's bits 48-55 (bits 56-63: independent of the shard's top
  // 6 and the table's low ones). Written by the shard's writer (under
  // write_mu); read by any sender. seq_cst: remove()'s tombstone store then
  // synchronize()'s phase load, against a sender's ReadSection entry store
  // then locate()'s load, is a store-buffering pair, so the sender sees the
  // tombstone or synchronize() waits for it; insert()'s store (a release)
  // publishes the cell's addresses to that load (an acquire). (rebuild()
  // fills a table not yet published: relaxed.)
  using Slot = std::atomic<std::uint64_t>;
  static constexpr std::uint64_t kTombstone = 1;
  static constexpr std::uint64_t kPointerBits = (std::uint64_t{1} << 48) - 1;
  static bool live(std::uint64_t word) { return word > kTombstone; }
  static Cell* cell_of(std::uint64_t word) { return reinterpret_cast<Cell*>(word & kPointerBits); }
  static std::size_t index_of(std::uint64_t word) { return (word >> 48) & 0xff; }
  static_assert(kMaxAddresses <= 0x100, "a slot's index has 8 bits");
  static std::uint64_t tag_of(std::uint64_t hash) { return (hash >> 48) & 0xff; }
  static std::uint64_t word_of(const Cell* cell, std::size_t index, std::uint64_t hash) {
    return reinterpret_cast<std::uintptr_t>(cell) | (std::uint64_t{index} << 48) | (tag_of(hash) << 56);
  }
  // Whether `word` may be for an address of hash `hash`.
  static bool tag_matches(std::uint64_t word, std::uint64_t hash) { return (word >> 56) == tag_of(hash); }
  struct Table {
    explicit Table(std::size_t capacity) : mask(capacity - 1), slots(new Slot[capacity]()) {}
    const std::size_t mask;
    const std::unique_ptr<Slot[]> slots;
  };
  struct alignas(64) Shard {
    std::mutex write_mu;
    // Stored only by rebuild(), seq_cst, then synchronize() before the old
    // table is freed; find() loads it seq_cst inside its ReadSection: one
    // half of a store-buffering pair with synchronize()'s phase load and
    // ReadSection's entry store, so a sender either loads the new table or
    // is waited for. The store (a release) publishes the new table's slots
    // to that load (an acquire). Loads under write_mu are relaxed.
    std::atomic<Table*> table{nullptr};
    std::size_t used = 0;        // guarded by write_mu
    std::size_t tombstones = 0;  // guarded by write_mu
    // Removals from this shard so far (target_cache.h): written by remove()
    // under write_mu, read by senders checking a cached cell. seq_cst: the
    // store comes after remove()'s tombstone store and before the caller's
    // synchronize(); a sender's load comes after its ReadSection entry
    // store: a store-buffering pair, as for the tombstone (Slot), so a
    // sender that still reads the old count is waited for by the grace
    // period before the cell can be freed, and one that reads the new count
    // goes to the table, where it sees the tombstone.
    std::atomic<std::uint64_t> removals{0};
  };
  // The address a live slot is for (the cell's addresses()[index_of]).
  static const Address& address_of(std::uint64_t word);
  static constexpr std::size_t kShardBits = 6;

  // The top bits pick the shard, the low bits the slot: independent.
  Shard& shard_for(const Address& a) { return shards_[a.hash() >> (64 - kShardBits)]; }
  const Shard& shard_for(const Address& a) const { return shards_[a.hash() >> (64 - kShardBits)]; }
  Cell* find(const Address& address) const;
  // Inline: a hit is a load, a compare and the cell's first address.
  Cell* find(const Address& address, TargetCache& cache) const {
    // seq_cst: see Shard::removals; read before the lookup that fills the
    // cache, so a removal after this load changes the count the next send reads.
    const std::uint64_t removals = shard_for(address).removals.load(std::memory_order_seq_cst);
    const std::uint64_t tag = TargetCache::make_tag(address.hash(), removals);
    if (cache.tag == tag && cache.cell != nullptr && cache.cell->owns(address)) {
      run_test_seam(SeamPoint::kTargetCached, *cache.cell);
      return cache.cell;
    }
    return refill(address, cache, tag);
  }
  Cell* refill(const Address& address, TargetCache& cache, std::uint64_t tag) const;
  static Slot* locate(Table& table, const Address& address, const Cell* only, Cell** found = nullptr);
  static void rebuild(Shard& shard, std::size_t capacity);

  std::array<Shard, std::size_t{1} << kShardBits> shards_;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_REGISTRY_H_
