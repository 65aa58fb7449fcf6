#include "mailbox/mpsc_mailbox.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using ockam::mailbox::MailboxNode;
using ockam::mailbox::MpscMailbox;

struct Item : MailboxNode {
  int producer = 0;
  int seq = 0;
};

int stress_divisor() {
  const char* d = std::getenv("OCKAM_STRESS_DIVISOR");
  const int v = d ? std::atoi(d) : 1;
  return v > 0 ? v : 1;
}

}  // namespace

TEST_CASE("nodes pushed by one thread come out in push order, each once") {
  MpscMailbox<Item> box;
  std::vector<Item> items(100);
  for (int i = 0; i < 100; ++i) {
    items[i].seq = i;
    box.push(&items[i]);
  }
  for (int i = 0; i < 100; ++i) {
    auto* n = box.pop();
    REQUIRE(n != nullptr);
    CHECK(n->seq == i);
  }
  CHECK(box.pop() == nullptr);
}

TEST_CASE("has_more tells the consumer whether a node waits behind the ones it popped") {
  MpscMailbox<Item> box;
  std::vector<Item> items(3);
  CHECK_FALSE(box.has_more());
  box.push(&items[0]);
  CHECK(box.has_more());
  box.push(&items[1]);
  REQUIRE(box.pop() == &items[0]);
  CHECK(box.has_more());
  REQUIRE(box.pop() == &items[1]);  // the last one: the stub goes back in behind it
  CHECK_FALSE(box.has_more());
  box.push(&items[2]);
  CHECK(box.has_more());
  REQUIRE(box.pop() == &items[2]);
  CHECK_FALSE(box.has_more());
  CHECK(box.pop() == nullptr);
}

TEST_CASE("only the push that finds the mailbox marked empty is told to wake the consumer") {
  MpscMailbox<Item> box(ockam::mailbox::Start::kMarkedEmpty);
  Item a, b, c;
  CHECK(box.push(&a));
  CHECK_FALSE(box.push(&b));
  CHECK(box.pop() == &a);
  CHECK(box.pop() == &b);
  CHECK(box.pop() == nullptr);
  CHECK(box.try_mark_empty());
  CHECK(box.marked_empty());
  CHECK(box.push(&c));
  CHECK_FALSE(box.marked_empty());
}

TEST_CASE("a mailbox that starts scheduled is not marked empty until the consumer marks it") {
  MpscMailbox<Item> box(ockam::mailbox::Start::kScheduled);
  Item a;
  CHECK_FALSE(box.push(&a));
  CHECK_FALSE(box.try_mark_empty());  // a is still queued
  CHECK(box.pop() == &a);
  CHECK(box.try_mark_empty());
  CHECK(box.try_mark_empty());  // marking twice is harmless
}

TEST_CASE("the last node can be popped and reused at once (the stub is re-inserted behind it)") {
  MpscMailbox<Item> box;
  Item a;
  for (int round = 0; round < 3; ++round) {
    box.push(&a);
    CHECK(box.pop() == &a);
    CHECK(box.pop() == nullptr);
  }
}

TEST_CASE("many producers: every node arrives once, in each producer's order, with one wake per idle period") {
  const int kProducers = 4;
  const int kPerProducer = 200000 / stress_divisor();
  const int kTotal = kProducers * kPerProducer;
  std::vector<std::unique_ptr<Item[]>> items;
  for (int p = 0; p < kProducers; ++p) items.push_back(std::make_unique<Item[]>(kPerProducer));
  MpscMailbox<Item> box(ockam::mailbox::Start::kMarkedEmpty);
  // seq_cst: test bookkeeping. A producer adds its wake before it counts
  // itself done, so a consumer that sees every producer done sees every wake.
  std::atomic<int> wakes{0};
  std::atomic<int> wake_pending{0};
  std::atomic<int> producers_done{0};

  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        // Lets the consumer catch up now and then, so the mailbox goes idle
        // and is woken thousands of times, not once (load, not ordering).
        if (i % 64 == 0) std::this_thread::yield();
        items[p][i].producer = p;
        items[p][i].seq = i;
        if (box.push(&items[p][i])) {
          wakes.fetch_add(1);
          wake_pending.fetch_add(1);
        }
      }
      producers_done.fetch_add(1);
    });
  }

  // The consumer "runs" only when woken, like a worker turn, and marks the
  // mailbox empty when it runs dry. Single-waker: a wake never arrives while
  // a previous one is still being served. It returns what went wrong (empty
  // if nothing) instead of spinning: a lost wake-up is certain once every
  // producer is done with nodes still queued and no wake pending, and a
  // serving loop that neither pops nor marks for kStall is stuck.
  const auto kStall = std::chrono::seconds(20);
  std::vector<int> next_seq(kProducers, 0);
  int received = 0, marks = 0, double_wakes = 0;
  auto consume = [&]() -> std::string {
    while (received < kTotal) {
      if (wake_pending.load() == 0) {
        if (producers_done.load() == kProducers && wake_pending.load() == 0) {
          return "lost wake-up: every producer is done, " + std::to_string(kTotal - received) +
                 " node(s) are still queued, and no push reported the mailbox marked empty";
        }
        std::this_thread::yield();
        continue;
      }
      // Claim the wake before serving it: no other can come until we mark.
      if (wake_pending.fetch_sub(1) != 1) ++double_wakes;
      auto progress = std::chrono::steady_clock::now();
      for (;;) {
        auto* n = box.pop();
        if (n == nullptr) {
          if (box.try_mark_empty()) break;
          if (std::chrono::steady_clock::now() - progress > kStall) {
            return "stuck: pop() finds nothing and try_mark_empty() fails, with " +
                   std::to_string(received) + " of " + std::to_string(kTotal) + " received";
          }
          std::this_thread::yield();  // a push is between its exchange and its link
          continue;
        }
        if (n->seq != next_seq[n->producer]) {
          return "out of order for producer " + std::to_string(n->producer) + ": seq " +
                 std::to_string(n->seq) + ", expected " + std::to_string(next_seq[n->producer]);
        }
        ++next_seq[n->producer];
        ++received;
        progress = std::chrono::steady_clock::now();
      }
      ++marks;
    }
    return {};
  };
  const std::string failure = consume();
  for (auto& t : producers) t.join();  // pushes never block: they all finish
  REQUIRE_MESSAGE(failure.empty(), failure);
  CHECK(received == kTotal);
  for (int p = 0; p < kProducers; ++p) CHECK(next_seq[p] == kPerProducer);
  CHECK(double_wakes == 0);
  CHECK(wakes.load() == marks);
  MESSAGE("idle periods (wakes): " << marks);
  CHECK(box.pop() == nullptr);
}

TEST_CASE("a cursor pops what the mailbox would, and the mailbox goes on from where the cursor closed") {
  MpscMailbox<Item> box(ockam::mailbox::Start::kMarkedEmpty);
  std::vector<Item> items(6);
  for (int i = 0; i < 6; ++i) items[i].seq = i;
  CHECK(box.push(&items[0]));
  for (int i = 1; i < 4; ++i) CHECK_FALSE(box.push(&items[i]));
  {
    MpscMailbox<Item>::Cursor cursor(box);
    REQUIRE(cursor.pop() == &items[0]);
    REQUIRE(cursor.pop() == &items[1]);
    CHECK(cursor.has_more());
    cursor.close();
    cursor.close();  // idempotent, and the destructor's close is a no-op
  }
  REQUIRE(box.pop() == &items[2]);  // not items[0] again: the position was written back
  {
    MpscMailbox<Item>::Cursor cursor(box);
    REQUIRE(cursor.pop() == &items[3]);
    CHECK_FALSE(cursor.has_more());
    CHECK(cursor.pop() == nullptr);
    CHECK(cursor.close_and_mark_empty());  // empty: marked, so the next push wakes
  }
  CHECK(box.marked_empty());
  CHECK(box.push(&items[4]));
  CHECK_FALSE(box.push(&items[5]));
  MpscMailbox<Item>::Cursor cursor(box);
  CHECK_FALSE(cursor.close_and_mark_empty());  // two wait: not marked
  CHECK(box.pop() == &items[4]);
  CHECK(box.pop() == &items[5]);
}

TEST_CASE("a consumer popping through cursors, one per batch, gets every node of two producers once and in order") {
  constexpr int kPerProducer = 200000;
  const int n = kPerProducer / stress_divisor();
  MpscMailbox<Item> box;
  std::vector<std::unique_ptr<Item[]>> items;
  for (int p = 0; p < 2; ++p) {
    items.emplace_back(new Item[static_cast<std::size_t>(n)]);
    for (int i = 0; i < n; ++i) {
      items[p][i].producer = p;
      items[p][i].seq = i;
    }
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < n; ++i) box.push(&items[p][i]);
    });
  }
  int next[2] = {0, 0};
  int out_of_order = 0;
  int got = 0;
  while (got < 2 * n) {
    MpscMailbox<Item>::Cursor cursor(box);  // a turn: at most 64 pops, then the position goes back
    for (int k = 0; k < 64 && got < 2 * n; ++k) {
      Item* item = cursor.pop();
      if (item == nullptr) {
        std::this_thread::yield();  // a producer is between its exchange and its link
        continue;
      }
      if (item->seq != next[item->producer]++) ++out_of_order;
      ++got;
    }
  }
  for (auto& t : producers) t.join();
  CHECK(out_of_order == 0);
  CHECK(next[0] == n);
  CHECK(next[1] == n);
  CHECK(box.pop() == nullptr);
}
