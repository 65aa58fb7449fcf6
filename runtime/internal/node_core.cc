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

}  // namespace

NodeCore::NodeCore(Node& node, NodeOptions options)
    : node_(node),
      options_(options),
      lifecycle_(registry_, scheduler_, options.max_batch),
      scheduler_(pool_threads(options), &NodeCore::turn_entry, this) {
  app_.addresses.push_back(Address("app"));
  app_.capacity = Cell::capacity_of(options.mailbox_capacity);  // at least 1: Node checks
  app_.ctx.core_ = this;
  (void)registry_.insert(app_.addresses.front(), &app_);
}

NodeCore::~NodeCore() {
  (void)stop(options_.stop_timeout);
  std::lock_guard<std::mutex> one_stopper(stop_mu_);
  if (stopped_) return;
  // stop() timed out: handlers still run. Wait for them, then the pool.
  scheduler_.shutdown();
  drop_app_mailbox();
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
    heap.back().address = cell->addresses.front();  // the cell is alive: we are in its read section
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
  });
  if (ranking) {
    std::sort_heap(heap.begin(), heap.end(), std::greater<>());  // most first
    top->clear();
    for (Ranked& r : heap) top->push_back(WorkerSample{std::move(r.address), r.queued, r.handled});
  }
  return s;
}

// ---------------------------------------------------------------- sending

Result<void> NodeCore::deliver(EnvelopePtr envelope) { return try_deliver(envelope); }

Result<void> NodeCore::deliver_waiting(EnvelopePtr envelope, std::chrono::milliseconds timeout) {
  if (scheduler_.on_pool_thread()) return try_deliver(envelope);  // a pool thread never waits
  const auto deadline = deadline_after(timeout);
  RoomSignal& room = lifecycle_.room();
  RoomSignal::Waiting waiting(room);
  for (;;) {
    const std::uint64_t seen = room.generation();
    bool mailbox_full = false;
    Result<void> r = try_deliver(envelope, &mailbox_full);
    if (r || !mailbox_full) return r;
    if (!room.wait(seen, deadline)) return r;
  }
}

Result<void> NodeCore::try_deliver(EnvelopePtr& envelope, bool* mailbox_full) {
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
    const Cell::Extras* extras = cell->extras.get();
    if ((extras != nullptr || envelope->origin.get() != nullptr) && !admitted(*cell, *target, *envelope)) {
      NodeCounters::add(lifecycle_.counters().denied);
      refused.emplace(ErrorCode::AccessDenied,
                      "the incoming access control of " + quoted(cell->addresses.front()) + " refuses a message " +
                          (envelope->origin.get() == nullptr ? std::string("sent on this node")
                                                       : "that came through " + quoted(envelope->origin.get()->entry())));
      return;
    }
    if (!cell->admit()) {
      if (mailbox_full != nullptr) *mailbox_full = true;
      refused.emplace(ErrorCode::QueueFull, "the mailbox of " + quoted(cell->addresses.front()) + " holds " +
                                                std::to_string(cell->capacity) + " messages; retry later");
      return;
    }
    if (extras != nullptr && extras->gate != nullptr) {
      if (Result<void> admitted = extras->gate->admit(); !admitted) {
        cell->give_back(lifecycle_.room());
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
  const Address& to = envelope->onward.next();
  target = &to;
  if (registry_.with_cell(section, to, push)) return pushed();
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
  const Delivery delivery{to, envelope.onward, envelope.ret, envelope.origin.get(), envelope.direct};
  if (cell.extras == nullptr) return detail::exposed_or_local(delivery);
  return cell.extras->incoming.admits(delivery);
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
  if (cell == &app_) {
    wake_app();
  } else {
    scheduler_.schedule(cell);
  }
}

void NodeCore::wake_app() {
  std::lock_guard<std::mutex> lock(app_mu_);
  app_signalled_ = true;
  app_cv_.notify_one();
}

// ---------------------------------------------------------------- the app

Result<EnvelopePtr> NodeCore::receive(const Context& ctx, const Wanted& want,
                                      std::chrono::milliseconds timeout) {
  if (&ctx != &app_.ctx) {
    return Error(ErrorCode::AccessDenied,
                 "receive() is for the app; worker " + quoted(ctx.address()) + " gets its messages in handle_message()");
  }
  std::lock_guard<std::mutex> one_receiver(receive_mu_);
  const auto deadline = deadline_after(timeout);
  for (;;) {
    if (stopping_.load()) return stopped_error();
    if (EnvelopePtr front{app_.take(lifecycle_.room())}) {
      if (want.takes == nullptr || want.takes(*front->type)) return handled_at_app(std::move(front));
      if (want.decode != nullptr && front->is_wire()) {
        Result<EnvelopePtr> typed = want.decode(*front);
        if (typed) return handled_at_app(std::move(typed).value());
        return refuse_at_app(Error(ErrorCode::WrongMessageType, typed.error().message()));
      }
      return refuse_at_app(Error(ErrorCode::WrongMessageType, "expected " + demangle(*want.type) + ", found " +
                                                                  demangle(*front->type) + "; it is dropped"));
    }
    if (!app_.mailbox.try_mark_empty()) {
      std::this_thread::yield();  // a push is between its exchange and its link
      continue;
    }
    std::unique_lock<std::mutex> lock(app_mu_);
    if (!app_cv_.wait_until(lock, deadline, [&] { return app_signalled_ || stopping_.load(); })) {
      return Error(ErrorCode::Timeout, "no message within " + std::to_string(timeout.count()) + " ms");
    }
    app_signalled_ = false;
  }
}

// ---------------------------------------------------------------- lifecycle

Result<void> NodeCore::start(std::vector<Address> addresses, std::unique_ptr<Cell> cell, bool allow_remote) {
  if (addresses.empty()) return Error(ErrorCode::InvalidAddress, "a worker needs at least one address");
  for (const Address& a : addresses) {
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
  }
  for (Address& a : addresses) cell->addresses.push_back(std::move(a));
  return launch(std::move(cell));
}

Result<Address> NodeCore::start_fresh(std::unique_ptr<Cell> cell) {
  Address address = next_fresh_address();
  cell->addresses.push_back(address);
  // AddressInUse cannot come back: no other worker holds a fresh address.
  if (Result<void> r = launch(std::move(cell)); !r) return r.error();
  return address;
}

Result<void> NodeCore::launch(std::unique_ptr<Cell> cell) {
  if (stopping_.load()) return stopped_error();
  if (cell->capacity == 0) cell->capacity = Cell::capacity_of(options_.mailbox_capacity);
  cell->ctx.core_ = this;
  return lifecycle_.start(std::move(cell));
}

Result<void> NodeCore::stop_worker(const Address& address) {
  if (address == app_.addresses.front()) {
    return Error(ErrorCode::AccessDenied, "the app is not a worker; stop the node instead");
  }
  return lifecycle_.stop_worker(address);
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
  if (scheduler_.on_pool_thread()) {
    return Error(ErrorCode::AccessDenied, "stop() from a worker of this node would wait for itself");
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
    stopping_.store(true);
    synchronize();  // every send that read stopping_ == false has pushed
    {
      std::lock_guard<std::mutex> lock(app_mu_);
      app_cv_.notify_all();  // a blocked receive() returns NodeStopped
    }
    if (timeout.count() > 0) (void)scheduler_.wait_idle(deadline_after(timeout));
    running_at_claim_ = lifecycle_.retire_all(app_);
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
  drop_app_mailbox();
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

EnvelopePtr NodeCore::handled_at_app(EnvelopePtr envelope) {
  app_.count_handled();  // under receive_mu_: one writer at a time
  NodeCounters::add(lifecycle_.counters().handled);
  return envelope;
}

Error NodeCore::refuse_at_app(Error error) {
  NodeCounters::add(lifecycle_.counters().wrong_type);
  log(LogLevel::Warn, "app dropped a message: " + error.message());
  return error;
}

void NodeCore::drop_app_mailbox() {
  std::lock_guard<std::mutex> one_receiver(receive_mu_);
  std::uint64_t n = 0;
  while (Envelope* envelope = app_.take(lifecycle_.room())) {
    delete envelope;
    ++n;
  }
  lifecycle_.count_dropped(app_, n);
}

}  // namespace ockam::detail
