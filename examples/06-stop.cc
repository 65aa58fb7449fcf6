// Stopping a node with a deadline: stop(timeout) lets workers handle what is
// queued (the drain), then stops them; what the deadline cuts off is counted
// as dropped. Here a worker has 1,000 messages of 0.2 ms of work each queued.
#include <chrono>
#include <iostream>
#include <thread>

#include "runtime/ockam.h"

struct Slow : ockam::Worker<int> {
  int* handled;
  explicit Slow(int* h) : handled(h) {}
  ockam::Result<void> handle_message(ockam::Context&, ockam::Routed<int>) override {
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // the work
    ++*handled;
    return {};
  }
};

int run(std::chrono::milliseconds timeout) {
  int handled = 0;  // written by the worker; read after stop() joined the pool
  ockam::Node node;
  if (!node.start_worker("slow", Slow{&handled})) return 1;
  for (int i = 0; i < 1000; ++i) {
    if (!node.send("slow", i)) return 1;
  }
  auto stopped = node.stop(timeout);
  if (!stopped) {
    std::cerr << "stop failed: " << stopped.error() << "\n";
    return 1;
  }
  std::cout << "stop(" << timeout.count() << " ms): handled " << (handled == 1000 ? "all" : "some")
            << ", dropped " << (node.stats().dropped == 0 ? "none" : "the rest") << "\n";
  return handled + static_cast<int>(node.stats().dropped) == 1000 ? 0 : 1;
}

int main() {
  using namespace std::chrono_literals;
  if (run(10s) != 0) return 1;  // the drain finishes long before the deadline
  if (run(0ms) != 0) return 1;  // no drain: what is queued is dropped
  return 0;
}
