// The responder of Ockam's TCP example: an echoer that other nodes reach over
// TCP. It listens on host:port and answers every message on its return route.
//
//   bazel run //examples:04-tcp-responder -- 127.0.0.1:4000
//   bazel run //examples:04-tcp-initiator -- 127.0.0.1:4000    (another shell)
//
// Runs until SIGINT or SIGTERM, then stops the node and exits 0.
#include <iostream>
#include <string>

#include "examples/run_until_signal.h"
#include "runtime/ockam.h"
#include "transport/tcp.h"

struct Echoer : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    // std::endl: the line reaches a pipe or file at once, not at exit. The
    // body is a peer's text: escaped, it cannot forge lines or drive a terminal.
    std::cout << "Address: " << ctx.address() << ", Received: " << ockam::escaped(msg.body()) << std::endl;
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

int main(int argc, char** argv) {
  const std::string listen_at = argc > 1 ? argv[1] : "127.0.0.1:4000";
  // Before the node starts its threads: they inherit the blocked SIGINT and
  // SIGTERM.
  if (!examples::block_stop_signals()) return 1;

  ockam::Node node;
  auto tcp = ockam::TcpTransport::create(node);
  if (!tcp) {
    std::cerr << "TcpTransport::create failed: " << tcp.error() << "\n";
    return 1;
  }
  if (auto started = node.start_worker("echoer", Echoer{}); !started) {
    std::cerr << "start_worker failed: " << started.error() << "\n";
    return 1;
  }
  // Listens, prints "Listening on 1#host:port", stops the node on a signal.
  // Peers reach "echoer" and nothing else: not the app, the transport's
  // router, nor another peer's connection.
  return examples::run_until_signal(node, tcp.value(), listen_at, ockam::TcpListenOptions{.expose = {"echoer"}});
}
