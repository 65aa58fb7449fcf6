// INTERNAL. A worker as the node sees it: mailbox, lifecycle flags, Context,
// and the user's worker behind a type-erased interface.
#ifndef OCKAM_RUNTIME_INTERNAL_CELL_H_
#define OCKAM_RUNTIME_INTERNAL_CELL_H_

#include <atomic>
#include <cstdint>
#include <typeinfo>
#include <vector>

#include "mailbox/mpsc_mailbox.h"
#include "runtime/context.h"
#include "runtime/internal/allocator.h"
#include "runtime/internal/envelope.h"
#include "runtime/internal/small_vector.h"
#include "runtime/result.h"
#include "runtime/send_gate.h"

namespace ockam::detail {

// Who may touch what:
//   mailbox.push        any sender that found the cell in the registry, inside
//                       the same ReadSection; then the single StopEnvelope
//                       push by whoever retired it, after unlinking it and a
//                       grace period (synchronize()).
//   mailbox.pop & co,   the worker's turn only (one at a time, see
//   owner-private part  Scheduler); the last turn deletes the cell.
//   stop_requested      set by the retiring thread, read by the turn.
//   retired             claimed by exactly one retiring thread.
// INVARIANT: a cell is deleted only by its own turn, after popping its
//   StopEnvelope, which is the last push it will ever receive.
// A cell is also a mailbox::MailboxNode: its link in the scheduler's run queue.
class Cell : public mailbox::MailboxNode, public PooledAllocation {
 public:
  explicit Cell(mailbox::MpscMailbox::Start start) : mailbox(start), ctx(this) {}
  virtual ~Cell() = default;
  Cell(const Cell&) = delete;
  Cell& operator=(const Cell&) = delete;

  // True for the worker's type M, every type for Any, and a WireBody (a
  // body from another node) when M has a Codec.
  virtual bool accepts(const std::type_info& type) const = 0;
  virtual const std::type_info& message_type() const = 0;
  // Turns a WireBody into an M before the handler; null when M is Any (it
  // takes the bytes as they are) or has no codec.
  virtual WireDecoder wire_decoder() const = 0;
  virtual Result<void> call_initialize() = 0;
  virtual Result<void> call_handle(EnvelopePtr envelope) = 0;  // precondition: accepts()
  virtual Result<void> call_shutdown() = 0;

  // Null but for transport connections (send_gate.h); set before the start.
  // Beside the mailbox head, which every sender touches too.
  SendGate* gate = nullptr;
  mailbox::MpscMailbox mailbox;
  // Written once (seq_cst) by the retiring thread before it pushes the
  // StopEnvelope; read by the turn between messages. seq_cst by default: it
  // is read once per message, and the load is a plain move on x86.
  std::atomic<bool> stop_requested{false};
  // exchange(true) claims the retirement; seq_cst, taken once per worker.
  std::atomic<bool> retired{false};

  // Owner-private: touched only by the worker's turns.
  bool initialized = false;
  bool init_failed = false;
  bool shut_down = false;
  std::uint32_t dropped = 0;

  // Immutable once the worker is started. Almost every worker has one.
  SmallVector<Address, 1> addresses;
  Context ctx;
};

template <class W>
class WorkerCell final : public Cell {
  using M = typename W::Message;

 public:
  explicit WorkerCell(W&& worker) : Cell(mailbox::MpscMailbox::Start::kScheduled), worker_(std::move(worker)) {}

  bool accepts(const std::type_info& type) const override {
    if constexpr (std::is_same_v<M, Any>) {
      return true;
    } else if constexpr (has_codec_v<M>) {
      return type == typeid(M) || type == typeid(WireBody);
    } else {
      return type == typeid(M);
    }
  }
  const std::type_info& message_type() const override { return typeid(M); }
  WireDecoder wire_decoder() const override { return detail::wire_decoder<M>(); }
  Result<void> call_initialize() override { return worker_.initialize(ctx); }
  Result<void> call_handle(EnvelopePtr envelope) override {
    return worker_.handle_message(ctx, EnvelopeAccess::make_routed<M>(std::move(envelope)));
  }
  Result<void> call_shutdown() override { return worker_.shutdown(ctx); }

 private:
  W worker_;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_CELL_H_
