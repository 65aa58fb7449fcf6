// The seed's echoer as a consumer writes it; exits nonzero unless the reply
// is "Hello Ockam!".
#include <chrono>
#include <iostream>
#include <string>

#include "runtime/ockam.h"

struct Echoer : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    std::cout << "Address: " << ctx.address() << ", Received: " << msg.body() << "\n";
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

int main() {
  ockam::Node node;
  if (auto started = node.start_worker("echoer", Echoer{}); !started) {
    std::cerr << "FAIL: start_worker: " << started.error() << "\n";
    return 1;
  }
  if (auto sent = node.send("echoer", std::string("Hello Ockam!")); !sent) {
    std::cerr << "FAIL: send: " << sent.error() << "\n";
    return 1;
  }
  auto reply = node.receive<std::string>(std::chrono::seconds(30));
  if (!reply) {
    std::cerr << "FAIL: receive: " << reply.error() << "\n";
    return 1;
  }
  std::cout << "App Received: " << reply.value().body() << "\n";
  if (reply.value().body() != "Hello Ockam!") {
    std::cerr << "FAIL: unexpected reply\n";
    return 1;
  }
  if (auto stopped = node.stop(); !stopped) {
    std::cerr << "FAIL: stop: " << stopped.error() << "\n";
    return 1;
  }
  std::cout << "PASS\n";
  return 0;
}
