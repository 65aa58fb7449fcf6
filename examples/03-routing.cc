// The seed's routing example: "Hello Ockam!" travels app -> h1 -> h2 -> echoer
// and the reply comes back the same way, because each hop adds itself to the
// return route.
#include <iostream>
#include <string>

#include "runtime/ockam.h"

// A hop takes messages of any type (Worker<Any>) and passes them on unchanged.
struct Hop : ockam::Worker<ockam::Any> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<ockam::Any> msg) override {
    std::cout << "Address: " << ctx.address() << ", Received: ";
    if (const std::string* text = msg.body().get_if<std::string>()) {
      std::cout << *text;
    } else {
      std::cout << "a " << msg.body().type_name();
    }
    std::cout << ", Onward route: " << msg.onward_route() << "\n";
    // forward() pops this hop off the onward route and pushes it onto the
    // return route, so the reply finds its way back through us.
    return ctx.forward(std::move(msg));
  }
};

struct Echoer : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    std::cout << "Address: " << ctx.address() << ", Received: " << msg.body() << "\n";
    std::cout << "Echoer onward route: " << msg.onward_route() << "\n";
    std::cout << "Echoer return route: " << msg.return_route() << "\n";
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

int main() {
  ockam::Node node;
  for (auto started : {node.start_worker("h1", Hop{}), node.start_worker("h2", Hop{}),
                       node.start_worker("echoer", Echoer{})}) {
    if (!started) {
      std::cerr << "start_worker failed: " << started.error() << "\n";
      return 1;
    }
  }

  auto sent = node.send(ockam::Route{"h1", "h2", "echoer"}, std::string("Hello Ockam!"));
  if (!sent) {
    std::cerr << "send failed: " << sent.error() << "\n";
    return 1;
  }

  auto reply = node.receive<std::string>();
  if (!reply) {
    std::cerr << "receive failed: " << reply.error() << "\n";
    return 1;
  }
  std::cout << "App Received: " << reply.value().body() << "\n";  // Hello Ockam!
  // The reply came back through h1, which put itself first.
  std::cout << "Return route: " << reply.value().return_route() << "\n";
  return node.stop() ? 0 : 1;
}
