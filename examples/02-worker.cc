// The seed's 02-worker: start an echoer, send it a message, receive the reply.
#include <iostream>
#include <string>

#include "runtime/ockam.h"

struct Echoer : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    std::cout << "Address: " << ctx.address() << ", Received: " << msg.body() << "\n";
    // Echo the message body back on its return route.
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

int main() {
  ockam::Node node;
  node.start_worker("echoer", Echoer{});
  node.send("echoer", std::string("Hello Ockam!"));
  auto reply = node.receive<std::string>();
  std::cout << "App Received: " << reply.value().body() << "\n";  // Hello Ockam!
  node.stop();
}
