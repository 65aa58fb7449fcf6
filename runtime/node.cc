#include "runtime/node.h"

#include "runtime/internal/node_core.h"

namespace ockam {

Node::Node(NodeOptions options) : core_(std::make_unique<detail::NodeCore>(*this, options)) {}
Node::~Node() = default;  // ~NodeCore stops
Context& Node::context() { return core_->app_context(); }
Result<void> Node::stop_worker(const Address& address) { return core_->stop_worker(address); }
Result<void> Node::stop() { return core_->stop(core_->options().stop_timeout); }
Result<void> Node::stop(std::chrono::milliseconds timeout) { return core_->stop(timeout); }
std::size_t Node::worker_count() const { return core_->worker_count(); }
NodeStats Node::stats() const { return core_->stats(); }

}  // namespace ockam
