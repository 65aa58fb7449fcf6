// Creates a node and stops it at once: the seed's 01-node.
#include <iostream>

#include "runtime/ockam.h"

int main() {
  // The node starts its worker pool and registers the "app" worker (this function).
  ockam::Node node;
  std::cout << "Node started\n";

  // Stop the node as soon as it starts.
  auto stopped = node.stop();
  if (!stopped) {
    std::cerr << "stop failed: " << stopped.error() << "\n";
    return 1;
  }
  std::cout << "Node stopped\n";
  return 0;
}
