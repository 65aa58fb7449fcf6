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
  static NodeCore& core(Context& ctx) { return *ctx.core_; }
  static Cell& cell(Context& ctx) { return *ctx.cell_; }
};

Result<void> start_connection_cell(Context& ctx, Address remote, std::unique_ptr<Cell> cell, SendGate* gate) {
  if (remote.is_local()) {
    return Error(ErrorCode::InvalidAddress,
                 "a connection's address is its peer's transport address, not " + quoted(remote));
  }
  cell->gate = gate;  // before the start: senders read it once the address is in the registry
  std::vector<Address> addresses;
  addresses.push_back(std::move(remote));
  return ContextAccess::core(ctx).start(std::move(addresses), std::move(cell), /*allow_remote=*/true);
}

}  // namespace detail

Result<void> deliver_from_peer(Context& ctx, Route onward, Route ret, std::vector<std::uint8_t> payload) {
  if (onward.empty()) return Error(ErrorCode::InvalidAddress, "a message from a peer with an empty onward route");
  auto envelope = std::make_unique<detail::TypedEnvelope<detail::WireBody>>(detail::WireBody{std::move(payload)});
  envelope->onward = std::move(onward);
  envelope->ret = std::move(ret);
  return detail::ContextAccess::core(ctx).deliver(std::move(envelope));
}

Result<PeerRoutes> encode_for_peer(Routed<Any> message, std::vector<std::uint8_t>& payload) {
  detail::EnvelopePtr envelope = detail::EnvelopeAccess::release(std::move(message));
  if (Result<void> encoded = envelope->encode_body(payload); !encoded) return encoded.error();
  return PeerRoutes{std::move(envelope->onward), std::move(envelope->ret)};
}

bool more_queued(Context& ctx) { return detail::ContextAccess::cell(ctx).mailbox.has_more(); }

Result<void> add_stop_hook(Context& ctx, std::function<void()> hook) {
  return detail::ContextAccess::core(ctx).add_stop_hook(std::move(hook));
}

}  // namespace ockam
