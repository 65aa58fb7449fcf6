// The responder of the secure-channel example: an echoer that other nodes
// reach only through an Ockam secure channel (Noise XX, byte-compatible with
// Ockam 007d435). Its TCP listener exposes the channel listener and nothing
// else; the channel listener exposes "echoer".
//
//   11-secure-channel-responder <listen host:port> [identity file]
//
// With an identity file, the node's static key is loaded from it (or
// created there, owner-only, on the first run); without one it is drawn
// fresh. Prints its public key, then runs until SIGINT or SIGTERM.
#include <sys/stat.h>

#include <iostream>
#include <string>

#include "examples/run_until_signal.h"
#include "runtime/ockam.h"
#include "secure_channel/secure_channel.h"
#include "transport/tcp.h"

struct Echoer : ockam::Worker<std::string> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<std::string> msg) override {
    std::cout << "Address: " << ctx.address() << ", Received: " << ockam::escaped(msg.body()) << std::endl;
    return ctx.send(msg.return_route(), std::move(msg).into_body());
  }
};

int main(int argc, char** argv) {
  if (!examples::block_stop_signals()) return 1;
  const std::string listen_at = argc > 1 ? argv[1] : "127.0.0.1:4000";
  ockam::Result<ockam::Identity> identity = ockam::Identity::generate();
  if (argc > 2) {
    struct stat st {};
    const bool exists = ::stat(argv[2], &st) == 0;
    identity = exists ? ockam::Identity::load(argv[2]) : ockam::Identity::generate();
    if (identity && !exists) {
      if (auto saved = identity.value().save(argv[2]); !saved) {
        std::cerr << saved.error() << "\n";
        return 1;
      }
    }
  }
  if (!identity) {
    std::cerr << "identity: " << identity.error() << "\n";
    return 1;
  }
  std::cout << "Identity: " << identity.value().public_key_hex() << std::endl;

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
  // The one line that exposes "echoer": to peers of this channel listener.
  auto listener = ockam::create_secure_channel_listener(node, "secure_channel_listener", identity.value(),
                                                        {.expose = {"echoer"}});
  if (!listener) {
    std::cerr << "create_secure_channel_listener failed: " << listener.error() << "\n";
    return 1;
  }
  // TCP peers reach the channel listener (and the channels it opens), nothing else.
  return examples::run_until_signal(node, tcp.value(), listen_at,
                                    ockam::TcpListenOptions{.expose = {"secure_channel_listener"}});
}
