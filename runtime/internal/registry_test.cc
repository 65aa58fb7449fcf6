// The registry's one-word slots keep only 8 bits of an address's hash and
// the address's place in its cell: addresses that share those bits, and a
// shard, are still told apart by the address itself, before and after the
// table grows, and a cell with several addresses is visited once.
#include "runtime/internal/registry.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/internal/cell.h"
#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Address;
using ockam::detail::Cell;
using ockam::detail::Registry;
using ockam::detail::WorkerCell;

namespace {

struct Nothing : ockam::Worker<int> {
  ockam::Result<void> handle_message(ockam::Context&, ockam::Routed<int>) override { return {}; }
};

std::unique_ptr<Cell> cell_at(std::vector<Address> addresses) {
  auto cell = std::make_unique<WorkerCell<Nothing>>(Nothing{});
  cell->set_addresses(std::move(addresses));
  return cell;
}

// What a slot keeps of a hash (its bits 48-55) and the shard (its top 6).
std::uint64_t slot_key(const Address& a) { return ((a.hash() >> 48) & 0xff) | ((a.hash() >> 58) << 8); }

// `n` random addresses with one slot key: the registry can tell them apart
// only by comparing them.
std::vector<Address> alike(std::size_t n) {
  std::map<std::uint64_t, std::vector<Address>> by_key;
  for (;;) {
    Address a = Address::random();
    std::vector<Address>& same = by_key[slot_key(a)];
    same.push_back(a);
    if (same.size() == n) return same;
  }
}

const Cell* found(const Registry& registry, const Address& a) {
  const Cell* at = nullptr;
  registry.with_cell(a, [&](Cell* cell) { at = cell; });
  return at;
}

}  // namespace

TEST_CASE("addresses alike in every bit a slot keeps are each found at their own cell, before and after growth") {
  const std::vector<Address> same = alike(4);  // two for one cell, one for another, one never registered
  std::unique_ptr<Cell> two = cell_at({same[0], same[1]});
  std::unique_ptr<Cell> one = cell_at({same[2]});
  Registry registry;
  REQUIRE(registry.insert(same[0], two.get()));
  REQUIRE(registry.insert(same[1], two.get()));
  REQUIRE(registry.insert(same[2], one.get()));
  std::unique_ptr<Cell> rival = cell_at({same[1]});
  CHECK_FALSE(registry.insert(same[1], rival.get()));  // taken: the address compared, not just its bits
  auto all_found = [&] {
    CHECK(found(registry, same[0]) == two.get());
    CHECK(found(registry, same[1]) == two.get());
    CHECK(found(registry, same[2]) == one.get());
    CHECK(found(registry, same[3]) == nullptr);
  };
  all_found();

  // Fill the same shard until its table has grown several times: a rebuild
  // places each slot by its address's whole hash, read from the cell.
  std::vector<std::unique_ptr<Cell>> fillers;
  const std::uint64_t shard = same[0].hash() >> 58;
  while (fillers.size() < 300) {
    Address a = Address::random();
    if (a.hash() >> 58 != shard) continue;
    fillers.push_back(cell_at({a}));
    REQUIRE(registry.insert(a, fillers.back().get()));
  }
  all_found();
  for (const auto& filler : fillers) CHECK(found(registry, filler->address) == filler.get());

  // One cell, visited once, though it holds two slots.
  std::size_t visits = 0, visits_of_two = 0;
  registry.for_each_cell([&](const Cell* cell) {
    ++visits;
    visits_of_two += cell == two.get() ? 1 : 0;
  });
  CHECK(visits == fillers.size() + 2);
  CHECK(visits_of_two == 1);

  registry.remove(same[0], two.get());
  CHECK(found(registry, same[0]) == nullptr);
  CHECK(found(registry, same[1]) == two.get());
  CHECK(found(registry, same[2]) == one.get());
  registry.remove(same[2], two.get());  // not its cell: nothing removed
  CHECK(found(registry, same[2]) == one.get());
}

TEST_CASE("a worker takes up to 256 addresses, each reaching it, and a 257th is InvalidAddress") {
  ockam::Node node(ockam::NodeOptions{.threads = 1});
  std::vector<Address> addresses;
  for (int i = 0; i < 257; ++i) addresses.emplace_back("many-" + std::to_string(i));
  CHECK(ockam_test::code_of(node.start_worker(addresses, Nothing{})) == "InvalidAddress");
  CHECK(node.worker_count() == 0);
  addresses.pop_back();
  REQUIRE_OK(node.start_worker(addresses, Nothing{}));
  for (const Address& a : addresses) CHECK_OK(node.send(a, 1));
  REQUIRE_OK(node.stop());
  CHECK(node.stats().handled == 256);
}
