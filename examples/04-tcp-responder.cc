// The responder of Ockam's TCP example: an echoer that other nodes reach over
// TCP. It listens on host:port and answers every message on its return route.
//
//   bazel run //examples:04-tcp-responder -- 127.0.0.1:4000
//   bazel run //examples:04-tcp-initiator -- 127.0.0.1:4000    (another shell)
//
// Runs until SIGINT or SIGTERM, then stops the node and exits 0.
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <iostream>
#include <string>

#include "runtime/ockam.h"
#include "transport/tcp.h"

struct Echoer : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    // std::endl: the line reaches a pipe or file at once, not at exit.
    std::cout << "Address: " << ctx.address() << ", Received: " << msg.body() << std::endl;
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

int main(int argc, char** argv) {
  const std::string listen_at = argc > 1 ? argv[1] : "127.0.0.1:4000";

  // Block SIGINT and SIGTERM before the node starts its threads (they inherit
  // this mask), so only the sigwait() below ever takes them.
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
  if (auto started = node.start_worker("echoer", Echoer{}); !started) {
    std::cerr << "start_worker failed: " << started.error() << "\n";
    return 1;
  }
  auto listening = tcp.value().listen(listen_at);
  if (!listening) {
    std::cerr << "listen on " << listen_at << " failed: " << listening.error() << "\n";
    return 1;
  }
  // With port 0 this shows the port the system picked.
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
