// INTERNAL. The cell of a detached context (Context::new_detached) and of
// the app: a mailbox that its owner's thread drains in a blocking
// receive(), never run by the pool.
//
// Who may touch what:
//   mailbox.push        any sender that found the cell in the registry, in its
//                       ReadSection (as for every cell); the push that finds
//                       the mailbox marked empty calls wake().
//   mailbox.pop & co    the one thread holding receive_mu: a receive(), the
//                       close of its context, the node's last drop, or (for
//                       a worker request's reply address) its sink.
//   link, sink          immutable once the cell is registered.
//
// INVARIANT (never scheduled): a detached cell is never claimed, sealed or
//   handed to the scheduler. Lifecycle skips cells with Cell::detached set,
//   and stop_worker() on one is AccessDenied; it leaves the registry only
//   by close_detached() or the node's stop, each followed by a grace period.
#ifndef OCKAM_RUNTIME_INTERNAL_DETACHED_CELL_H_
#define OCKAM_RUNTIME_INTERNAL_DETACHED_CELL_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <typeinfo>
#include <unordered_set>

#include "runtime/any.h"
#include "runtime/internal/cell.h"

namespace ockam::detail {

class NodeCore;
class DetachedCell;

// What takes over a detached cell's wake-up: a worker request's reply
// address (request.h) handles what arrives on the pushing thread.
struct ReplySink {
  virtual ~ReplySink() = default;
  // On the thread whose push found the mailbox marked empty, inside its
  // ReadSection (so it must not wait for a grace period).
  virtual void arrived(DetachedCell& cell) = 0;
};

// What a detached context shares with its node, so that destroying the
// context is safe whether or not the node still exists: the node nulls
// `core` (under `mu`) in its destructor; a context's destructor closes its
// cell through `core` under `mu`, or, once it is null, only frees it.
struct DetachedLink {
  std::mutex mu;
  NodeCore* core = nullptr;                  // guarded by mu
  bool closed = false;                       // guarded by mu: the node's stop began; no new contexts
  std::unordered_set<DetachedCell*> cells;   // guarded by mu: live detached cells (the app's too)
};

class DetachedCell final : public Cell {
 public:
  DetachedCell(NodeCore* node_core, std::shared_ptr<DetachedLink> node_link,
               std::shared_ptr<ReplySink> reply_sink = nullptr)
      : Cell(mailbox::Start::kMarkedEmpty, /*is_detached=*/true),
        core(node_core),
        link(std::move(node_link)),
        sink(std::move(reply_sink)) {}
  bool accepts(const std::type_info&) const override { return true; }
  const std::type_info& message_type() const override { return typeid(Any); }
  WireDecoder wire_decoder() const override { return nullptr; }
  Result<void> call_initialize() override { return {}; }
  Result<void> call_handle(EnvelopePtr) override { return {}; }
  Result<void> call_shutdown() override { return {}; }

  // The push that found the mailbox marked empty (NodeCore::wake).
  void wake() {
    std::lock_guard<std::mutex> lock(wake_mu);
    signalled = true;
    wake_cv.notify_one();
  }

  // Its node (Context::core()); immutable. A detached context must not be
  // used once its node is gone, but for its delete, which goes by `link`.
  NodeCore* const core;
  const std::shared_ptr<DetachedLink> link;
  // Null but for a worker request's reply address; immutable.
  const std::shared_ptr<ReplySink> sink;
  // A request's reply address whose request is over (request.h): what
  // reaches it is a late reply. release: set before the context enters the
  // node's ring of retired replies; acquire: read where it is closed or
  // drained at the stop (after the ring's or the link's mutex anyway).
  std::atomic<bool> retired{false};
  // A push that finds the mailbox marked empty sets `signalled` under
  // wake_mu and notifies; the node's stop notifies too.
  std::mutex wake_mu;
  std::condition_variable wake_cv;
  bool signalled = false;  // guarded by wake_mu
  // A processor's context (processor_threads.h) asked to stop: receive()
  // returns NodeStopped. relaxed: stored under wake_mu before the notify,
  // and read under wake_mu by the waiting receive(); its unlocked read at
  // the top of receive() is only a shortcut.
  std::atomic<bool> closing{false};
  // One consumer at a time (receive(), close, the node's last drop).
  std::mutex receive_mu;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_DETACHED_CELL_H_
