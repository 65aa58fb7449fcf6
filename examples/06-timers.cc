// Timers: send_after(delay, route, body) sends a message later, from the
// context that set it; the Timer it returns cancels it. One timer thread
// per node fires them in the order of their deadlines.
#include <chrono>
#include <iostream>
#include <string>

#include "runtime/ockam.h"

using namespace std::chrono_literals;

// Beats `beats` times, 10 ms apart, by sending itself a timer each beat;
// then tells whoever started it.
struct Heart : ockam::Worker<int> {
  ockam::Route owner;
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<int> msg) override {
    if (msg.return_route().recipient() != ctx.address()) owner = msg.return_route();  // the start
    const int left = msg.body();
    if (left == 0) return ctx.send(owner, std::string("heartbeat: done"));
    auto timer = ctx.send_after(10ms, ctx.address(), left - 1);  // its return route: this worker
    if (!timer) return timer.error();
    return {};
  }
};

int main() {
  ockam::Node node;
  ockam::Context& app = node.context();

  for (int ms : {300, 100, 200}) {
    if (!app.send_after(std::chrono::milliseconds(ms), "app", ms)) return 1;
  }
  for (int i = 0; i < 3; ++i) {
    auto tick = node.receive<int>(1s);
    if (!tick) return 1;
    std::cout << "tick after " << tick.value().body() << " ms\n";  // 100, 200, 300: the order of the deadlines
  }

  auto never = app.send_after(50ms, "app", -1);
  if (!never) return 1;
  std::cout << "cancelled before firing: " << (never.value().cancel() ? "yes" : "no") << "\n";

  if (!node.start_worker("heart", Heart{})) return 1;
  if (!node.send("heart", 3)) return 1;
  auto beat = node.receive<std::string>(1s);
  if (!beat) return 1;
  std::cout << beat.value().body() << "\n";

  if (!app.send_after(1min, "app", 0)) return 1;  // still pending at the stop
  if (!node.stop()) return 1;
  std::cout << "pending at stop: dropped " << node.stats().timers_dropped << "\n";
  // The cancelled timer never came.
  return node.receive<int>(0ms).has_value() ? 1 : 0;
}
