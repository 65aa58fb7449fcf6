// A processor reading lines from stdin: on a thread of its own (a read
// blocks), it sends each line to an echoer worker and receives the echo on
// its own context; at the end of input it tells the app and returns false,
// which stops it.
#include <iostream>
#include <string>

#include "runtime/ockam.h"

struct Echoer : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    std::cout << "echoer: " << msg.body() << "\n";
    return ctx.send(msg.return_route(), std::move(msg).into_body());  // back to the reader
  }
};

struct StdinReader : ockam::Processor {
  int lines = 0;
  ockam::Result<bool> process(ockam::Context& ctx) override {
    std::string line;
    if (!std::getline(std::cin, line)) {
      auto told = ctx.send("app", lines);
      if (!told) return told.error();
      return false;  // end of input: the reader stops
    }
    ++lines;
    if (auto sent = ctx.send("echoer", line); !sent) return sent.error();
    auto echo = ctx.receive<std::string>();  // an own-thread processor receives as the app does
    if (!echo) return echo.error();
    std::cout << "reader: echoed " << echo.value().body() << "\n";
    return true;
  }
};

int main() {
  ockam::Node node;
  if (!node.start_worker("echoer", Echoer{})) return 1;
  if (!node.start_processor("reader", StdinReader{})) return 1;  // ProcessorOptions{.own_thread = true}
  auto lines = node.receive<int>(std::chrono::minutes(10));
  if (!lines) {
    std::cerr << "app: " << lines.error() << "\n";
    return 1;
  }
  std::cout << "app: the reader read " << lines.value().body() << " line(s)\n";
  return node.stop() ? 0 : 1;
}
