// Requests with a timeout. The app (or a detached context, on any thread)
// blocks in request<R>(route, body, timeout); a worker passes a
// continuation that runs later as one of its own turns. Each request has a
// reply address of its own, so a late reply is never taken for a later
// request: it is dropped and counted.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "runtime/ockam.h"

using namespace std::chrono_literals;

// Answers n with 2n.
struct Doubler : ockam::Worker<int> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<int> msg) override {
    return ctx.send(msg.return_route(), 2 * msg.body());
  }
};

// Answers, but 100 ms later (a timer).
struct Slow : ockam::Worker<int> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<int> msg) override {
    auto later = ctx.send_after(100ms, msg.return_route(), msg.body());
    if (!later) return later.error();
    return {};
  }
};

// On a route, asks the server there for 2 * 5 and tells the app what came.
struct Client : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    const std::string server = msg.body();
    return ctx.request<int>(server, 5, 20ms, [server](ockam::Context& c, ockam::Result<ockam::Routed<int>> reply) {
      // A turn of this worker: never beside its handle_message.
      std::string what = reply ? std::to_string(reply.value().body()) : std::string(ockam::to_string(reply.error().code()));
      (void)c.send("app", "worker asked " + server + ": " + what);
    });
  }
};

int main() {
  ockam::Node node;
  if (!node.start_worker("doubler", Doubler{}) || !node.start_worker("slow", Slow{}) ||
      !node.start_worker("client", Client{})) {
    return 1;
  }
  ockam::Context& app = node.context();

  auto answer = app.request<int>("doubler", 21, 1s);
  std::cout << "app asked doubler: " << (answer ? std::to_string(answer.value().body()) : "error") << "\n";

  auto late = app.request<int>("slow", 1, 20ms);  // slow answers after 100 ms
  std::cout << "app asked slow: " << (late ? "a reply" : ockam::to_string(late.error().code())) << "\n";

  for (const char* server : {"doubler", "slow"}) {
    if (!node.send("client", std::string(server))) return 1;
    auto told = node.receive<std::string>(1s);
    if (!told) return 1;
    std::cout << told.value().body() << "\n";
  }

  auto side = node.new_detached("side");
  if (!side) return 1;
  std::string from_thread;
  std::thread other([&] {
    auto eight = side.value()->request<int>("doubler", 4, 1s);
    from_thread = eight ? std::to_string(eight.value().body()) : "error";
  });
  other.join();
  std::cout << "a detached context asked doubler: " << from_thread << "\n";

  // slow's two late answers fire before this one (earlier deadlines).
  if (!app.request<int>("slow", 2, 1s)) return 1;
  if (!node.stop()) return 1;
  std::cout << "late replies dropped: " << node.stats().late_replies << "\n";
  return 0;
}
