// The server examples' shared ending: listen, print where, run until SIGINT
// or SIGTERM, then stop the node. Used by 04-tcp-responder and 05-tcp-middle:
//
//   int main() {
//     if (!examples::block_stop_signals()) return 1;  // before the node
//     ockam::Node node;
//     auto tcp = ockam::TcpTransport::create(node);
//     ... start workers ...
//     return examples::run_until_signal(node, tcp.value(), "127.0.0.1:4000");
//   }
#ifndef OCKAM_EXAMPLES_RUN_UNTIL_SIGNAL_H_
#define OCKAM_EXAMPLES_RUN_UNTIL_SIGNAL_H_

#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <iostream>
#include <string>

#include "runtime/ockam.h"
#include "transport/tcp.h"

namespace examples {

// SIGINT and SIGTERM: the signals that stop a server example.
inline sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

// Blocks SIGINT and SIGTERM. Call it before the node starts its threads (they
// inherit this mask), so only run_until_signal's sigwait() ever takes them.
// False (after printing why) if it failed.
inline bool block_stop_signals() {
  const sigset_t signals = stop_signals();
  if (int rc = pthread_sigmask(SIG_BLOCK, &signals, nullptr); rc != 0) {
    std::cerr << "pthread_sigmask failed: " << std::strerror(rc) << "\n";
    return false;
  }
  return true;
}

// Listens on `listen_at` (host:port; `options` say what its peers may reach), prints "Listening on <address>", waits
// for SIGINT or SIGTERM, then stops the node. Returns main's exit status: 0,
// or 1 after printing what failed.
inline int run_until_signal(ockam::Node& node, ockam::TcpTransport& tcp, const std::string& listen_at,
                            ockam::TcpListenOptions options) {
  auto listening = tcp.listen(listen_at, std::move(options));
  if (!listening) {
    std::cerr << "listen on " << listen_at << " failed: " << listening.error() << "\n";
    return 1;
  }
  // With port 0 this shows the port the system picked. std::endl: the line
  // reaches a pipe or file at once, not at exit.
  std::cout << "Listening on " << listening.value() << std::endl;

  const sigset_t signals = stop_signals();
  int received = 0;
  if (int rc = sigwait(&signals, &received); rc != 0) {
    std::cerr << "sigwait failed: " << std::strerror(rc) << "\n";
    return 1;
  }
  if (auto stopped = node.stop(); !stopped) {
    std::cerr << "stop failed: " << stopped.error() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace examples

#endif  // OCKAM_EXAMPLES_RUN_UNTIL_SIGNAL_H_
