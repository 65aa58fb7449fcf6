#include "runtime/node.h"

#include <stdexcept>
#include <string>

#include "runtime/internal/node_core.h"
#include "runtime/log.h"

namespace ockam {

namespace {

// Options that cannot work are refused before anything starts.
const NodeOptions& checked(const NodeOptions& options) {
  auto refuse = [](const std::string& why) { throw std::invalid_argument("ockam::NodeOptions: " + why); };
  if (options.max_batch == 0) refuse("max_batch is 0, so no worker would ever handle a message; use at least 1");
  if (options.mailbox_capacity == 0) refuse("mailbox_capacity is 0, so every send would be QueueFull; use at least 1");
  if (options.receive_timeout.count() < 0) refuse("receive_timeout is negative");
  if (options.stop_timeout.count() < 0) refuse("stop_timeout is negative");
  return options;
}

}  // namespace

Node::Node(NodeOptions options) : core_(std::make_unique<detail::NodeCore>(*this, checked(options))) {}
// After a stop, what the log suppressed meanwhile is summarised at once: the
// node's last events may be the end of a flood (log.h).
Node::~Node() {
  core_.reset();  // ~NodeCore stops
  flush_log();
}
Context& Node::context() { return core_->app_context(); }
Result<void> Node::stop_worker(const Address& address) { return core_->stop_worker(address); }
Result<void> Node::stop() { return stop(core_->options().stop_timeout); }
Result<void> Node::stop(std::chrono::milliseconds timeout) {
  Result<void> stopped = core_->stop(timeout);
  flush_log();
  return stopped;
}
std::size_t Node::worker_count() const { return core_->worker_count(); }
NodeStats Node::stats() const { return core_->stats(); }

}  // namespace ockam
