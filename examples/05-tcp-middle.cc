// The node in the middle: it listens for initiators and relays their
// messages to a responder over a second TCP connection, through the hop
// worker "hop". The initiator sends on the route
//
//   1#<this node> -> hop -> 1#<responder> -> echoer
//
// and the reply comes back the same way, because "hop" (like every TCP
// connection) adds itself to the return route. The hop prints each return
// route it sees: a request's starts with the initiator's connection, at an
// address this node drew for it ("1#in-" and 16 hex digits).
//
//   bazel run //examples:04-tcp-responder -- 127.0.0.1:4000
//   bazel run //examples:05-tcp-middle -- 127.0.0.1:4001 127.0.0.1:4000
//   bazel run //examples:04-tcp-initiator -- 127.0.0.1:4001 1#127.0.0.1:4001,hop,1#127.0.0.1:4000,echoer
//
// Runs until SIGINT or SIGTERM, then stops the node and exits 0.
#include <cstdint>
#include <iostream>
#include <string>

#include "examples/run_until_signal.h"
#include "runtime/ockam.h"
#include "runtime/transport.h"
#include "transport/tcp.h"

// Takes messages of any type (Worker<Any>) and passes them on unchanged.
// It prints each return route, and the body's bytes as they crossed the
// wire: what a relay sees (through a secure channel, ciphertext only; see
// 12-secure-channel-through-a-relay in the README).
struct Hop : ockam::Worker<ockam::Any> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<ockam::Any> msg) override {
    std::cout << "Return route: " << msg.return_route() << std::endl;
    if (auto bytes = ockam::peer_bytes(msg)) {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex;
      for (std::uint8_t b : *bytes) {
        hex.push_back(kHex[b >> 4]);
        hex.push_back(kHex[b & 15]);
      }
      std::cout << "Relayed bytes: " << hex << std::endl;
    }
    // Pops "hop" off the onward route, pushes it onto the return route.
    return ctx.forward(std::move(msg));
  }
};

int main(int argc, char** argv) {
  // Before the node starts its threads: they inherit the blocked SIGINT and
  // SIGTERM.
  if (!examples::block_stop_signals()) return 1;
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " <listen host:port> <responder host:port>\n";
    return 2;
  }
  const std::string listen_at = argv[1];
  const std::string responder = argv[2];

  ockam::Node node;
  auto tcp = ockam::TcpTransport::create(node);
  if (!tcp) {
    std::cerr << "TcpTransport::create failed: " << tcp.error() << "\n";
    return 1;
  }
  if (auto connected = tcp.value().connect(responder); !connected) {
    std::cerr << "connect to " << responder << " failed: " << connected.error() << "\n";
    return 1;
  }
  if (auto started = node.start_worker("hop", Hop{}); !started) {
    std::cerr << "start_worker failed: " << started.error() << "\n";
    return 1;
  }
  // Listens for initiators until SIGINT or SIGTERM (examples/run_until_signal.h).
  // Initiators reach "hop" alone; what hop forwards is its own decision.
  return examples::run_until_signal(node, tcp.value(), listen_at, ockam::TcpListenOptions{.expose = {"hop"}});
}
