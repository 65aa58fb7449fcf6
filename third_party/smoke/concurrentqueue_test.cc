// //third_party:concurrentqueue: moodycamel MPMC queues from Debian.
#include <doctest/doctest.h>

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>

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
