#include "runtime/internal/node_core.h"

#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "runtime/internal/read_section.h"
#include "runtime/log.h"

namespace ockam::detail {
namespace {

std::size_t pool_threads(const NodeOptions& options) {
  if (options.threads != 0) return options.threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

std::string quoted(const Address& a) { return "'" + a.to_string() + "'"; }

// Runs one of a worker's calls; an exception becomes a WorkerFailed error.
template <class F>
Result<void> guarded(const char* call, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Error(ErrorCode::WorkerFailed, std::string(call) + " threw: " + e.what());
  } catch (...) {
    return Error(ErrorCode::WorkerFailed, std::string(call) + " threw a non-std::exception");
  }
}

}  // namespace

NodeCore::NodeCore(Node& node, NodeOptions options)
    : node_(node), options_(options), scheduler_(pool_threads(options), &NodeCore::turn_entry, this) {
  app_.addresses.push_back(Address("app"));
  app_.ctx.core_ = this;
  (void)registry_.insert(app_.addresses.front(), &app_);
}

NodeCore::~NodeCore() { (void)stop(); }

std::size_t NodeCore::worker_count() const {
  // relaxed: a count, exact for the thread that started or stopped workers
  // (program order) and for anyone ordered after it.
  return worker_count_.load(std::memory_order_relaxed);
}

NodeStats NodeCore::stats() const {
  // relaxed: see the counters' comment in node_core.h.
  return NodeStats{dropped_.load(std::memory_order_relaxed), wrong_type_.load(std::memory_order_relaxed),
                   handler_errors_.load(std::memory_order_relaxed),
                   worker_failures_.load(std::memory_order_relaxed)};
}

// ---------------------------------------------------------------- sending

Result<void> NodeCore::deliver(EnvelopePtr envelope) {
  if (stopping_.load()) return Error(ErrorCode::NodeStopped, "the node is stopped");
  std::optional<Error> refused;  // by a send gate; not a Result, to keep the common path lean
  auto push = [&](Cell* cell) {
    if (cell->gate != nullptr) {
      if (Result<void> admitted = cell->gate->admit(); !admitted) {
        refused.emplace(admitted.error());
        return;  // the envelope stays ours and dies here
      }
    }
    if (cell->mailbox.push(envelope.release())) wake(cell);
  };
  auto pushed = [&]() -> Result<void> {
    if (refused) return std::move(*refused);
    return {};
  };
  // A transport address is first looked up as is: a connection holds its
  // peer's address ("1#host:port"). Otherwise the type's router takes it.
  const Address& to = envelope->onward.next();
  const Address* target = &to;
  if (registry_.with_cell(to, push)) return pushed();
  if (!to.is_local()) {
    target = routers_[to.type()].load();
    if (target == nullptr) {
      return Error(ErrorCode::AddressNotFound,
                   "no transport registered for type " + std::to_string(to.type()) + " (address " + quoted(to) + ")");
    }
    if (registry_.with_cell(*target, push)) return pushed();
  }
  // stop() may have taken the worker down after the check above.
  if (stopping_.load()) return Error(ErrorCode::NodeStopped, "the node is stopped");
  return Error(ErrorCode::AddressNotFound, "no worker at address " + quoted(*target));
}

Result<void> NodeCore::register_transport(Address::Type type, const Address& router) {
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

Result<EnvelopePtr> NodeCore::receive(const Context& ctx, const std::type_info* want, WireDecoder decode,
                                      std::chrono::milliseconds timeout) {
  if (&ctx != &app_.ctx) {
    return Error(ErrorCode::AccessDenied,
                 "receive() is for the app; worker " + quoted(ctx.address()) + " gets its messages in handle_message()");
  }
  std::lock_guard<std::mutex> one_receiver(receive_mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (stopping_.load()) return Error(ErrorCode::NodeStopped, "the node is stopped");
    if (!app_front_) app_front_.reset(static_cast<Envelope*>(app_.mailbox.pop()));
    if (app_front_) {
      if (want == nullptr || *app_front_->type == *want) return std::move(app_front_);
      if (decode != nullptr && app_front_->is_wire()) {
        Result<EnvelopePtr> typed = decode(*app_front_);
        if (!typed) return Error(ErrorCode::WrongMessageType, typed.error().message());
        app_front_.reset();
        return typed;
      }
      return Error(ErrorCode::WrongMessageType,
                   "expected " + demangle(*want) + ", found " + demangle(*app_front_->type));
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

Result<void> NodeCore::start(std::vector<Address> addresses, std::unique_ptr<Cell> owned, bool allow_remote) {
  if (addresses.empty()) return Error(ErrorCode::InvalidAddress, "a worker needs at least one address");
  for (const Address& a : addresses) {
    if (!a.valid()) return Error(ErrorCode::InvalidAddress, "invalid address " + quoted(a));
    if (!a.is_local() && !allow_remote) {
      return Error(ErrorCode::InvalidAddress, "a worker's address must be local: " + quoted(a));
    }
  }
  std::shared_lock<std::shared_mutex> lifecycle(lifecycle_mu_);
  if (stopping_.load()) return Error(ErrorCode::NodeStopped, "the node is stopped");

  Cell* cell = owned.release();
  for (Address& a : addresses) cell->addresses.push_back(std::move(a));
  cell->ctx.core_ = this;
  worker_count_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count (see worker_count())
  Result<void> result;
  for (const Address& a : cell->addresses) {
    if (registry_.insert(a, cell)) continue;
    result = Error(ErrorCode::AddressInUse, "address " + quoted(a) + " is in use");
    if (!cell->retired.exchange(true)) {
      worker_count_.fetch_sub(1, std::memory_order_relaxed);
      abandon(cell);
      return result;
    }
    break;
  }
  // A concurrent stop_worker may have claimed the cell through an address
  // inserted above, and retired it before the later ones were in: remove
  // them all again. The cell cannot go away before schedule() below.
  if (cell->retired.load()) {
    for (const Address& a : cell->addresses) registry_.remove(a, cell);
    synchronize();  // no sender still pushes through a late address
    if (!result) cell->initialized = cell->init_failed = true;  // never runs; its stop finishes it
  }
  scheduler_.schedule(cell);  // the first turn runs initialize()
  return result;
}

void NodeCore::abandon(Cell* cell) {
  for (const Address& a : cell->addresses) registry_.remove(a, cell);
  synchronize();
  // Removal plus a grace period fenced every sender: what is queued now is
  // all there will be.
  std::uint64_t n = 0;
  while (mailbox::MailboxNode* node = cell->mailbox.pop()) {
    delete static_cast<Envelope*>(node);
    ++n;
  }
  count_dropped(cell, n);
  delete cell;
}

Result<void> NodeCore::stop_worker(const Address& address) {
  if (address == app_.addresses.front()) {
    return Error(ErrorCode::AccessDenied, "the app is not a worker; stop the node instead");
  }
  if (stopping_.load()) return Error(ErrorCode::NodeStopped, "the node is stopped");
  Cell* claimed = nullptr;
  // Claim inside the lookup's ReadSection: until it ends the cell cannot be
  // deleted (and once claimed, only we can start its deletion).
  const bool found = registry_.with_cell(address, [&](Cell* cell) {
    if (!cell->retired.exchange(true)) claimed = cell;
  });
  if (!found) return Error(ErrorCode::AddressNotFound, "no worker at address " + quoted(address));
  if (claimed != nullptr) retire(claimed);
  return {};
}

void NodeCore::retire(Cell* cell) {
  unlink(cell);
  synchronize();
  seal(cell);
}

void NodeCore::unlink(Cell* cell) {
  for (const Address& a : cell->addresses) registry_.remove(a, cell);
  worker_count_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a count (see worker_count())
}

void NodeCore::seal(Cell* cell) {
  // seq_cst store before the push: a turn that pops the StopEnvelope, or
  // checks between messages, sees the request.
  cell->stop_requested.store(true);
  // After unlink() and a grace period no sender can push any more: this is
  // the last push the cell will ever get.
  if (cell->mailbox.push(new StopEnvelope)) scheduler_.schedule(cell);
}

Result<void> NodeCore::stop() {
  if (scheduler_.on_pool_thread()) {
    return Error(ErrorCode::AccessDenied, "stop() from a worker of this node would wait for itself");
  }
  std::lock_guard<std::mutex> one_stopper(stop_mu_);
  if (stopped_) return {};
  // Transports first: no I/O thread injects once the workers go down.
  for (auto& hook : stop_hooks_) hook();
  stop_hooks_.clear();
  {
    std::unique_lock<std::shared_mutex> lifecycle(lifecycle_mu_);
    stopping_.store(true);
  }
  std::vector<Cell*> claimed;
  registry_.for_each_locked([&](Cell* cell) {
    if (cell != &app_ && !cell->retired.exchange(true)) claimed.push_back(cell);
  });
  for (Cell* cell : claimed) unlink(cell);
  registry_.remove(app_.addresses.front(), &app_);
  synchronize();  // one grace period for all of them
  for (Cell* cell : claimed) seal(cell);
  {
    std::lock_guard<std::mutex> lock(app_mu_);
    app_cv_.notify_all();  // a blocked receive() returns NodeStopped
  }
  // Every retired cell has a turn coming that ends by deleting it.
  scheduler_.shutdown();

  std::lock_guard<std::mutex> one_receiver(receive_mu_);
  std::uint64_t n = app_front_ ? 1 : 0;
  app_front_.reset();
  while (mailbox::MailboxNode* node = app_.mailbox.pop()) {
    delete static_cast<Envelope*>(node);
    ++n;
  }
  count_dropped(&app_, n);
  stopped_ = true;
  return {};
}

Result<void> NodeCore::add_stop_hook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_ || stopping_.load()) return Error(ErrorCode::NodeStopped, "the node is stopped");
  stop_hooks_.push_back(std::move(hook));
  return {};
}

void NodeCore::count_dropped(Cell* cell, std::uint64_t n) {
  if (n == 0) return;
  dropped_.fetch_add(n, std::memory_order_relaxed);  // relaxed: a counter
  detail::log(LogLevel::Warn, "worker " + quoted(cell->addresses.front()) + " stopped with " + std::to_string(n) +
                                  " queued message(s); dropped");
}

// ---------------------------------------------------------------- turns

void NodeCore::turn(Cell* cell) {
  if (!cell->initialized) {
    cell->initialized = true;
    Result<void> r = guarded("initialize()", [&] { return cell->call_initialize(); });
    if (!r) {
      cell->init_failed = true;
      worker_failures_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a counter
      detail::log(LogLevel::Error, "worker " + quoted(cell->addresses.front()) + " failed to initialize (" +
                                       to_string(ErrorCode::WorkerFailed) + "), so it is stopped: " +
                                       r.error().to_string());
      if (!cell->retired.exchange(true)) retire(cell);
    }
  }
  for (std::size_t handled = 0;; ++handled) {
    if (cell->stop_requested.load()) return finish(cell, false);
    if (handled == options_.max_batch) return scheduler_.reschedule(cell);
    auto* node = static_cast<Envelope*>(cell->mailbox.pop());
    if (node == nullptr) {
      if (cell->mailbox.try_mark_empty()) return;  // idle until the next push wakes it
      return scheduler_.reschedule(cell);          // a push is landing: keep the turn
    }
    EnvelopePtr envelope(node);
    if (envelope->is_control()) return finish(cell, true);
    dispatch(cell, std::move(envelope));
  }
}

void NodeCore::dispatch(Cell* cell, EnvelopePtr envelope) {
  if (!cell->accepts(*envelope->type)) {
    wrong_type_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a counter
    detail::log(LogLevel::Warn, "worker " + quoted(cell->addresses.front()) + " dropped a message of type " +
                                    demangle(*envelope->type) + "; it handles " + demangle(cell->message_type()));
    return;
  }
  if (envelope->is_wire()) {
    if (WireDecoder decode = cell->wire_decoder()) {
      Result<EnvelopePtr> typed = decode(*envelope);
      if (!typed) {
        wrong_type_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a counter
        detail::log(LogLevel::Warn, "worker " + quoted(cell->addresses.front()) + " dropped a message: " +
                                        typed.error().to_string());
        return;
      }
      envelope = std::move(typed).value();
    }
  }
  Result<void> r = guarded("handle_message()", [&] { return cell->call_handle(std::move(envelope)); });
  if (!r) {
    handler_errors_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a counter
    detail::log(LogLevel::Error, "worker " + quoted(cell->addresses.front()) + ": " + r.error().to_string());
  }
}

void NodeCore::finish(Cell* cell, bool stop_envelope_popped) {
  if (!cell->shut_down) {
    cell->shut_down = true;
    if (!cell->init_failed) {
      Result<void> r = guarded("shutdown()", [&] { return cell->call_shutdown(); });
      if (!r) detail::log(LogLevel::Error, "worker " + quoted(cell->addresses.front()) + ": " + r.error().to_string());
    }
  }
  while (!stop_envelope_popped) {
    auto* node = static_cast<Envelope*>(cell->mailbox.pop());
    if (node == nullptr) {
      // The StopEnvelope is still on its way; its push (or this retry) resumes us.
      if (cell->mailbox.try_mark_empty()) return;
      return scheduler_.reschedule(cell);
    }
    stop_envelope_popped = node->is_control();
    if (!stop_envelope_popped) ++cell->dropped;
    delete node;
  }
  count_dropped(cell, cell->dropped);
  delete cell;
}

}  // namespace ockam::detail
