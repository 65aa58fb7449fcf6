// task_arena::enqueue + task_group, the pattern the runtime's scheduler uses.
//
// Each task writes a plain (non-atomic) slot; the main thread reads the slots
// after tg.wait(). That is race-free only because oneTBB's wait() gives a
// happens-before edge. Under --config=tsan this test must report NOTHING: it
// links the oneTBB built with -fsanitize=thread (scripts/build-tsan-tbb.sh),
// whose synchronisation TSan can see. Linked against Debian's uninstrumented
// libtbb, TSan reports (false) data races here, and halt_on_error fails it.
#include <doctest/doctest.h>

#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <atomic>
#include <latch>
#include <memory>
#include <vector>

namespace {
struct Slot {
  long value = 0;
  int writes = 0;
};
}  // namespace

TEST_CASE("task_arena::enqueue(task_group::defer(...)) runs every task, wait() publishes their writes") {
  constexpr int kTasks = 2000;
  tbb::task_arena arena(4);
  tbb::task_group tg;
  std::vector<Slot> slots(kTasks);
  std::atomic<int> counter{0};

  for (int i = 0; i < kTasks; ++i) {
    arena.enqueue(tg.defer([&slots, &counter, i] {
      slots[i].value = static_cast<long>(i) * i;
      slots[i].writes += 1;
      counter.fetch_add(1, std::memory_order_relaxed);
    }));
  }
  arena.execute([&tg] { tg.wait(); });

  CHECK(counter.load() == kTasks);
  long sum = 0;
  int once = 0;
  for (const Slot& s : slots) {
    sum += s.value;
    once += (s.writes == 1);
  }
  CHECK(once == kTasks);
  long expected = 0;
  for (long i = 0; i < kTasks; ++i) expected += i * i;
  CHECK(sum == expected);
}

TEST_CASE("task_arena::enqueue(functor) runs heap state handed over by the enqueuer") {
  constexpr int kTasks = 500;
  tbb::task_arena arena(2);
  std::latch done(kTasks);
  std::vector<long> out(kTasks, -1);
  for (int i = 0; i < kTasks; ++i) {
    // The payload is created here and read by a worker thread: only oneTBB's
    // enqueue hands it over.
    auto payload = std::make_shared<std::vector<long>>(8, i);
    arena.enqueue([payload, &out, &done, i] {
      long s = 0;
      for (long v : *payload) s += v;
      out[i] = s;
      done.count_down();
    });
  }
  done.wait();
  for (int i = 0; i < kTasks; ++i) CHECK(out[i] == 8L * i);
}

TEST_CASE("nested task_group inside an arena task") {
  tbb::task_arena arena(2);
  long total = 0;  // written by the arena task, read after execute() returns
  arena.execute([&total] {
    tbb::task_group tg;
    std::vector<long> parts(64, 0);
    for (int i = 0; i < 64; ++i) tg.run([&parts, i] { parts[i] = i + 1; });
    tg.wait();
    for (long p : parts) total += p;
  });
  CHECK(total == 64 * 65 / 2);
}
