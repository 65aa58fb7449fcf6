// //third_party:concurrentqueue: moodycamel MPMC queues from Debian.
#include <doctest/doctest.h>

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

TEST_CASE("single thread: FIFO through one producer token") {
  moodycamel::ConcurrentQueue<int> q;
  moodycamel::ProducerToken tok(q);
  for (int i = 0; i < 100; ++i) REQUIRE(q.enqueue(tok, i));
  int v = -1;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(q.try_dequeue_from_producer(tok, v));
    CHECK(v == i);
  }
  CHECK_FALSE(q.try_dequeue(v));
}

TEST_CASE("move-only payloads") {
  moodycamel::ConcurrentQueue<std::unique_ptr<int>> q;
  q.enqueue(std::make_unique<int>(42));
  std::unique_ptr<int> out;
  REQUIRE(q.try_dequeue(out));
  REQUIRE(out);
  CHECK(*out == 42);
}

TEST_CASE("4 producers, 1 blocking consumer: every item exactly once") {
  constexpr int kProducers = 4;
  constexpr std::int64_t kPerProducer = 20000;
  moodycamel::BlockingConcurrentQueue<std::int64_t> q;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, p] {
      for (std::int64_t i = 0; i < kPerProducer; ++i) q.enqueue(p * kPerProducer + i);
    });
  }
  std::vector<int> seen(kProducers * kPerProducer, 0);
  std::int64_t got = 0;
  std::int64_t item = 0;
  while (got < kProducers * kPerProducer) {
    // A generous timeout so a lost item fails the test instead of hanging it.
    REQUIRE(q.wait_dequeue_timed(item, std::chrono::seconds(30)));
    REQUIRE(item >= 0);
    REQUIRE(item < kProducers * kPerProducer);
    seen[item] += 1;
    ++got;
  }
  for (auto& t : producers) t.join();
  int once = 0;
  for (int s : seen) once += (s == 1);
  CHECK(once == kProducers * kPerProducer);
  CHECK(q.size_approx() == 0);
}

TEST_CASE("1 implicit producer, 2 bulk consumers, blocks recycled: every item exactly once") {
  // The scheduler's pattern. Many more items than one block holds, so the
  // producer reuses slots the consumers emptied.
  struct Item {
    std::int64_t value;
  };
  constexpr std::int64_t kItems = 200000;
  moodycamel::ConcurrentQueue<Item*> q;
  std::atomic<std::int64_t> taken{0};
  std::vector<std::vector<std::int64_t>> got(2);
  std::vector<std::thread> consumers;
  for (int c = 0; c < 2; ++c) {
    consumers.emplace_back([&q, &taken, &mine = got[c]] {
      Item* buf[16];
      while (taken.load(std::memory_order_acquire) < kItems) {
        std::size_t n = q.try_dequeue_bulk(buf, 16);
        for (std::size_t i = 0; i < n; ++i) {
          mine.push_back(buf[i]->value);  // reads what the producer wrote
          delete buf[i];
        }
        taken.fetch_add(static_cast<std::int64_t>(n), std::memory_order_acq_rel);
        if (n == 0) std::this_thread::yield();
      }
    });
  }
  for (std::int64_t i = 0; i < kItems; ++i) REQUIRE(q.enqueue(new Item{i}));
  for (auto& t : consumers) t.join();

  std::vector<int> seen(kItems, 0);
  for (const auto& mine : got) {
    for (std::int64_t v : mine) seen[v] += 1;
  }
  int once = 0;
  for (int s : seen) once += (s == 1);
  CHECK(once == kItems);
}
