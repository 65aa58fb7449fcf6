// INTERNAL. Requests with a timeout (Context::request): each request has a
// reply address of its own, a detached cell at a fresh address, so a late
// reply to an earlier request is never taken for a later one.
//
// Blocking form (the app, a detached context): the caller sends from the
//   reply address and receives on it; then the address is retired (below).
// Worker form: a PendingRequest is the reply cell's sink, and a timer its
//   timeout. Whichever comes first, the reply (on the sender's thread, in
//   its push) or the timer (on the timer thread), wins settle() and pushes
//   one CompletionEnvelope into the requesting worker's mailbox; the
//   worker's turn runs the continuation. At the node's stop the timer is
//   dropped: the request is settled then, and its continuation never runs.
// INVARIANT (exactly once): a PendingRequest is settled once (an atomic
//   exchange); only the winner takes the continuation and the reply
//   address, so a continuation runs at most once, and only on its worker's
//   turn (a control envelope in its mailbox, after the messages before it).
// INVARIANT (completion before stop): a completion is pushed only while the
//   worker's RequestTable is open, under its mutex; the worker's seal closes
//   it under the same mutex before the StopEnvelope's push (cell.h), so the
//   StopEnvelope stays the last push. A completion that finds it closed is
//   counted as dropped and logged.
// Retired reply addresses: a reply address whose request is over stays
//   registered in a ring of the last kRetiredReplies (per node), so a late
//   reply is taken, dropped and counted (NodeStats::late_replies) rather
//   than bounced; the oldest is closed when the ring is full (a later reply
//   to it: AddressNotFound for its sender). A worker request's sink counts a
//   late reply as it arrives; a blocking request's, when its address is
//   closed (evicted, or at the node's stop).
#ifndef OCKAM_RUNTIME_INTERNAL_REQUEST_H_
#define OCKAM_RUNTIME_INTERNAL_REQUEST_H_

#include <memory>
#include <optional>
#include <utility>

#include "runtime/internal/envelope.h"
#include "runtime/internal/variant_body.h"
#include "runtime/result.h"
#include "runtime/routed.h"

namespace ockam {
class Context;
}

namespace ockam::detail {

// A worker request's continuation, type-erased.
struct Continuation {
  explicit Continuation(Wanted wanted) : want(wanted) {}
  virtual ~Continuation() = default;
  // On the worker's turn, once: `reply` is an R (checked against `want`) or an error.
  virtual void run(Context& ctx, Result<EnvelopePtr> reply) = 0;
  const Wanted want;
};

template <class R, class F>
struct ContinuationOf final : Continuation {
  ContinuationOf(Wanted wanted, F&& function) : Continuation(wanted), f(std::move(function)) {}
  void run(Context& ctx, Result<EnvelopePtr> reply) override {
    if (!reply) {
      f(ctx, Result<Routed<R>>(reply.error()));
    } else {
      f(ctx, Result<Routed<R>>(EnvelopeAccess::make_routed<R>(std::move(reply).value())));
    }
  }
  F f;
};

// The one push of a settled worker request into its worker's mailbox.
struct CompletionEnvelope final : Envelope {
  CompletionEnvelope(std::unique_ptr<Continuation> k, std::unique_ptr<Context> reply_address)
      : Envelope(nullptr), continuation(std::move(k)), reply(std::move(reply_address)) {
    completion = true;
  }
  ~CompletionEnvelope() override;  // out of line: Context is incomplete here
  Result<void> encode_body(std::vector<std::uint8_t>&) const override { return no_codec_error(typeid(void)); }

  std::unique_ptr<Continuation> continuation;
  std::unique_ptr<Context> reply;  // the reply address, retired when this runs
  EnvelopePtr message;             // the reply; none when `error` is set
  std::optional<Error> error;      // Timeout
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_REQUEST_H_
