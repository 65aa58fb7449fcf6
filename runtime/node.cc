#include "runtime/node.h"

#include "runtime/internal/node_core.h"
#include "runtime/log.h"

namespace ockam {

Node::Node(NodeOptions options) : core_(std::make_unique<detail::NodeCore>(*this, options)) {}
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
