#include "runtime/context.h"

#include "runtime/escape.h"
#include "runtime/internal/node_core.h"

namespace ockam {

// A detached context is its DetachedCell: deleting it closes and frees the cell.
void Context::operator delete(Context* context, std::destroying_delete_t) {
  detail::Cell& cell = context->cell();
  OCKAM_DCHECK(cell.detached, "only a detached context is the user's to delete");
  detail::NodeCore::release_detached(static_cast<detail::DetachedCell*>(&cell));
}

Result<std::unique_ptr<Context>> Context::new_detached(Address address) {
  return core().new_detached(std::move(address));
}

const Address& Context::address() const { return cell().address; }

bool Context::owns(const Address& address) const { return cell().owns(address); }

Result<void> Context::denied_from(const Address& from) const {
  return Error(ErrorCode::AccessDenied,
               detail::quoted(from) + " is not an address of worker " + detail::quoted(address()));
}

std::chrono::milliseconds Context::default_timeout() const { return core().options().receive_timeout; }

namespace detail {
Result<void> check_long_route(const Route& route) {
  if (route.empty()) return Error(ErrorCode::InvalidAddress, "empty route");
  if (route.size() > kMaxRouteLength) {
    return Error(ErrorCode::InvalidAddress, "a route of " + std::to_string(route.size()) + " hops; at most " +
                                                std::to_string(kMaxRouteLength) + " can cross the wire");
  }
  for (const Address& a : route) {
    if (!a.valid()) return Error(ErrorCode::InvalidAddress, "invalid address " + detail::quoted(a) + " in route");
  }
  return {};
}

Error routes_too_long() {
  return Error(ErrorCode::InvalidAddress, "the routes' addresses take more than " +
                                              std::to_string(PackedRoutes::kMaxBytes) + " bytes");
}
}  // namespace detail


Result<void> Context::send_envelope(Route&& route, detail::EnvelopePtr envelope, const Address& from,
                                    const std::chrono::milliseconds* wait) {
  if (!envelope) return Error(ErrorCode::WrongMessageType, "an empty ockam::Any has no body to send");
  if (Result<void> r = detail::check_route(route); !r) return r;
  if (!envelope->routes.assign(route, from)) return detail::routes_too_long();
  // `route` still holds the next hop, with its hash: nothing to unpack.
  return send_packed(std::move(envelope), route.next(), wait);
}

Result<void> Context::send_envelope(const Address& to, detail::EnvelopePtr envelope, const Address& from) {
  if (!envelope) return Error(ErrorCode::WrongMessageType, "an empty ockam::Any has no body to send");
  if (!to.valid()) [[unlikely]] return detail::check_long_route(Route(to));  // its error, as for a Route
  if (!envelope->routes.assign(to, from)) return detail::routes_too_long();
  return send_packed(std::move(envelope), to, nullptr);
}

Result<void> Context::send_packed(detail::EnvelopePtr envelope, const Address& next,
                                  const std::chrono::milliseconds* wait) {
  // Out of line only for a worker that has a policy: a Result costs a call's
  // worth of instructions even when it holds nothing.
  if (cell().has_outgoing_policy()) {
    if (Result<void> r = check_outgoing(*envelope); !r) return r;
  }
  if (wait != nullptr) return core().deliver_waiting(std::move(envelope), next, *wait);
  if (cell().detached) return core().deliver(std::move(envelope), next);  // any thread's: no cache
  return core().deliver(std::move(envelope), next, cell().target);
}

// No per-hop scan of the route: it was checked where it entered the node
// (send_envelope, deliver_from_peer), is immutable since, and popping only
// shortens it, so a hop costs the same for a 2-hop and a 64-hop route.
Result<void> Context::forward_envelope(detail::EnvelopePtr envelope) {
  detail::PackedRoutes& routes = envelope->routes;
  if (routes.onward_size() <= 1) {
    return Error(ErrorCode::InvalidAddress, "the onward route ends at " + detail::quoted(address()) + ": nowhere to forward");
  }
  if (routes.ret_size() >= kMaxRouteLength) {
    return Error(ErrorCode::InvalidAddress, "the return route already has " + std::to_string(routes.ret_size()) +
                                                " hops; at most " + std::to_string(kMaxRouteLength) +
                                                " can cross the wire");
  }
  if (!routes.hop(address())) return detail::routes_too_long();
  envelope->direct = false;  // this worker passes it on: its ingress no longer vouches alone
  // Out of line only for a worker that has a policy: a Result costs a call's
  // worth of instructions even when it holds nothing.
  if (cell().has_outgoing_policy()) {
    if (Result<void> r = check_outgoing(*envelope); !r) return r;
  }
  const Address to = routes.next();
  if (cell().detached) return core().deliver(std::move(envelope), to);  // any thread's: no cache
  return core().deliver(std::move(envelope), to, cell().target);
}

Result<void> Context::check_outgoing(const detail::Envelope& envelope) const {
  const Route onward = envelope.routes.onward();
  const Route ret = envelope.routes.ret();
  const Delivery delivery{onward.next(), onward, ret, envelope.origin.get(), envelope.direct};
  if (cell().extras()->outgoing.admits(delivery)) return {};
  return Error(ErrorCode::AccessDenied, "the outgoing access control of " + detail::quoted(address()) +
                                            " refuses a message for " + detail::quoted(onward.next()));
}

Result<detail::EnvelopePtr> Context::receive_envelope(const detail::Wanted& want, std::chrono::milliseconds timeout) {
  return core().receive(*this, want, timeout);
}

namespace {
void apply(detail::Cell& cell, WorkerOptions&& options) {
  if (options.mailbox_capacity != 0) cell.extras_to_set().capacity = detail::Cell::capacity_of(options.mailbox_capacity);
  if (!options.incoming.is_default() || !options.outgoing.is_default()) {
    detail::Cell::Extras& extras = cell.extras_to_set();
    extras.incoming = std::move(options.incoming);
    extras.outgoing = std::move(options.outgoing);
  }
}
}  // namespace

Result<void> Context::start_cell(std::vector<Address> addresses, std::unique_ptr<detail::Cell> cell,
                                 WorkerOptions options) {
  apply(*cell, std::move(options));
  return core().start(std::move(addresses), std::move(cell));
}

Result<Address> Context::start_fresh(std::unique_ptr<detail::Cell> cell, WorkerOptions options) {
  apply(*cell, std::move(options));
  return core().start_fresh(std::move(cell));
}

Result<void> Context::stop_worker(const Address& address) { return core().stop_worker(address); }

Result<void> Context::start_processor_erased(Address address, std::unique_ptr<Processor> processor,
                                             ProcessorOptions options) {
  return core().start_processor(std::move(address), std::move(processor), options);
}

Result<void> Context::monitor(const Address& target) { return core().monitor(cell(), target); }

Result<void> Context::register_transport(Address::Type type, const Address& router) {
  return core().register_transport(type, router);
}

Node& Context::node() { return core().node(); }

}  // namespace ockam
