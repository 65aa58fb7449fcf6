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

TcpStats TcpTransport::stats() const { return core_->counters().snapshot(); }

const TcpOptions& TcpTransport::options() const { return core_->options(); }

}  // namespace ockam