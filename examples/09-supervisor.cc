// A supervisor: it starts a child, monitors it (Context::monitor), and
// restarts it each time it stops, failed or not, until the node stops.
// The child cannot initialize the first time ("no connection yet"), and
// after two jobs in one life it breaks and stops itself; the app sends it
// jobs and sends a job again when the child came back instead of answering.
#include <iostream>
#include <string>

#include "runtime/ockam.h"

struct Child : ockam::Worker<int> {
  int attempt;  // which start of the child this is: 1, 2, ...
  int jobs = 0;
  explicit Child(int a) : attempt(a) {}
  ockam::Result<void> initialize(ockam::Context& ctx) override {
    if (attempt == 1) {
      std::cout << "child: initialize (attempt 1) failed: no connection yet\n";
      return ockam::Error(ockam::ErrorCode::WorkerFailed, "no connection yet");
    }
    std::cout << "child: ready (attempt " << attempt << ")\n";
    return ctx.send("app", std::string("ready"));
  }
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<int> msg) override {
    if (++jobs > 2) {
      std::cout << "child: job " << msg.body() << " crashed; stopping\n";
      return ctx.stop_worker(ctx.address());
    }
    std::cout << "child: job " << msg.body() << " done\n";
    return ctx.send(msg.return_route(), std::string("done"));
  }
};

struct Supervisor : ockam::Worker<ockam::Any> {
  static constexpr int kMaxRestarts = 5;
  int starts = 0;
  ockam::Result<void> initialize(ockam::Context& ctx) override { return start_child(ctx); }
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<ockam::Any> msg) override {
    const auto* stopped = msg.body().get_if<ockam::WorkerStopped>();
    if (stopped == nullptr) return {};
    std::cout << "supervisor: '" << stopped->address << "' " << stopped->reason << " (" << stopped->message << ")";
    if (stopped->reason == ockam::WorkerStopped::Reason::NodeStopping) {
      std::cout << "; no restart\n";
      return {};
    }
    if (starts > kMaxRestarts) {
      std::cout << "; gave up\n";
      return {};
    }
    std::cout << "; restart " << starts << "\n";
    return start_child(ctx);
  }
  ockam::Result<void> start_child(ockam::Context& ctx) {
    if (auto started = ctx.start_worker("child", Child{++starts}); !started) return started;
    return ctx.monitor("child");  // told once when this life of the child ends
  }
};

int main() {
  ockam::Node node;
  if (!node.start_worker("supervisor", Supervisor{})) return 1;
  auto next = [&]() -> std::string {
    auto reply = node.receive<std::string>();
    return reply ? reply.value().body() : "<" + reply.error().to_string() + ">";
  };
  if (next() != "ready") return 1;
  std::cout << "app: the child is ready\n";
  for (int job = 1; job <= 3;) {
    if (!node.send("child", job)) return 1;
    const std::string reply = next();
    if (reply == "done") {
      std::cout << "app: job " << job++ << " done\n";
    } else if (reply == "ready") {
      std::cout << "app: the child was restarted; job " << job << " again\n";
    } else {
      std::cerr << "app: " << reply << "\n";
      return 1;
    }
  }
  if (!node.stop()) return 1;
  return 0;
}
