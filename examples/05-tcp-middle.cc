// The node in the middle: it listens for initiators and relays their
// messages to a responder over a second TCP connection, through the hop
// worker "hop". The initiator sends on the route
//
//   1#<this node> -> hop -> 1#<responder> -> echoer
//
// and the reply comes back the same way, because "hop" (like every TCP
// connection) adds itself to the return route.
//
//   bazel run //examples:04-tcp-responder -- 127.0.0.1:4000
//   bazel run //examples:05-tcp-middle -- 127.0.0.1:4001 127.0.0.1:4000
//   bazel run //examples:04-tcp-initiator -- 127.0.0.1:4001 1#127.0.0.1:4001,hop,1#127.0.0.1:4000,echoer
//
// Runs until SIGINT or SIGTERM, then stops the node and exits 0.
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <iostream>
#include <string>

#include "runtime/ockam.h"
#include "transport/tcp.h"

// Takes messages of any type (Worker<Any>) and passes them on unchanged.
struct Hop : ockam::Worker<ockam::Any> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<ockam::Any> msg) override {
    std::cout << "Return route: " << msg.return_route() << std::endl;
    // Pops "hop" off the onward route, pushes it onto the return route.
    return ctx.forward(std::move(msg));
  }
};

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " <listen host:port> <responder host:port>\n";
    return 2;
  }
  const std::string listen_at = argv[1];
  const std::string responder = argv[2];

  // Blocked before the node starts its threads (they inherit the mask), so
  // only the sigwait() below takes SIGINT and SIGTERM.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (int rc = pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr); rc != 0) {
    std::cerr << "pthread_sigmask failed: " << std::strerror(rc) << "\n";
    return 1;
  }

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
  auto listening = tcp.value().listen(listen_at);
  if (!listening) {
    std::cerr << "listen on " << listen_at << " failed: " << listening.error() << "\n";
    return 1;
  }
  std::cout << "Listening on " << listening.value() << std::endl;

  int received = 0;
  if (int rc = sigwait(&stop_signals, &received); rc != 0) {
    std::cerr << "sigwait failed: " << std::strerror(rc) << "\n";
    return 1;
  }
  if (auto stopped = node.stop(); !stopped) {
    std::cerr << "stop failed: " << stopped.error() << "\n";
    return 1;
  }
  return 0;
}
