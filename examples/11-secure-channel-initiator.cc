// The initiator of the secure-channel example: connects to a responder's
// node, opens a secure channel to its listener, sends "Hello Ockam!" through
// the channel to the echoer and prints the reply.
//
//   11-secure-channel-initiator <host:port> [route to the listener]
//
// The route defaults to 1#<host:port> -> secure_channel_listener; through a
// relay node (05-tcp-middle), e.g.:
//   1#127.0.0.1:4001,hop,1#127.0.0.1:4000,secure_channel_listener
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ockam.h"
#include "secure_channel/secure_channel.h"
#include "transport/tcp.h"

namespace {

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
    std::cerr << "usage: " << argv[0] << " <host:port> [route to the listener]\n";
    return 2;
  }
  const std::string peer = argc > 1 ? argv[1] : "127.0.0.1:4000";
  auto identity = ockam::Identity::generate();
  if (!identity) {
    std::cerr << "identity: " << identity.error() << "\n";
    return 1;
  }

  ockam::Node node;
  auto tcp = ockam::TcpTransport::create(node);
  if (!tcp) {
    std::cerr << "TcpTransport::create failed: " << tcp.error() << "\n";
    return 1;
  }
  auto connection = tcp.value().connect(peer);
  if (!connection) {
    std::cerr << "connect to " << peer << " failed: " << connection.error() << "\n";
    return 1;
  }
  const ockam::Route to_listener =
      argc > 2 ? parse_route(argv[2]) : ockam::Route{connection.value(), "secure_channel_listener"};
  auto channel = ockam::create_secure_channel(node, to_listener, identity.value());
  if (!channel) {
    std::cerr << "create_secure_channel on " << to_listener << " failed: " << channel.error() << "\n";
    return 1;
  }
  if (auto sent = node.send(ockam::Route{channel.value(), "echoer"}, std::string("Hello Ockam!")); !sent) {
    std::cerr << "send failed: " << sent.error() << "\n";
    return 1;
  }
  auto reply = node.receive<std::string>();
  if (!reply) {
    std::cerr << "receive failed: " << reply.error() << "\n";
    return 1;
  }
  std::cout << "App Received: " << reply.value().body() << "\n";
  // The channel's local address (random), then the echoer over there.
  std::cout << "Return route hops: " << reply.value().return_route().size() << ", through the channel: "
            << (reply.value().return_route().next() == channel.value() ? "yes" : "no") << "\n";
  if (auto stopped = node.stop(); !stopped) {
    std::cerr << "stop failed: " << stopped.error() << "\n";
    return 1;
  }
  return 0;
}
