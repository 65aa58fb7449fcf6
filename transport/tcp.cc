#include "transport/tcp.h"

#include <atomic>
#include <memory>
#include <utility>

#include "transport/internal/tcp_core.h"

namespace ockam {

Result<TcpTransport> TcpTransport::create(Context& ctx, TcpOptions options) {
  Result<detail::TcpLimits> limits = detail::TcpLimits::resolve(options);
  if (!limits) return limits.error();
  auto core = std::make_shared<detail::TcpCore>(ctx.node().context(), std::move(limits.value()));
  if (Result<void> r = core->start(Address("ockam.tcp_router")); !r) return r.error();
  return TcpTransport(std::move(core));
}

Result<Address> TcpTransport::listen(std::string_view address, TcpListenOptions options) {
  return core_->listen(address, std::move(options.expose));
}
Result<Address> TcpTransport::connect(std::string_view address, TcpConnectOptions options) {
  return core_->connect(address, std::move(options.expose));
}
Result<void> TcpTransport::disconnect(const Address& connection) { return core_->disconnect(connection); }

TcpStats TcpTransport::stats() const {
  auto& c = core_->counters();
  // relaxed: see TcpCounters.
  auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  // In TcpStats's order.
  return TcpStats{get(c.opened),        get(c.closed),          get(c.sent),           get(c.writes),
                  get(c.received),      get(c.dropped),         get(c.malformed),      get(c.timed_out),
                  get(c.refused),       get(c.evicted),         get(c.accept_errors),  get(c.heartbeats_sent),
                  get(c.heartbeats_received), get(c.reads_paused), get(c.deliveries_stalled)};
}

const TcpOptions& TcpTransport::options() const { return core_->options(); }

}  // namespace ockam