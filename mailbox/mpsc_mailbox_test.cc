#include "mailbox/mpsc_mailbox.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
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
  std::vector<std::unique_ptr<Item[]>> items;
  for (int p = 0; p < kProducers; ++p) items.push_back(std::make_unique<Item[]>(kPerProducer));
  MpscMailbox<Item> box(ockam::mailbox::Start::kMarkedEmpty);
  std::atomic<int> wakes{0};  // seq_cst: test bookkeeping only
  std::atomic<int> wake_pending{0};

  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        items[p][i].producer = p;
        items[p][i].seq = i;
        if (box.push(&items[p][i])) {
          wakes.fetch_add(1);
          wake_pending.fetch_add(1);
        }
      }
    });
  }

  // The consumer "runs" only when woken, like a worker turn, and marks the
  // mailbox empty when it runs dry. Single-waker: a wake never arrives while
  // a previous one is still being served.
  std::vector<int> next_seq(kProducers, 0);
  int received = 0, marks = 0, double_wakes = 0;
  while (received < kProducers * kPerProducer) {
    if (wake_pending.load() == 0) {
      std::this_thread::yield();
      continue;
    }
    // Claim the wake before serving it: no other can come until we mark.
    if (wake_pending.fetch_sub(1) != 1) ++double_wakes;
    for (;;) {
      auto* n = box.pop();
      if (n == nullptr) {
        if (box.try_mark_empty()) break;
        continue;
      }
      if (n->seq != next_seq[n->producer]) FAIL("out of order for producer " << n->producer);
      ++next_seq[n->producer];
      ++received;
    }
    ++marks;
  }
  for (auto& t : producers) t.join();
  CHECK(received == kProducers * kPerProducer);
  for (int p = 0; p < kProducers; ++p) CHECK(next_seq[p] == kPerProducer);
  CHECK(double_wakes == 0);
  CHECK(wakes.load() == marks);
  CHECK(box.pop() == nullptr);
}
