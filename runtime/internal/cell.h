// INTERNAL. A worker as the node sees it: mailbox, lifecycle phase, Context,
// and the user's worker behind a type-erased interface.
#ifndef OCKAM_RUNTIME_INTERNAL_CELL_H_
#define OCKAM_RUNTIME_INTERNAL_CELL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <typeinfo>
#include <utility>
#include <vector>

#include "mailbox/mpsc_mailbox.h"
#include "runtime/context.h"
#include "runtime/internal/allocator.h"
#include "runtime/internal/dcheck.h"
#include "runtime/internal/envelope.h"
#include "runtime/internal/phase.h"
#include "runtime/internal/room_signal.h"
#include "runtime/internal/target_cache.h"
#include "runtime/internal/variant_body.h"
#include "runtime/result.h"
#include "runtime/send_gate.h"

namespace ockam::detail {

class Cell;

// A worker's requests (request.h): whether their completions may still be
// pushed into its mailbox. Made by the worker's first request; shared by
// the cell and each of its pending requests (refs).
struct RequestTable {
  explicit RequestTable(Cell* owner) : cell(owner) {}
  std::mutex mu;
  bool open = true;  // guarded by mu: false from the worker's seal on
  Cell* const cell;
  // acq_rel decrement: the last one deletes, after every other holder's
  // use (the usual shared count); the increment is relaxed (a holder
  // already has a reference to copy).
  std::atomic<std::uint32_t> refs{1};
  void ref() { refs.fetch_add(1, std::memory_order_relaxed); }
  void unref() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

// What few workers have: a send gate (transport connections,
// send_gate.h), policies other than the defaults (access_control.h), more
// than one address, a mailbox capacity of their own, requests, messages
// dropped at their stop. Null, the common case: no gate, the default
// policies, checked without a call. One pointer for all keeps a worker of
// two words in 128 bytes (the static_assert below).
struct CellExtras {
  // Set before the start (extras_to_set()), immutable after.
  SendGate* gate = nullptr;
  AccessPolicy incoming, outgoing;
  // A worker with more than one address: all of them, `address` first;
  // empty otherwise.
  std::vector<Address> addresses;
  std::uint32_t capacity = 0;  // 0: the node's (RoomSignal::default_capacity)
  // Owner-private: messages the last turns found behind a claim, logged
  // and counted once the StopEnvelope arrives.
  std::uint64_t dropped = 0;
  // The worker's RequestTable: null until its first request;
  // sealed_requests() from its seal on. Set by the worker's turn (a
  // compare-exchange from null, acq_rel: its release publishes the
  // table), swapped for the sentinel by the seal (acq_rel: its acquire
  // pairs with that release).
  std::atomic<RequestTable*> requests{nullptr};
};

// A cell's first cache line after its vtable (Cell derives from it first):
// what senders only read, the extras and the address a lookup compares,
// beside the worker's target cache, written only when the worker's sends
// find another target. What senders and the turn write (the mailbox and
// `queued` for every message, the handled count, the run-queue link when
// the cell is scheduled) comes after it, on the second line (lifecycle_test
// checks it), so a sender's read never waits for the turn's writes.
struct CellHead {
 protected:
  // Written before the start (extras_to_set) or once, from null, after it
  // (extras_after_start); read by every sender and the turns.
  std::atomic<CellExtras*> extras_{nullptr};

 public:
  // The worker's first address. Almost every worker has just one; one with
  // more keeps them all in its extras, so a single-address cell pays for
  // one Address, not a vector (the static_assert below). Set before the
  // start (Cell::set_addresses()), immutable after.
  Address address;
  // Where the worker's last send went (target_cache.h); owner-private,
  // written when a send finds another target.
  TargetCache target;
};

// Who may touch what:
//   mailbox.push        any sender that found the cell in the registry, inside
//                       the same ReadSection; a monitor's notice, under the
//                       monitors' lock while the cell is unsealed
//                       (monitors.h); then the single StopEnvelope push by
//                       the sealer (phase.h, INVARIANT last push).
//   mailbox.pop & co,   the worker's turn only (one at a time, see
//   owner-private part  Scheduler); the last turn deletes the cell.
//   phase               see phase.h: the turn's part and the retirement's.
// A cell is also a mailbox::MailboxNode: its link in the scheduler's run
// queue; and the worker's Context: a Context is always its cell's base, so
// it finds its cell without a pointer (Context::cell()), and a detached
// context handed to the user is its cell (Context's destroying delete).
class Cell : public CellHead, public mailbox::MailboxNode, public PooledAllocation, public Context {
 public:
  explicit Cell(mailbox::Start start, bool is_detached = false) : mailbox(start), detached(is_detached) {}
  virtual ~Cell() { delete extras_.load(std::memory_order_relaxed); }  // relaxed: the last owner
  // PooledAllocation's, not Context's destroying delete: deleting a cell
  // frees it.
  using PooledAllocation::operator delete;
  using PooledAllocation::operator new;
  Context& context() { return *this; }
  using Extras = CellExtras;
  // The field, not Context::address() (which returns it).
  using CellHead::address;
  Cell(const Cell&) = delete;
  Cell& operator=(const Cell&) = delete;

  // True for the worker's type M (and each alternative of a variant M:
  // variant_body.h), every type for Any, and a WireBody (a body from
  // another node) when M has a Codec.
  virtual bool accepts(const std::type_info& type) const = 0;
  virtual const std::type_info& message_type() const = 0;
  // Turns a WireBody into an M before the handler; null when M is Any (it
  // takes the bytes as they are) or has no codec.
  virtual WireDecoder wire_decoder() const = 0;
  virtual Result<void> call_initialize() = 0;
  virtual Result<void> call_handle(EnvelopePtr envelope) = 0;  // precondition: accepts()
  virtual Result<void> call_shutdown() = 0;
  // A processor on the pool (processor_cell.h): its turn calls this once.
  virtual Result<bool> call_process() { return false; }

  // Bounded mailbox of capacity(room) messages. Sender: admit() before the
  // push, false (queue nothing) when the mailbox is full. Consumer: take().
  // `extras`: what extras() returned to the caller (it checks it anyway).
  bool admit(const Extras* extras, const RoomSignal& room) {
    // seq_cst: the waiter's admission attempt in RoomSignal's pair (an RMW
    // costs the same either way on x86). An overshoot by concurrent senders
    // is taken back at once, so at most capacity() are ever queued.
    if (queued.fetch_add(1) < capacity(extras, room)) return true;
    queued.fetch_sub(1);  // seq_cst: as above
    return false;
  }
  // The worker's own (WorkerOptions::mailbox_capacity, in its extras), else
  // the node's (the room's).
  static std::uint32_t capacity(const Extras* extras, const RoomSignal& room) {
    if (extras != nullptr && extras->capacity != 0) return extras->capacity;
    return room.default_capacity();
  }
  std::uint32_t capacity(const RoomSignal& room) const { return capacity(extras(), room); }
  // Pops the oldest message (the StopEnvelope, which no admit() counted,
  // included) and gives its place back.
  Envelope* take(RoomSignal& room) { return taken(mailbox.pop(), room, capacity(room)); }
  // What take() and Taker::take() do with what they popped (maybe null):
  // a message's place goes back; a control envelope took none.
  Envelope* taken(Envelope* envelope, RoomSignal& room, std::uint32_t capacity) {
    if (envelope != nullptr && !envelope->is_control()) give_back(room, capacity);
    return envelope;
  }
  // One admitted place back: a message taken, or admitted and then not
  // pushed after all (a send gate refused it). `capacity`: capacity(room).
  void give_back(RoomSignal& room, std::uint32_t capacity) {
    // seq_cst: the consumer's half of RoomSignal's pair.
    if (queued.fetch_sub(1) >= capacity) room.freed();
  }

  // A turn's consumer side (Lifecycle::turn): take() through the mailbox's
  // Cursor, which keeps the consumer's position off the line every sender
  // writes (the mailbox head, `queued`) until close(). (Giving the places
  // back 16 at a time as well measured within noise of this on
  // BM_Counting and BM_CountingFromWorker, and would have made `queued`
  // count messages already taken: not done.)
  class Taker {
   public:
    Taker(Cell& cell, RoomSignal& room)
        : cell_(cell), room_(room), capacity_(cell.capacity(room)), cursor_(cell.mailbox) {
      OCKAM_DCHECK(current_ == nullptr, "one Taker per thread: a turn never runs inside another");
      current_ = this;
    }
    Taker(const Taker&) = delete;
    Taker& operator=(const Taker&) = delete;
    ~Taker() {
      close();
      current_ = nullptr;
    }
    // Whether `cell`'s mailbox holds more (MpscMailbox::has_more), asked
    // from anywhere in its turn (the transport seam's more_queued()): the
    // running turn's Taker knows where it is, the mailbox itself does not.
    static bool has_more(const Cell& cell) {
      if (current_ != nullptr && &current_->cell_ == &cell) return current_->cursor_.has_more();
      return cell.mailbox.has_more();
    }

    // As Cell::take(). Inline: a turn's per-message path.
    [[gnu::always_inline]] Envelope* take() { return cell_.taken(cursor_.pop(), room_, capacity_); }
    // Writes the position back: before the turn ends, reschedules the cell
    // (another thread may run it at once), or deletes it. Idempotent.
    void close() { cursor_.close(); }
    // close(), then the mailbox's try_mark_empty().
    bool close_and_mark_empty() { return cursor_.close_and_mark_empty(); }

   private:
    Cell& cell_;
    RoomSignal& room_;
    const std::uint32_t capacity_;  // the cell's: immutable
    mailbox::MpscMailbox<Envelope>::Cursor cursor_;
    // This thread's open Taker, if any (a turn has one, and no turn runs
    // inside another).
    static inline thread_local Taker* current_ = nullptr;
  };

  static RequestTable* sealed_requests() { return reinterpret_cast<RequestTable*>(std::uintptr_t{1}); }
  // acquire: pairs with extras_after_start()'s compare-exchange (a store
  // before the start is published by the registry insert that makes the
  // cell reachable).
  const Extras* extras() const { return extras_.load(std::memory_order_acquire); }
  bool has_outgoing_policy() const {
    const Extras* e = extras();
    return e != nullptr && !e->outgoing.is_default();
  }
  // Before the start: the one thread that has the cell.
  Extras& extras_to_set() {
    // relaxed: no other thread sees the cell yet (see extras()).
    Extras* e = extras_.load(std::memory_order_relaxed);
    if (e == nullptr) {
      e = new Extras;
      extras_.store(e, std::memory_order_relaxed);
    }
    return *e;
  }
  // After the start: the worker's turn (requests, dropped) or its sealer
  // (requests), either of which may make them.
  Extras& extras_after_start() {
    // acquire: pairs with the compare-exchange below, on another thread.
    Extras* e = extras_.load(std::memory_order_acquire);
    if (e != nullptr) return *e;
    auto made = std::make_unique<Extras>();
    // acq_rel: the release publishes the new Extras to every extras(); the
    // acquire, on failure, reads the one another thread published.
    if (extras_.compare_exchange_strong(e, made.get(), std::memory_order_acq_rel)) return *made.release();
    return *e;
  }

  std::span<const Address> addresses() const {
    const Extras* e = extras();
    if (e != nullptr && !e->addresses.empty()) return e->addresses;
    return {&address, 1};
  }
  // Precondition: not empty.
  void set_addresses(std::vector<Address> all) {
    OCKAM_DCHECK(!all.empty(), "a cell has an address");
    address = all.front();
    if (all.size() > 1) extras_to_set().addresses = std::move(all);
  }
  bool owns(const Address& a) const {
    if (a == address) return true;
    const Extras* e = extras();
    if (e == nullptr) return false;
    return std::find(e->addresses.begin(), e->addresses.end(), a) != e->addresses.end();
  }

  mailbox::MpscMailbox<Envelope> mailbox;
  // Messages admitted and not yet taken: every sender and the consumer, on
  // the mailbox head's cache line, which both touch anyway.
  std::atomic<std::uint32_t> queued{0};
  // A capacity as the 32-bit count holds it: more than 4 billion queued is
  // no bound anyway.
  static std::uint32_t capacity_of(std::size_t wanted) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(wanted, UINT32_MAX - 1));
  }
  Phase phase;
  // A detached context's (or the app's) cell (detached_cell.h): woken by a
  // signal to its receiver, never scheduled. Immutable; in the padding after
  // the phase, on the line a waking sender touches anyway.
  const bool detached;
  // A processor on the pool (processor_cell.h): its turns call process()
  // instead of handling messages. Set before the start, immutable after; in
  // the padding after the phase, read by each turn from the line it reads anyway.
  bool processor = false;
  // Messages given to the handler (for the app: taken by receive()).
  // Written only by the worker's turn (the app's: by the one receiver), one
  // at a time, so a relaxed load and store; relaxed, as a reader on another
  // thread (metrics) wants a count, no order. On the line the turn writes
  // for every message anyway (the place it gives back).
  std::atomic<std::uint64_t> handled{0};
  void count_handled() { handled.store(handled.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
};


// A worker of two words (BM_SpawnIdle's: its vtable and one pointer) in
// oneTBB's 128-byte size class: every byte more puts it in the 160-byte
// class (about 180 B per idle worker with the registry, not 148).
static_assert(sizeof(Cell) <= 112, "a cell grew: see BM_SpawnIdle's bytes_per_worker");

template <class W>
class WorkerCell final : public Cell {
  using M = typename W::Message;
  static_assert(check_message_type<M>());

 public:
  explicit WorkerCell(W&& worker) : Cell(mailbox::Start::kScheduled), worker_(std::move(worker)) {}

  bool accepts(const std::type_info& type) const override {
    if constexpr (std::is_same_v<M, Any>) {
      return true;
    } else if constexpr (has_codec_v<M>) {
      return takes_local<M>(type) || type == typeid(WireBody);
    } else {
      return takes_local<M>(type);
    }
  }
  const std::type_info& message_type() const override { return typeid(M); }
  WireDecoder wire_decoder() const override { return detail::wire_decoder<M>(); }
  Result<void> call_initialize() override { return worker_.initialize(*this); }
  Result<void> call_handle(EnvelopePtr envelope) override {
    return worker_.handle_message(*this, EnvelopeAccess::make_routed<M>(std::move(envelope)));
  }
  Result<void> call_shutdown() override { return worker_.shutdown(*this); }

 private:
  W worker_;
};

}  // namespace ockam::detail

namespace ockam {
inline detail::Cell& Context::cell() const { return static_cast<detail::Cell&>(const_cast<Context&>(*this)); }
}  // namespace ockam

#endif  // OCKAM_RUNTIME_INTERNAL_CELL_H_
