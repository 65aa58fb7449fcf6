// An intrusive, lock-free, multi-producer single-consumer mailbox.
//
// Typed, as CAF's lifo_inbox<T>: an MpscMailbox<T> takes and hands out T*,
// where T derives from MailboxNode (its link). The one downcast, from the
// link to T, is in pop(), which never hands out the stub.
//
// Concurrency contract (after CAF's lifo_inbox and Pony's messageq):
//   * push()            any thread, any number of producers at once.
//   * pop(), try_mark_empty(), marked_empty()
//                       the consumer only: one thread at a time. Successive
//                       consumers (a worker's turns on different pool threads)
//                       must be ordered by a happens-before edge; the node's
//                       scheduler gives that edge.
//
// The queue is Dmitry Vyukov's intrusive MPSC queue with an embedded stub
// node, plus one extra bit: the head pointer is tagged EMPTY when the
// consumer has found the queue empty and gone idle. push() is one atomic
// exchange; the producer whose exchange returns a tagged head made the
// empty -> non-empty transition and must wake the consumer (schedule the
// worker). Exactly one producer sees each transition.
//
// INVARIANT (single-waker): for a mailbox that starts "not marked", at every
//   moment exactly one of these holds: the head is tagged EMPTY, or a consumer
//   turn is scheduled or running. try_mark_empty() moves from the second to
//   the first; the push() that returns true moves back.
// INVARIANT (ownership): a node returned by pop() is no longer reachable from
//   the queue: no producer will write to it again, so the consumer may free it.
//   (The stub is re-inserted behind the last node to make this so.)
// INVARIANT (fifo): nodes pushed by one thread are popped in push order.
//
// Layout: head (written by producers) and tail (consumer-private) share a
// cache line on purpose. A node may host 10^6 idle workers, each with its own
// mailbox, and padding would cost 128 bytes per worker; contention on a single
// worker's mailbox is the rare case, and BM_Mailbox* measures it.
#ifndef OCKAM_MAILBOX_MPSC_MAILBOX_H_
#define OCKAM_MAILBOX_MPSC_MAILBOX_H_

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace ockam::mailbox {

// Embed this in anything that travels through a mailbox.
struct MailboxNode {
  // Written by the producer that pushed the node after this one (once), and
  // reset by whoever pushes this node; read by the consumer.
  std::atomic<MailboxNode*> next{nullptr};
};

// How a mailbox starts: idle (the first push wakes its consumer), or with
// its consumer already scheduled (a worker being started).
enum class Start { kMarkedEmpty, kScheduled };

template <class T>
class MpscMailbox {
 public:
  explicit MpscMailbox(Start start = Start::kMarkedEmpty)
      : head_(tag(&stub_, start == Start::kMarkedEmpty)), tail_(&stub_) {}
  MpscMailbox(const MpscMailbox&) = delete;
  MpscMailbox& operator=(const MpscMailbox&) = delete;

  // Any thread. Returns true when the mailbox was marked empty, i.e. this
  // push made the idle -> scheduled transition and the caller must wake the
  // consumer.
  bool push(T* node) {
    static_assert(std::is_base_of_v<MailboxNode, T>, "a mailbox's nodes derive from MailboxNode");
    return push_link(node);
  }

  // Consumer only. Returns the oldest node, or nullptr when the queue is
  // empty or a producer is between its exchange and its link (retry later).
  T* pop() {
    MailboxNode* link = pop_link(tail_);
    // Never the stub (INVARIANT ownership): every other link is a T's.
    return link == nullptr ? nullptr : static_cast<T*>(link);
  }

  // Consumer only: the consumer's position held outside the mailbox while
  // it pops many nodes in a row (a worker's turn). The tail shares the
  // line that every producer's exchange writes (see Layout): popping
  // through a Cursor keeps the tail in the consumer's own memory and
  // writes it back once, at close(), instead of taking that line from the
  // producers at every pop. While a Cursor is open its mailbox's own
  // consumer calls (pop, has_more, try_mark_empty) must not be used; the
  // Cursor's stand in for them, and close() comes before the consumer role
  // passes on (the happens-before edge between consumers must carry it).
  class Cursor {
   public:
    explicit Cursor(MpscMailbox& box) : box_(&box), tail_(box.tail_) {}
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;
    ~Cursor() { close(); }

    T* pop() {
      MailboxNode* link = box_->pop_link(tail_);
      return link == nullptr ? nullptr : static_cast<T*>(link);
    }
    bool has_more() const { return box_->has_more_from(tail_); }
    // Writes the position back; the Cursor is done (idempotent).
    void close() {
      if (box_ != nullptr) box_->tail_ = tail_;
      box_ = nullptr;
    }
    // close(), then the mailbox's try_mark_empty().
    bool close_and_mark_empty() {
      MpscMailbox* box = box_;
      close();
      return box->try_mark_empty();
    }

   private:
    MpscMailbox* box_;
    MailboxNode* tail_;
  };

  // Consumer only: true if a node waits behind the ones popped, or a push is
  // in flight. (A batching consumer asks it to know when to flush.)
  bool has_more() const { return has_more_from(tail_); }

  // Consumer only, after pop() returned nullptr. Tags the head EMPTY if the
  // queue is really empty; then the next push() returns true. Returns false
  // when a push is in flight or has landed: the consumer must keep going
  // (its turn stays scheduled). Returns true if already marked.
  bool try_mark_empty() {
    if (tail_ != &stub_) return false;
    std::uintptr_t expected = tag(&stub_, false);
    // acq_rel: release publishes this turn's writes to the producer whose
    // exchange reads the tag (paired with push()'s acquire).
    if (head_.compare_exchange_strong(expected, tag(&stub_, true), std::memory_order_acq_rel)) {
      return true;
    }
    return expected == tag(&stub_, true);
  }

  // Consumer only; for assertions and tests.
  bool marked_empty() const {
    // acquire: pairs with try_mark_empty()'s release (or push()'s exchange).
    return is_tagged(head_.load(std::memory_order_acquire));
  }

 private:
  // Links and unlinks MailboxNodes: the stub is one, and is not a T.
  bool push_link(MailboxNode* node) {
    // relaxed: the node is not yet published; the exchange below publishes it.
    node->next.store(nullptr, std::memory_order_relaxed);
    // acq_rel: release makes the node's contents visible to the consumer that
    // follows prev->next (paired with the acquire loads in pop()); acquire
    // pairs with try_mark_empty()'s release, so a producer that wakes the
    // consumer carries the last turn's writes to the next turn.
    const std::uintptr_t prev = head_.exchange(tag(node, false), std::memory_order_acq_rel);
    // release: pairs with the acquire loads of `next` in pop(). Weakened from
    // seq_cst (an xchg on x86) after BM_Mailbox*: 26-86 vs 14-25 M/s with one
    // producer, 25-44 vs 22-26 M/s with two (2026-11-25, 3 runs each).
    untag(prev)->next.store(node, std::memory_order_release);
    return is_tagged(prev);
  }

  bool has_more_from(const MailboxNode* tail) const {
    if (tail != &stub_) return true;
    // acquire: pairs with push()'s release store of `next` and its exchange.
    if (stub_.next.load(std::memory_order_acquire) != nullptr) return true;
    return untag(head_.load(std::memory_order_acquire)) != &stub_;
  }

  // `cursor`: the consumer's position, tail_ or a Cursor's copy of it.
  MailboxNode* pop_link(MailboxNode*& cursor) {
    MailboxNode* tail = cursor;
    // acquire: pairs with the release store of `next` in push().
    MailboxNode* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      cursor = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      cursor = next;
      return tail;
    }
    // acquire: pairs with push()'s exchange, to compare against the newest node.
    if (tail != untag(head_.load(std::memory_order_acquire))) return nullptr;
    push_link(&stub_);  // so that `tail` gets a successor and can be handed out
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      cursor = next;
      return tail;
    }
    return nullptr;
  }

  static constexpr std::uintptr_t kEmpty = 1;
  static_assert(alignof(MailboxNode) > kEmpty, "the EMPTY tag lives in the pointer's low bit");

  static std::uintptr_t tag(MailboxNode* n, bool empty) {
    return reinterpret_cast<std::uintptr_t>(n) | (empty ? kEmpty : 0);
  }
  static MailboxNode* untag(std::uintptr_t v) { return reinterpret_cast<MailboxNode*>(v & ~kEmpty); }
  static bool is_tagged(std::uintptr_t v) { return (v & kEmpty) != 0; }

  // Written by every producer (exchange) and by the consumer (stub
  // re-insertion, try_mark_empty); the newest node, maybe tagged EMPTY.
  std::atomic<std::uintptr_t> head_;
  // Consumer-private: the oldest node not yet handed out.
  MailboxNode* tail_;
  // Always in the queue or about to be re-inserted; never handed out.
  MailboxNode stub_;
};

}  // namespace ockam::mailbox

#endif  // OCKAM_MAILBOX_MPSC_MAILBOX_H_
