// Context's timers and requests, in a file of their own: beside send() in
// context.cc their route assignments made GCC outline the route's move
// (SmallVector::operator=) out of send_envelope(), which cost BM_PingPong
// instructions on every send (callgrind).
#include "runtime/context.h"

#include "runtime/internal/node_core.h"

namespace ockam {

Result<detail::EnvelopePtr> Context::request_envelope(Route&& route, detail::EnvelopePtr envelope,
                                                      const detail::Wanted& want, std::chrono::milliseconds timeout) {
  if (!envelope) return Error(ErrorCode::WrongMessageType, "an empty ockam::Any has no body to send");
  if (Result<void> r = detail::check_route(route); !r) return r.error();
  return core().request(*this, route, std::move(envelope), want, timeout);
}

Result<void> Context::request_continued(Route&& route, detail::EnvelopePtr envelope, std::chrono::milliseconds timeout,
                                        std::unique_ptr<detail::Continuation> continuation) {
  if (!envelope) return Error(ErrorCode::WrongMessageType, "an empty ockam::Any has no body to send");
  if (Result<void> r = detail::check_route(route); !r) return r;
  return core().request_continued(*this, route, std::move(envelope), timeout, std::move(continuation));
}

Result<Timer> Context::set_timer(std::chrono::milliseconds delay, Route&& route, detail::EnvelopePtr envelope) {
  if (!envelope) return Error(ErrorCode::WrongMessageType, "an empty ockam::Any has no body to send");
  if (Result<void> r = detail::check_route(route); !r) return r.error();
  if (!envelope->routes.assign(route, address())) return detail::routes_too_long();
  if (cell().has_outgoing_policy()) {
    if (Result<void> r = check_outgoing(*envelope); !r) return r.error();
  }
  return core().set_timer(delay, std::move(envelope));
}

}  // namespace ockam
