// The initiator of Ockam's TCP example: connects to a responder's node, sends
// "Hello Ockam!" to its echoer and prints the reply.
//
//   04-tcp-initiator <host:port> [route]
//
// The route defaults to 1#<host:port> -> echoer. A route given as the second
// argument is comma-separated hops, e.g. through 05-tcp-middle:
//   1#127.0.0.1:4001,hop,1#127.0.0.1:4000,echoer
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ockam.h"
#include "transport/tcp.h"

namespace {

// "a,b,c" -> {"a", "b", "c"} (an empty hop stays, and send() refuses it).
ockam::Route parse_route(std::string_view text) {
  std::vector<ockam::Address> hops;
  for (;;) {
    const std::size_t comma = text.find(',');
    hops.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return ockam::Route(hops);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3) {
    std::cerr << "usage: " << argv[0] << " <host:port> [route]\n";
    return 2;
  }
  const std::string peer = argc > 1 ? argv[1] : "127.0.0.1:4000";

  ockam::Node node;
  auto tcp = ockam::TcpTransport::create(node);
  if (!tcp) {
    std::cerr << "TcpTransport::create failed: " << tcp.error() << "\n";
    return 1;
  }
  auto connection = tcp.value().connect(peer);  // "1#host:port"
  if (!connection) {
    std::cerr << "connect to " << peer << " failed: " << connection.error() << "\n";
    return 1;
  }

  const ockam::Route route =
      argc > 2 ? parse_route(argv[2]) : ockam::Route{connection.value(), "echoer"};
  if (auto sent = node.send(route, std::string("Hello Ockam!")); !sent) {
    std::cerr << "send on " << route << " failed: " << sent.error() << "\n";
    return 1;
  }

  auto reply = node.receive<std::string>();
  if (!reply) {
    std::cerr << "receive failed: " << reply.error() << "\n";
    return 1;
  }
  std::cout << "App Received: " << reply.value().body() << "\n";  // Hello Ockam!
  std::cout << "Return route: " << reply.value().return_route() << "\n";
  if (auto stopped = node.stop(); !stopped) {
    std::cerr << "stop failed: " << stopped.error() << "\n";
    return 1;
  }
  return 0;
}
