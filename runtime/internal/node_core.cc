#include "runtime/internal/node_core.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "runtime/internal/fresh_address.h"
#include "runtime/internal/processor_cell.h"
#include "runtime/internal/read_section.h"
#include "runtime/log.h"

namespace ockam::detail {
namespace {

std::size_t pool_threads(const NodeOptions& options) {
  if (options.threads != 0) return options.threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

// now + timeout, saturating: milliseconds::max() waits "forever", not never.
std::chrono::steady_clock::time_point deadline_after(std::chrono::milliseconds timeout) {
  const auto now = std::chrono::steady_clock::now();
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::time_point::max() - now);
  return timeout >= room ? std::chrono::steady_clock::time_point::max() : now + timeout;
}

// The shutdown() calls after a stop's drain get the stop's timeout again,
// and at least this: stop(0ms) drains nothing but still lets them run.
constexpr std::chrono::milliseconds kMinShutdownTime{100};
// How far apart two looks at a worker's code must find it running before the
// stop gives up on it.
constexpr std::chrono::milliseconds kStuckProbe{10};

Error stopped_error() { return Error(ErrorCode::NodeStopped, "the node is stopped"); }

// InvalidAddress unless `a` may be taken by a worker or a detached context.
Result<void> check_own_address(const Address& a, bool allow_remote) {
  if (!a.valid()) return Error(ErrorCode::InvalidAddress, "invalid address " + quoted(a));
  if (!a.is_local() && !allow_remote) {
    return Error(ErrorCode::InvalidAddress, "a worker's address must be local: " + quoted(a));
  }
  if (is_reserved(a)) {
    return Error(ErrorCode::InvalidAddress,
                 "address " + quoted(a) +
                     " has the reserved form of fresh addresses (a local name beginning with '~'): only "
                     "start_worker(worker) gives those out");
  }
  return {};
}

}  // namespace

NodeCore::NodeCore(Node& node, NodeOptions options)
    : node_(node),
      options_(options),
      detached_link_(std::make_shared<DetachedLink>()),
      app_(this, detached_link_),
      lifecycle_(registry_, scheduler_, options.max_batch,
                 Cell::capacity_of(options.mailbox_capacity),  // at least 1: Node checks
                 &NodeCore::wake_entry, &NodeCore::completion_entry, this),
      scheduler_(pool_threads(options), &NodeCore::turn_entry, this) {
  app_.address = Address("app");
  (void)registry_.insert(app_.address, &app_);
  detached_link_->core = this;
  detached_link_->cells.insert(&app_);
}

NodeCore::~NodeCore() {
  (void)stop(options_.stop_timeout);
  // A processor still in process() after the stop is waited for: its thread uses the node.
  processor_threads_.join_all();
  std::lock_guard<std::mutex> one_stopper(stop_mu_);
  if (!stopped_) {
    // stop() timed out: handlers still run. Wait for them, then the pool.
    scheduler_.shutdown();
    drop_detached_mailboxes();
  }
  // Detached contexts that outlive the node only free their cells now.
  std::lock_guard<std::mutex> lock(detached_link_->mu);
  detached_link_->core = nullptr;
  detached_link_->cells.clear();
}

std::size_t NodeCore::worker_count() const {
  // relaxed: see NodeCounters.
  return lifecycle_.counters().workers.load(std::memory_order_relaxed);
}

NodeStats NodeCore::stats(std::size_t max_workers, std::vector<WorkerSample>* top) const {
  const NodeCounters& c = lifecycle_.counters();
  const ThreadCounts::Sum pool = scheduler_.counts();
  // relaxed: see NodeCounters (and ThreadCounts for the pool's).
  auto get = [](const auto& count) -> std::uint64_t { return count.load(std::memory_order_relaxed); };
  NodeStats s;
  s.dropped = get(c.dropped);
  s.wrong_type = get(c.wrong_type);
  s.handler_errors = get(c.handler_errors);
  s.worker_failures = get(c.worker_failures);
  s.denied = get(c.denied);
  s.sent = get(c.sent) + pool.sent;
  s.handled = get(c.handled) + pool.handled;
  s.workers = get(c.workers);
  s.late_replies = get(c.late_replies);
  s.timers_pending = timers_.pending();
  s.timers_dropped = timers_.dropped();
  // The `max_workers` greatest (queued, handled, cell) so far, as a min-heap:
  // a cell is compared by two loads, and copied (its address) only when it
  // enters. The cell's address in memory breaks ties: arbitrary, but stable.
  struct Ranked {
    std::uint64_t queued, handled;
    std::uintptr_t cell;
    Address address;
    bool operator>(const Ranked& o) const {
      return std::tie(queued, handled, cell) > std::tie(o.queued, o.handled, o.cell);
    }
  };
  std::vector<Ranked> heap;
  const bool ranking = top != nullptr && max_workers > 0;
  if (ranking) heap.reserve(max_workers);
  registry_.for_each_cell([&](const Cell* cell) {
    // relaxed: counts (Cell::queued's pair is with RoomSignal, not with us).
    const std::uint64_t queued = cell->queued.load(std::memory_order_relaxed);
    s.queued += queued;
    if (!ranking) return;
    const Ranked candidate{queued, get(cell->handled), reinterpret_cast<std::uintptr_t>(cell), Address()};
    if (heap.size() == max_workers) {
      if (!(candidate > heap.front())) return;
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      heap.pop_back();
    }
    heap.push_back(candidate);
    heap.back().address = cell->address;  // the cell is alive: we are in its read section
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
  });
  if (ranking) {
    std::sort_heap(heap.begin(), heap.end(), std::greater<>());  // most first
    top->clear();
    for (Ranked& r : heap) top->push_back(WorkerSample{std::move(r.address), r.queued, r.handled});
  }
  return s;
}

// ---------------------------------------------------------------- timers

namespace {
// A send_after's timer: the message, routes set, waiting for its deadline.
struct SendTimer final : TimerEntry {
  SendTimer(NodeCore& node_core, EnvelopePtr message) : core(node_core), envelope(std::move(message)) {}
  void fire() override { core.fire(std::move(envelope)); }
  void discard() override { envelope.reset(); }
  NodeCore& core;
  EnvelopePtr envelope;
};
}  // namespace

Result<Timer> NodeCore::set_timer(std::chrono::milliseconds delay, EnvelopePtr envelope) {
  auto entry = std::make_shared<SendTimer>(*this, std::move(envelope));
  const auto deadline = delay.count() <= 0 ? std::chrono::steady_clock::now() : deadline_after(delay);
  if (Result<void> r = timers_.add(deadline, entry); !r) return r.error();
  return TimerAccess::make(std::move(entry));
}

void NodeCore::fire(EnvelopePtr envelope) {
  const Address to = envelope->routes.next();
  Result<void> r = try_deliver(envelope, to);
  if (r) return;
  timers_.count_refused();
  log(LogLevel::Warn, "a timer of " + quoted(envelope->routes.ret_next()) + " fired, and its message to " +
                          quoted(to) + " was dropped: " + r.error().to_string());
}

// ---------------------------------------------------------------- sending

Result<void> NodeCore::deliver(EnvelopePtr envelope, const Address& to) { return try_deliver(envelope, to); }

Result<void> NodeCore::deliver(EnvelopePtr envelope, const Address& to, TargetCache& cache) {
  // Only the worker's own turns touch its cache (target_cache.h): a
  // Context used off the pool, against its contract, goes without.
  return try_deliver(envelope, to, nullptr, scheduler_.on_pool_thread() ? &cache : nullptr);
}

Result<void> NodeCore::deliver(EnvelopePtr envelope) {
  const Address to = envelope->routes.next();
  return try_deliver(envelope, to);
}

Result<void> NodeCore::deliver_waiting(EnvelopePtr envelope, const Address& to, std::chrono::milliseconds timeout) {
  if (scheduler_.on_pool_thread()) return try_deliver(envelope, to);  // a pool thread never waits
  const auto deadline = deadline_after(timeout);
  RoomSignal& room = lifecycle_.room();
  RoomSignal::Waiting waiting(room);
  for (;;) {
    const std::uint64_t seen = room.generation();
    bool mailbox_full = false;
    Result<void> r = try_deliver(envelope, to, &mailbox_full);
    if (r || !mailbox_full) return r;
    if (!room.wait(seen, deadline)) return r;
  }
}

Result<void> NodeCore::try_deliver(EnvelopePtr& envelope, const Address& to, bool* mailbox_full, TargetCache* cache) {
  // The check is inside the section, so stop()'s grace period fences every
  // send that missed stopping_; the lookups and pushes run in it too.
  ReadSection section;
  // During the stop's drain this node's workers still reach each other.
  if (stopping_.load() && !scheduler_.on_pool_thread()) return stopped_error();
  std::optional<Error> refused;  // not a Result, to keep the common path lean
  // On a refusal the envelope stays the caller's. The mailbox's place is
  // taken first and given back if the gate refuses, so neither count leaks.
  const Address* target = nullptr;
  auto push = [&](Cell* cell) {
    // Access control first, so a refusal takes no mailbox place. Local
    // messages to workers with the default policy (almost all) pass on two
    // null checks.
    const Cell::Extras* extras = cell->extras();
    if ((extras != nullptr || envelope->origin.get() != nullptr) && !admitted(*cell, *target, *envelope)) {
      NodeCounters::add(lifecycle_.counters().denied);
      refused.emplace(ErrorCode::AccessDenied,
                      "the incoming access control of " + quoted(cell->address) + " refuses a message " +
                          (envelope->origin.get() == nullptr ? std::string("sent on this node")
                                                       : "that came through " + quoted(envelope->origin.get()->entry())));
      return;
    }
    if (!cell->admit(extras, lifecycle_.room())) {
      if (mailbox_full != nullptr) *mailbox_full = true;
      refused.emplace(ErrorCode::QueueFull, "the mailbox of " + quoted(cell->address) + " holds " +
                                                std::to_string(Cell::capacity(extras, lifecycle_.room())) + " messages; retry later");
      return;
    }
    if (extras != nullptr && extras->gate != nullptr) {
      if (Result<void> admitted = extras->gate->admit(); !admitted) {
        cell->give_back(lifecycle_.room(), Cell::capacity(extras, lifecycle_.room()));
        refused.emplace(admitted.error());
        return;
      }
    }
    count_sent();  // before the push: whoever the message reaches sees it counted
    if (cell->mailbox.push(envelope.release())) wake(cell);
  };
  auto pushed = [&]() -> Result<void> {
    if (refused) return std::move(*refused);
    return {};
  };
  // A transport address is first looked up as is: a connection holds its
  // peer's address ("1#host:port"). Otherwise the type's router takes it.
  target = &to;
  if (cache != nullptr ? registry_.with_cell(section, to, *cache, push) : registry_.with_cell(section, to, push)) {
    return pushed();
  }
  if (!to.is_local()) {
    target = routers_[to.type()].load();
    if (target == nullptr) {
      return Error(ErrorCode::AddressNotFound,
                   "no transport registered for type " + std::to_string(to.type()) + " (address " + quoted(to) + ")");
    }
    if (registry_.with_cell(section, *target, push)) return pushed();
  }
  // stop() may have taken the worker down after the check above.
  if (stopping_.load()) return stopped_error();
  return Error(ErrorCode::AddressNotFound, "no worker at address " + quoted(*target));
}

bool NodeCore::admitted(const Cell& cell, const Address& to, const Envelope& envelope) {
  // The default policy reads no route: no need to unpack them.
  const Cell::Extras* extras = cell.extras();
  if (extras == nullptr || extras->incoming.is_default()) {
    return detail::exposed_or_local(to, envelope.origin.get(), envelope.direct);
  }
  const Route onward = envelope.routes.onward();
  const Route ret = envelope.routes.ret();
  return extras->incoming.admits(Delivery{to, onward, ret, envelope.origin.get(), envelope.direct});
}

Result<void> NodeCore::register_transport(Address::Type type, const Address& router) {
  if (stopping_.load()) return stopped_error();
  if (type == Address::kLocal) return Error(ErrorCode::InvalidAddress, "type 0 is local delivery, not a transport");
  if (!router.valid() || !router.is_local()) {
    return Error(ErrorCode::InvalidAddress, "a transport router is a local worker: " + quoted(router));
  }
  std::lock_guard<std::mutex> lock(routers_mu_);
  if (routers_[type].load() != nullptr) {
    return Error(ErrorCode::AddressInUse, "transport type " + std::to_string(type) + " already has a router");
  }
  router_storage_.push_back(std::make_unique<Address>(router));
  routers_[type].store(router_storage_.back().get());
  return {};
}

void NodeCore::wake(Cell* cell) {
  if (cell->detached) {
    DetachedCell* detached = static_cast<DetachedCell*>(cell);
    if (detached->sink != nullptr) return detached->sink->arrived(*detached);
    detached->wake();
  } else {
    scheduler_.schedule(cell);
  }
}

// ---------------------------------------------------------------- requests

// A worker's pending request: its reply address's sink, and its timer's
// payload (request.h).
struct PendingRequest final : ReplySink {
  PendingRequest(NodeCore& node_core, RequestTable* requests, std::unique_ptr<Continuation> k)
      : core(node_core), table(requests), continuation(std::move(k)) {
    table->ref();
  }
  ~PendingRequest() override { table->unref(); }

  // INVARIANT exactly once. acq_rel: one winner needs only atomicity; the
  // winner then takes what it needs under `mu`.
  bool settle() { return !settled.exchange(true, std::memory_order_acq_rel); }

  void arrived(DetachedCell& cell) override {
    std::lock_guard<std::mutex> one_consumer(cell.receive_mu);
    for (;;) {
      while (EnvelopePtr envelope{cell.take(core.lifecycle_.room())}) {
        if (settle()) {
          core.complete(*this, std::move(envelope), std::nullopt, /*can_wait=*/false);  // in the pusher's section
        } else {
          core.count_late(cell, 1);
        }
      }
      if (cell.mailbox.try_mark_empty()) return;
      std::this_thread::yield();  // a push is between its exchange and its link
    }
  }

  // The timer's, once settled by it: Timeout to the continuation.
  void timed_out(std::chrono::milliseconds after) {
    core.complete(*this, nullptr, Error(ErrorCode::Timeout, "no reply within " + std::to_string(after.count()) + " ms"),
                  /*can_wait=*/true);
  }
  // The stop's, once settled by it.
  void dropped() { core.drop_request(*this); }

  NodeCore& core;
  RequestTable* const table;  // a reference held
  std::atomic<bool> settled{false};
  std::mutex mu;
  std::unique_ptr<Continuation> continuation;  // guarded by mu; taken by the settler
  std::unique_ptr<Context> reply;              // guarded by mu; taken by the settler
  Timer timeout;                               // guarded by mu; cancelled by the settler
  std::string requester;                       // immutable: the worker's address, for the log
};

namespace {
// A worker request's timeout: Timeout to the continuation, or, dropped at
// the stop, the request dropped.
struct RequestTimeout final : TimerEntry {
  RequestTimeout(std::shared_ptr<PendingRequest> p, std::chrono::milliseconds t) : pending(std::move(p)), after(t) {}
  void fire() override {
    if (pending->settle()) pending->timed_out(after);
    pending.reset();
  }
  void discard() override {
    // Cancelled by the reply's settler (nothing left to do), or dropped by the stop.
    if (pending->settle()) pending->dropped();
    pending.reset();
  }
  std::shared_ptr<PendingRequest> pending;
  const std::chrono::milliseconds after;
};
}  // namespace

CompletionEnvelope::~CompletionEnvelope() = default;

RequestTable* NodeCore::request_table(Cell& cell) {
  // acquire: pairs with the release of the compare-exchange below (our own
  // earlier turn) or the seal's exchange.
  std::atomic<RequestTable*>& requests = cell.extras_after_start().requests;
  RequestTable* table = requests.load(std::memory_order_acquire);
  if (table == Cell::sealed_requests()) return nullptr;
  if (table != nullptr) return table;
  auto made = std::make_unique<RequestTable>(&cell);
  // acq_rel: publishes the table to the seal's exchange (its pair).
  if (!requests.compare_exchange_strong(table, made.get(), std::memory_order_acq_rel)) return nullptr;  // sealed meanwhile
  return made.release();  // the cell's reference, released by its seal
}

Result<EnvelopePtr> NodeCore::request(Context& ctx, const Route& onward, EnvelopePtr envelope, const Wanted& want,
                                      std::chrono::milliseconds timeout) {
  if (!ctx.cell().detached) {
    return Error(ErrorCode::AccessDenied, "request(route, body, timeout) blocks, and worker " + quoted(ctx.address()) +
                                              " runs on the pool, which never blocks: use request<R>(route, body, "
                                              "timeout, continuation)");
  }
  if (scheduler_.on_pool_thread()) {
    return Error(ErrorCode::AccessDenied, "request(route, body, timeout) on " + who(static_cast<DetachedCell&>(ctx.cell())) +
                                              " from a worker's handler would block a pool thread: use "
                                              "request<R>(route, body, timeout, continuation) on the worker's context");
  }
  Result<std::unique_ptr<Context>> opened = open_detached(next_fresh_address());
  if (!opened) return opened.error();
  std::unique_ptr<Context> reply = std::move(opened).value();
  if (!envelope->routes.assign(onward, reply->address())) return routes_too_long();
  if (ctx.cell().has_outgoing_policy()) {
    if (Result<void> r = ctx.check_outgoing(*envelope); !r) return r.error();
  }
  if (Result<void> sent = deliver(std::move(envelope), onward.next()); !sent) return sent.error();  // `reply` closes: nothing came
  Result<EnvelopePtr> got = receive(*reply, want, timeout);
  // A reply received: the address closes (a second reply is AddressNotFound
  // for its sender). Otherwise a reply may still come: retired.
  if (!got) retire_reply(std::move(reply), /*can_wait=*/true);
  return got;
}

Result<void> NodeCore::request_continued(Context& ctx, const Route& onward, EnvelopePtr envelope,
                                         std::chrono::milliseconds timeout,
                                         std::unique_ptr<Continuation> continuation) {
  Cell& cell = ctx.cell();
  if (cell.detached) {
    return Error(ErrorCode::AccessDenied, "the continuation form of request() runs on a worker's turn; " + who(static_cast<DetachedCell&>(cell)) +
                                              " uses request<R>(route, body, timeout), which blocks");
  }
  RequestTable* table = request_table(cell);
  if (table == nullptr) return Error(ErrorCode::NodeStopped, "worker " + quoted(ctx.address()) + " is stopping");
  auto pending = std::make_shared<PendingRequest>(*this, table, std::move(continuation));
  pending->requester = ctx.address().to_string();
  Result<std::unique_ptr<Context>> opened = open_detached(next_fresh_address(), pending);
  if (!opened) return opened.error();
  if (!envelope->routes.assign(onward, opened.value()->address())) return routes_too_long();  // `opened` closes
  if (cell.has_outgoing_policy()) {
    if (Result<void> r = ctx.check_outgoing(*envelope); !r) return r;  // `opened` closes
  }
  // Until settled the pending request owns its reply address (and the
  // address's sink owns it): the settler breaks that cycle.
  {
    std::lock_guard<std::mutex> lock(pending->mu);
    pending->reply = std::move(opened).value();
  }
  auto take_back = [&] {
    std::lock_guard<std::mutex> lock(pending->mu);
    return std::move(pending->reply);
  };
  if (Result<void> sent = deliver(std::move(envelope), onward.next()); !sent) {
    (void)pending->settle();  // ours: nothing was sent, and no timer is set
    take_back();              // closes the reply address (a turn may wait for a grace period)
    return sent;
  }
  auto timer = std::make_shared<RequestTimeout>(pending, timeout);
  const auto deadline = timeout.count() <= 0 ? std::chrono::steady_clock::now() : deadline_after(timeout);
  if (Result<void> set = timers_.add(deadline, timer); !set) {
    timer->pending.reset();
    if (!pending->settle()) return {};  // the reply came first: its completion is queued
    retire_reply(take_back(), /*can_wait=*/true);  // a reply may still come
    return set;
  }
  std::lock_guard<std::mutex> lock(pending->mu);
  pending->timeout = TimerAccess::make(std::move(timer));
  // acquire: a settler that came first found no timer to cancel.
  if (pending->settled.load(std::memory_order_acquire)) pending->timeout.cancel();
  return {};
}

void NodeCore::complete(PendingRequest& pending, EnvelopePtr message, std::optional<Error> error, bool can_wait) {
  std::unique_ptr<Continuation> continuation;
  std::unique_ptr<Context> reply;
  Timer timer;
  {
    std::lock_guard<std::mutex> lock(pending.mu);
    continuation = std::move(pending.continuation);
    reply = std::move(pending.reply);
    timer = pending.timeout;
  }
  (void)timer.cancel();  // the reply came first: free the timer now (false if it is the one firing)
  auto completion = std::make_unique<CompletionEnvelope>(std::move(continuation), std::move(reply));
  completion->message = std::move(message);
  completion->error = std::move(error);
  {
    std::lock_guard<std::mutex> lock(pending.table->mu);
    if (pending.table->open) {  // INVARIANT completion before stop
      Cell* cell = pending.table->cell;
      if (cell->mailbox.push(completion.release())) scheduler_.schedule(cell);
      return;
    }
  }
  retire_reply(std::move(completion->reply), can_wait);
  NodeCounters::add(lifecycle_.counters().dropped);
  log(LogLevel::Warn, "a request of worker " + quoted(Address(pending.requester)) +
                          " ended after the worker stopped; its continuation is dropped");
}

void NodeCore::drop_request(PendingRequest& pending) {
  std::unique_ptr<Context> reply;
  {
    std::lock_guard<std::mutex> lock(pending.mu);
    pending.continuation.reset();
    reply = std::move(pending.reply);
  }
  retire_reply(std::move(reply), /*can_wait=*/true);
  NodeCounters::add(lifecycle_.counters().dropped);
  log(LogLevel::Warn, "a request of worker " + quoted(Address(pending.requester)) +
                          " was still waiting at the node's stop; its continuation is dropped");
}

void NodeCore::run_completion(Cell* cell, EnvelopePtr envelope) {
  auto& completion = static_cast<CompletionEnvelope&>(*envelope);
  retire_reply(std::move(completion.reply), /*can_wait=*/true);
  Result<EnvelopePtr> result =
      completion.error ? Result<EnvelopePtr>(*completion.error)
                       : as_wanted(completion.continuation->want, std::move(completion.message),
                                   "worker " + quoted(cell->address) + " (a request's reply)");
  try {
    completion.continuation->run(cell->context(), std::move(result));
  } catch (const std::exception& e) {
    NodeCounters::add(lifecycle_.counters().handler_errors);
    log(LogLevel::Error, "worker " + quoted(cell->address) + ": a request's continuation threw: " + e.what());
  } catch (...) {
    NodeCounters::add(lifecycle_.counters().handler_errors);
    log(LogLevel::Error,
        "worker " + quoted(cell->address) + ": a request's continuation threw a non-std::exception");
  }
}

void NodeCore::retire_reply(std::unique_ptr<Context> reply, bool can_wait) {
  if (reply == nullptr) return;
  // release: pairs with the acquire where it is closed (close_detached) or
  // drained at the stop.
  static_cast<DetachedCell*>(&reply->cell())->retired.store(true, std::memory_order_release);
  std::vector<std::unique_ptr<Context>> evicted;
  {
    std::lock_guard<std::mutex> lock(retired_mu_);
    retired_.push_back(std::move(reply));
    while (can_wait && retired_.size() > kRetiredReplies) {
      evicted.push_back(std::move(retired_.front()));
      retired_.pop_front();
    }
  }
  // `evicted` closes here, outside the lock: a grace period each.
}

void NodeCore::count_late(const DetachedCell& cell, std::uint64_t n) {
  if (n == 0) return;
  NodeCounters::add(lifecycle_.counters().late_replies, n);
  log(LogLevel::Info, std::to_string(n) + " late reply(ies) to request address " + quoted(cell.address) +
                          " dropped: its request was over");
}

// ---------------------------------------------------------------- detached contexts

Result<EnvelopePtr> NodeCore::receive(const Context& ctx, const Wanted& want,
                                      std::chrono::milliseconds timeout) {
  if (!ctx.cell().detached) {
    return Error(ErrorCode::AccessDenied, "receive() is for the app and detached contexts; worker " +
                                              quoted(ctx.address()) + " gets its messages in handle_message()");
  }
  DetachedCell& cell = static_cast<DetachedCell&>(ctx.cell());
  std::lock_guard<std::mutex> one_receiver(cell.receive_mu);
  const auto deadline = deadline_after(timeout);
  for (;;) {
    if (stopping_.load()) return stopped_error();
    if (cell.closing.load(std::memory_order_relaxed)) return asked_to_stop(cell);
    if (EnvelopePtr front{cell.take(lifecycle_.room())}) {
      if (want.takes == nullptr || want.takes(*front->type)) return handled_at(cell, std::move(front));
      if (want.decode != nullptr && front->is_wire()) {
        Result<EnvelopePtr> typed = want.decode(*front);
        if (typed) return handled_at(cell, std::move(typed).value());
        return refuse_at(cell, Error(ErrorCode::WrongMessageType, typed.error().message()));
      }
      return refuse_at(cell, Error(ErrorCode::WrongMessageType, "expected " + demangle(*want.type) + ", found " +
                                                                    demangle(*front->type) + "; it is dropped"));
    }
    if (!cell.mailbox.try_mark_empty()) {
      std::this_thread::yield();  // a push is between its exchange and its link
      continue;
    }
    std::unique_lock<std::mutex> lock(cell.wake_mu);
    if (!cell.wake_cv.wait_until(lock, deadline, [&] {
          return cell.signalled || stopping_.load() || cell.closing.load(std::memory_order_relaxed);
        })) {
      return Error(ErrorCode::Timeout, "no message for " + quoted(cell.address) + " within " +
                                           std::to_string(timeout.count()) + " ms");
    }
    cell.signalled = false;
  }
}

Error NodeCore::asked_to_stop(const DetachedCell& cell) {
  return Error(ErrorCode::NodeStopped, "processor " + quoted(cell.address) + " is asked to stop");
}

Result<std::unique_ptr<Context>> NodeCore::new_detached(Address address) {
  if (Result<void> r = check_own_address(address, /*allow_remote=*/false); !r) return r.error();
  return open_detached(std::move(address));
}

Result<std::unique_ptr<Context>> NodeCore::new_detached_fresh() { return open_detached(next_fresh_address()); }

Result<std::unique_ptr<Context>> NodeCore::open_detached(Address address, std::shared_ptr<ReplySink> sink) {
  if (stopping_.load()) return stopped_error();
  auto cell = std::make_unique<DetachedCell>(this, detached_link_, std::move(sink));
  cell->address = std::move(address);
  std::lock_guard<std::mutex> lock(detached_link_->mu);
  if (detached_link_->closed) return stopped_error();  // the stop began after the check above
  if (!registry_.insert(cell->address, cell.get())) {
    return Error(ErrorCode::AddressInUse, "address " + quoted(cell->address) + " is in use");
  }
  detached_link_->cells.insert(cell.get());
  return std::unique_ptr<Context>(cell.release());  // the cell's own Context
}

void NodeCore::release_detached(DetachedCell* cell) {
  const std::shared_ptr<DetachedLink> link = cell->link;  // the cell goes below
  {
    std::lock_guard<std::mutex> lock(link->mu);
    // Once the node is gone its stop has unlinked and drained the cell.
    if (link->core != nullptr) link->core->close_detached(*cell);
  }
  delete cell;
}

void NodeCore::close_detached(DetachedCell& cell) {
  detached_link_->cells.erase(&cell);
  for (const Address& a : cell.addresses()) registry_.remove(a, &cell);
  synchronize();  // no sender still pushes to it, and every monitor() that found it is in
  // Its monitors, both ways, before the drain: no notice lands after it.
  const Phase::Bits bits = cell.phase.load();
  if ((bits & Phase::kWatching) != 0) lifecycle_.monitors().forget(cell);
  if ((bits & (Phase::kWatched | Phase::kEnded)) != 0) {
    lifecycle_.monitors().ended(cell, "its detached context was destroyed");
  }
  const std::uint64_t n = drain(cell);
  if (n == 0) return;
  if (cell.retired.load(std::memory_order_acquire)) return count_late(cell, n);  // pairs with retire_reply()
  NodeCounters::add(lifecycle_.counters().dropped, n);
  log(LogLevel::Warn, "detached context " + quoted(cell.address) + " closed with " + std::to_string(n) +
                          " queued message(s); dropped");
}

std::uint64_t NodeCore::drain(DetachedCell& cell) {
  std::lock_guard<std::mutex> one_consumer(cell.receive_mu);
  std::uint64_t n = 0;
  while (Envelope* envelope = cell.take(lifecycle_.room())) {
    delete envelope;
    ++n;
  }
  return n;
}

// ---------------------------------------------------------------- lifecycle

Result<void> NodeCore::start(std::vector<Address> addresses, std::unique_ptr<Cell> cell, bool allow_remote) {
  if (addresses.empty()) return Error(ErrorCode::InvalidAddress, "a worker needs at least one address");
  if (addresses.size() > Registry::kMaxAddresses) {
    return Error(ErrorCode::InvalidAddress, "a worker of " + std::to_string(addresses.size()) + " addresses; at most " +
                                                std::to_string(Registry::kMaxAddresses));
  }
  for (const Address& a : addresses) {
    if (Result<void> r = check_own_address(a, allow_remote); !r) return r;
  }
  cell->set_addresses(std::move(addresses));
  return launch(std::move(cell));
}

Result<Address> NodeCore::start_fresh(std::unique_ptr<Cell> cell) {
  Address address = next_fresh_address();
  cell->address = address;
  // AddressInUse cannot come back: no other worker holds a fresh address.
  if (Result<void> r = launch(std::move(cell)); !r) return r.error();
  return address;
}

Result<void> NodeCore::launch(std::unique_ptr<Cell> cell) {
  if (stopping_.load()) return stopped_error();
  return lifecycle_.start(std::move(cell));
}

Result<void> NodeCore::stop_worker(const Address& address) {
  if (address == app_.address) {
    return Error(ErrorCode::AccessDenied, "the app is not a worker; stop the node instead");
  }
  if (processor_threads_.stop(address, registry_)) return {};
  return lifecycle_.stop_worker(address);
}

Result<void> NodeCore::start_processor(Address address, std::unique_ptr<Processor> processor,
                                       ProcessorOptions options) {
  if (!options.own_thread) {
    std::vector<Address> addresses;
    addresses.push_back(std::move(address));
    return start(std::move(addresses), std::make_unique<ProcessorCell>(std::move(processor)));
  }
  Result<std::unique_ptr<Context>> context = new_detached(std::move(address));
  if (!context) return context.error();
  auto& cell = static_cast<DetachedCell&>(context.value()->cell());
  return processor_threads_.start(std::move(context).value(), cell, std::move(processor));
}

Result<void> NodeCore::monitor(Cell& watcher, const Address& target) {
  if (!watcher.accepts(typeid(WorkerStopped))) {
    return Error(ErrorCode::WrongMessageType,
                 "worker " + quoted(watcher.address) + " handles " + demangle(watcher.message_type()) +
                     ", so it cannot be told ockam::WorkerStopped: a monitor needs a Worker<ockam::Any> or a "
                     "std::variant that holds WorkerStopped");
  }
  return lifecycle_.monitors().watch(watcher, target);
}

Result<void> NodeCore::add_stop_hook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  if (hooks_closed_) return stopped_error();
  stop_hooks_.push_back(std::move(hook));
  return {};
}

// The order: transports' hooks; then no send from outside the pool, one
// grace period, and the drain (workers handle what is queued and what they
// send each other) until the node is idle or the timeout passes; then every
// worker is claimed as one batch, each turn runs shutdown() and drops what
// is left, and the pool is joined.
Result<void> NodeCore::stop(std::chrono::milliseconds timeout) {
  if (scheduler_.on_pool_thread() || processor_threads_.on_processor_thread()) {
    return Error(ErrorCode::AccessDenied, "stop() from a worker or processor of this node would wait for itself");
  }
  std::lock_guard<std::mutex> one_stopper(stop_mu_);
  if (stopped_) return {};
  const auto started = std::chrono::steady_clock::now();
  if (!stop_begun_) {
    stop_begun_ = true;
    std::vector<std::function<void()>> hooks;
    {
      std::lock_guard<std::mutex> lock(hooks_mu_);
      hooks_closed_ = true;
      hooks.swap(stop_hooks_);
    }
    for (auto& hook : hooks) hook();  // transports first: no I/O thread injects from here on
    lifecycle_.monitors().node_stopping();  // told before the drain, so supervisors see it
    // Processors next, as sources of messages (their shutdown() may still
    // send): a pool processor would keep the pool from going idle.
    processor_threads_.stop_all();
    lifecycle_.retire_processors();
    // Whoever is still in process() at the deadline is named at the end.
    (void)processor_threads_.wait(deadline_after(std::max(timeout, kMinShutdownTime)));
    timers_.stop();  // then timers: what is pending is dropped and counted
    stopping_.store(true);
    synchronize();  // every send that read stopping_ == false has pushed
    {
      std::lock_guard<std::mutex> lock(detached_link_->mu);
      detached_link_->closed = true;  // no new detached context
      for (DetachedCell* cell : detached_link_->cells) {
        std::lock_guard<std::mutex> wake(cell->wake_mu);
        cell->wake_cv.notify_all();  // a blocked receive() returns NodeStopped
      }
    }
    if (timeout.count() > 0) (void)scheduler_.wait_idle(deadline_after(timeout));
    {
      // Unlinked after the drain (workers' replies to them still queue, and
      // are counted as dropped below), in retire_all()'s grace period.
      std::lock_guard<std::mutex> lock(detached_link_->mu);
      for (DetachedCell* cell : detached_link_->cells) {
        for (const Address& a : cell->addresses()) registry_.remove(a, cell);
      }
    }
    running_at_claim_ = lifecycle_.retire_all();
  }
  // Each claimed cell has a turn coming that runs its shutdown() and deletes
  // it. Past the deadline, give up only on a worker whose code is seen
  // running twice in a row: a turn that only drops its queue is the
  // runtime's own, finite work.
  if (!scheduler_.wait_idle(deadline_after(std::max(timeout, kMinShutdownTime)))) {
    std::vector<const Cell*> seen = scheduler_.running();
    for (;;) {
      if (scheduler_.wait_idle(deadline_after(kStuckProbe))) break;
      std::vector<const Cell*> stuck;
      const std::vector<const Cell*> now = scheduler_.running();
      for (const Cell* cell : now) {
        if (std::find(seen.begin(), seen.end(), cell) != seen.end()) stuck.push_back(cell);
      }
      if (!stuck.empty()) return timed_out(started, stuck);
      seen = now;
    }
  }
  scheduler_.shutdown();
  drop_detached_mailboxes();
  {
    std::deque<std::unique_ptr<Context>> retired;
    {
      std::lock_guard<std::mutex> lock(retired_mu_);
      retired.swap(retired_);
    }
    retired.clear();  // closes them: drained above, so this only frees
  }
  if (std::vector<std::string> left = processor_threads_.wait(deadline_after(kStuckProbe)); !left.empty()) {
    std::string names;
    for (const std::string& name : left) names += (names.empty() ? "" : ", ") + name;
    return Error(ErrorCode::Timeout, "stop() gave up: processor(s) " + names +
                                         " still in process() after being asked to stop; the node's destructor "
                                         "waits for them");
  }
  running_at_claim_.clear();
  stopped_ = true;
  return {};
}

Error NodeCore::timed_out(std::chrono::steady_clock::time_point started, const std::vector<const Cell*>& stuck) {
  std::string names;
  std::size_t named = 0;
  for (const Cell* cell : stuck) {
    auto it = running_at_claim_.find(cell);
    if (it == running_at_claim_.end() || named == 8) continue;
    names += (named++ == 0 ? "'" : ", '") + it->second + "'";
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return Error(ErrorCode::Timeout, "stop() gave up after " + std::to_string(waited.count()) + " ms: " +
                                       std::to_string(stuck.size()) + " worker(s) still in a handler" +
                                       (names.empty() ? std::string() : ", " + names) +
                                       "; the node refuses every call, and its destructor waits for them");
}

EnvelopePtr NodeCore::handled_at(DetachedCell& cell, EnvelopePtr envelope) {
  cell.count_handled();  // under the cell's receive lock: one writer at a time
  NodeCounters::add(lifecycle_.counters().handled);
  return envelope;
}

Error NodeCore::refuse_at(const DetachedCell& cell, Error error) { return refuse(who(cell), std::move(error)); }

std::string NodeCore::who(const DetachedCell& cell) const {
  return &cell == &app_ ? std::string("app") : "detached context " + quoted(cell.address);
}

Result<EnvelopePtr> NodeCore::as_wanted(const Wanted& want, EnvelopePtr front, const std::string& who) {
  if (want.takes == nullptr || want.takes(*front->type)) return front;
  if (want.decode != nullptr && front->is_wire()) {
    Result<EnvelopePtr> typed = want.decode(*front);
    if (typed) return typed;
    return refuse(who, Error(ErrorCode::WrongMessageType, typed.error().message()));
  }
  return refuse(who, Error(ErrorCode::WrongMessageType,
                           "expected " + demangle(*want.type) + ", found " + demangle(*front->type) + "; it is dropped"));
}

Error NodeCore::refuse(const std::string& who, Error error) {
  NodeCounters::add(lifecycle_.counters().wrong_type);
  log(LogLevel::Warn, who + " dropped a message: " + error.message());
  return error;
}

void NodeCore::drop_detached_mailboxes() {
  std::lock_guard<std::mutex> lock(detached_link_->mu);
  for (DetachedCell* cell : detached_link_->cells) {
    const std::uint64_t n = drain(*cell);
    // acquire: pairs with retire_reply()'s release.
    if (cell->retired.load(std::memory_order_acquire)) {
      count_late(*cell, n);
    } else {
      lifecycle_.count_dropped(*cell, n);
    }
  }
}

}  // namespace ockam::detail
