#include "runtime/transport.h"

#include "runtime/internal/cell.h"
#include "runtime/internal/envelope.h"
#include "runtime/escape.h"
#include "runtime/internal/node_core.h"

namespace ockam {
namespace detail {

// Context's friend: the node and the cell behind a context, for the seam's
// functions below and nothing else.
struct ContextAccess {
  static NodeCore& core(Context& ctx) { return ctx.core(); }
  static Cell& cell(Context& ctx) { return ctx.cell(); }
};

Result<void> start_connection_cell(Context& ctx, Address remote, std::unique_ptr<Cell> cell, SendGate* gate) {
  if (remote.is_local()) {
    return Error(ErrorCode::InvalidAddress,
                 "a connection's address is its peer's transport address, not " + quoted(remote));
  }
  if (gate != nullptr) cell->extras_to_set().gate = gate;  // before the start: senders read it once the address is in the registry
  std::vector<Address> addresses;
  addresses.push_back(std::move(remote));
  return ContextAccess::core(ctx).start(std::move(addresses), std::move(cell), /*allow_remote=*/true);
}

}  // namespace detail

Result<void> deliver_from_peer(Context& ctx, Route onward, Route ret, std::vector<std::uint8_t> payload) {
  PeerMessage message{std::move(onward), std::move(ret), std::move(payload)};
  return deliver_from_peer(ctx, message, nullptr, nullptr);
}

Result<void> deliver_from_peer(Context& ctx, PeerMessage& message, const std::shared_ptr<PeerCredit>& credit,
                               const std::shared_ptr<const Ingress>& ingress) {
  // Checked here once, so that forward() need not scan it at every hop.
  if (Result<void> r = detail::check_route(message.onward); !r) {
    return Error(ErrorCode::InvalidAddress, "a message from a peer: the onward route: " + r.error().message());
  }
  using WireEnvelope = detail::TypedEnvelope<detail::WireBody>;
  auto envelope = std::make_unique<WireEnvelope>(detail::WireBody{std::move(message.payload), CreditHold()});
  // Packed from the message's routes, which stay its own: on a refusal only
  // the payload goes back.
  if (!envelope->routes.assign(message.onward, message.ret)) {
    message.payload = std::move(envelope->body.bytes);
    return Error(ErrorCode::InvalidAddress, "a message from a peer: its routes have more than " +
                                                std::to_string(detail::PackedRoutes::kMaxHops) + " hops or " +
                                                std::to_string(detail::PackedRoutes::kMaxBytes) + " bytes");
  }
  // The charge: what the message holds of the heap until it is handled.
  envelope->body.hold = CreditHold(credit, sizeof(WireEnvelope) + envelope->body.bytes.size() + envelope->routes.bytes());
  // One for the process, for a transport that names none: it exposes
  // nothing, and is never written to. A null origin would mean "local".
  static const auto unnamed = std::make_shared<const Ingress>(Ingress::Kind::kTransport, Address(), Address(),
                                                              std::vector<Address>{});
  envelope->origin.set(ingress != nullptr ? ingress : unnamed);
  envelope->direct = true;
  detail::EnvelopePtr held(std::move(envelope));
  bool mailbox_full = false;
  Result<void> delivered = detail::ContextAccess::core(ctx).try_deliver(held, message.onward.next(), &mailbox_full);
  if (!delivered && held != nullptr && delivered.error().code() == ErrorCode::QueueFull) {
    // Back to the caller as it came; the hold goes with the envelope.
    message.payload = std::move(static_cast<WireEnvelope&>(*held).body.bytes);
  }
  return delivered;
}

Result<PeerRoutes> encode_for_peer(Routed<Any> message, std::vector<std::uint8_t>& payload) {
  detail::EnvelopePtr envelope = detail::EnvelopeAccess::release(std::move(message));
  if (Result<void> encoded = envelope->encode_body(payload); !encoded) return encoded.error();
  return PeerRoutes{envelope->routes.onward(), envelope->routes.ret()};
}

std::optional<std::span<const std::uint8_t>> peer_bytes(const Routed<Any>& message) {
  const detail::Envelope* envelope = detail::EnvelopeAccess::get(message.body());
  if (envelope == nullptr || !envelope->is_wire()) return std::nullopt;
  return std::span<const std::uint8_t>(static_cast<const detail::TypedEnvelope<detail::WireBody>*>(envelope)->body.bytes);
}

bool on_pool_thread(Context& ctx) { return detail::ContextAccess::core(ctx).on_pool_thread(); }

bool more_queued(Context& ctx) { return detail::Cell::Taker::has_more(detail::ContextAccess::cell(ctx)); }

Result<void> add_stop_hook(Context& ctx, std::function<void()> hook) {
  return detail::ContextAccess::core(ctx).add_stop_hook(std::move(hook));
}

}  // namespace ockam
