#include "runtime/internal/lifecycle.h"

#include <algorithm>
#include <array>
#include <exception>
#include <mutex>
#include <utility>

#include "runtime/internal/guarded.h"
#include "runtime/internal/read_section.h"
#include "runtime/internal/registry.h"
#include "runtime/internal/scheduler.h"
#include "runtime/log.h"

namespace ockam::detail {
Lifecycle::Lifecycle(Registry& registry, Scheduler& scheduler, std::size_t max_batch, std::uint32_t default_capacity,
                     Monitors::WakeFn wake, CompletionFn run_completion, void* owner)
    : registry_(registry),
      scheduler_(scheduler),
      max_batch_(max_batch),
      run_completion_(run_completion),
      owner_(owner),
      room_(default_capacity),
      monitors_(registry, wake, owner, counters_.sent) {}

// ---------------------------------------------------------------- start

Result<void> Lifecycle::start(std::unique_ptr<Cell> owned) {
  std::shared_lock<std::shared_mutex> lifecycle(lifecycle_mu_);
  if (final_) return Error(ErrorCode::NodeStopped, "the node is stopped");
  Cell* cell = owned.release();  // from here on the cell's own turn deletes it
  counters_.workers.fetch_add(1, std::memory_order_relaxed);  // relaxed: see NodeCounters
  Result<void> result;
  const std::span<const Address> addresses = cell->addresses();
  for (std::size_t k = 0; k < addresses.size(); ++k) {
    if (!registry_.insert(addresses[k], cell)) {
      result = Error(ErrorCode::AddressInUse, "address " + quoted(addresses[k]) + " is in use");
      break;
    }
    run_test_seam(SeamPoint::kInserted, *cell, k);
  }
  if (result && cell->phase.link_unless_claimed()) {
    scheduler_.schedule(cell);  // the first turn runs initialize()
    return result;
  }
  if (!result) {
    monitors_.record_end(*cell, WorkerStopped::Reason::Failed, "start_worker() failed: " + result.error().message());
  }
  if (!result && cell->phase.failed()) {
    // Ours to retire: this is the claim, so the unlink is ours too.
    std::array<Cell*, 1> one{cell};
    retire(one);
  } else {
    // Claimed by another thread while we inserted: take back what we put
    // in after its unlink, then let the second of us seal.
    for (const Address& a : cell->addresses()) registry_.remove(a, cell);
    synchronize();
  }
  if (cell->phase.linked()) seal(cell);
  // The cell cannot be gone: a seal never schedules a cell whose first turn
  // is not yet scheduled (its mailbox starts scheduled), so this is its
  // first turn, which drains it to the StopEnvelope.
  scheduler_.schedule(cell);
  return result;
}

// ---------------------------------------------------------------- retirement

Result<void> Lifecycle::stop_worker(const Address& address) {
  std::shared_lock<std::shared_mutex> lifecycle(lifecycle_mu_);
  if (final_) return Error(ErrorCode::NodeStopped, "the node is stopped");
  Cell* claimed = nullptr;
  bool detached = false;
  // Claim inside the lookup's ReadSection: until it ends the cell cannot be
  // deleted (and once claimed, only we can start its deletion).
  const bool found = registry_.with_cell(address, [&](Cell* cell) {
    if (cell->detached) {
      detached = true;  // INVARIANT never scheduled (detached_cell.h)
    } else if (cell->phase.claim()) {
      claimed = cell;
    }
  });
  if (!found) return Error(ErrorCode::AddressNotFound, "no worker at address " + quoted(address));
  if (detached) {
    return Error(ErrorCode::AccessDenied,
                 quoted(address) + " is a detached context, not a worker; destroy its Context to free it");
  }
  if (claimed != nullptr) {
    std::array<Cell*, 1> one{claimed};
    retire(one);
  }
  return {};
}

std::unordered_map<const Cell*, std::string> Lifecycle::retire_all() {
  std::vector<Cell*> claimed;
  {
    std::unique_lock<std::shared_mutex> lifecycle(lifecycle_mu_);
    final_ = true;
    registry_.for_each_locked([&](Cell* cell) {
      if (!cell->detached && cell->phase.claim()) claimed.push_back(cell);  // INVARIANT never scheduled
    });
  }
  // A turn running now began its message before the claim. Claimed cells
  // are alive until retire() seals them, so their addresses can be read.
  std::unordered_map<const Cell*, std::string> running;
  for (const Cell* in_turn : scheduler_.running()) {
    if (std::find(claimed.begin(), claimed.end(), in_turn) != claimed.end()) {
      running.emplace(in_turn, in_turn->address.to_string());
    }
  }
  retire(claimed);
  return running;
}

void Lifecycle::retire(std::span<Cell* const> claimed) {
  for (Cell* cell : claimed) {
    OCKAM_DCHECK(cell->phase.load() & Phase::kClaimed, "only the claimer retires");
    run_test_seam(SeamPoint::kClaimed, *cell);
    for (const Address& a : cell->addresses()) registry_.remove(a, cell);
    counters_.workers.fetch_sub(1, std::memory_order_relaxed);  // relaxed: see NodeCounters
  }
  synchronize();  // one grace period for the batch: no sender still pushes
  for (Cell* cell : claimed) {
    if (cell->phase.unlinked()) seal(cell);
  }
}

void Lifecycle::seal(Cell* cell) {
  // INVARIANT completion before stop (request.h): no completion is pushed
  // after this, so the StopEnvelope below stays the last push.
  RequestTable* table = cell->extras_after_start().requests.exchange(Cell::sealed_requests(), std::memory_order_acq_rel);
  if (table != nullptr && table != Cell::sealed_requests()) {
    {
      std::lock_guard<std::mutex> lock(table->mu);
      table->open = false;
    }
    table->unref();  // the cell's reference; pending requests hold theirs
  }
  // Its monitors go before its last push: a notice never lands behind it.
  if ((cell->phase.sealed() & Phase::kWatching) != 0) monitors_.forget(*cell);
  // INVARIANT last push: no address reaches the cell now.
  if (cell->mailbox.push(new StopEnvelope)) scheduler_.schedule(cell);
}

void Lifecycle::count_dropped(const Cell& cell, std::uint64_t n) {
  if (n == 0) return;
  NodeCounters::add(counters_.dropped, n);
  log(LogLevel::Warn,
      "worker " + quoted(cell.address) + " stopped with " + std::to_string(n) + " queued message(s); dropped");
}

// ---------------------------------------------------------------- turns

void Lifecycle::turn(Cell* cell) {
  const Phase::Bits p = cell->phase.load();
  Cell::Taker taker(*cell, room_);  // closed before the cell can run elsewhere or go
  if ((p & Phase::kFinished) != 0) return finish(cell, nullptr, taker);
  // A worker claimed before its first turn still initializes (and so shuts
  // down): start_worker() returned success, so the pair runs.
  if ((p & (Phase::kRunning | Phase::kFailed)) == 0) initialize(cell);
  if (cell->processor) [[unlikely]] return process(cell, taker);
  ThreadCounts* counts = scheduler_.counts_here();  // once a turn, not once a message
  for (std::size_t handled = 0;; ++handled) {
    if (!cell->phase.dispatching()) return finish(cell, nullptr, taker);
    if (handled == max_batch_) {
      taker.close();
      return scheduler_.reschedule(cell);
    }
    EnvelopePtr envelope(taker.take());
    if (!envelope) {
      if (taker.close_and_mark_empty()) return;  // idle until the next push wakes it
      return scheduler_.reschedule(cell);        // a push is landing: keep the turn
    }
    // The StopEnvelope follows a claim (phase.h), so it is never dispatched.
    if (envelope->is_control()) {
      if (envelope->is_stop()) return finish(cell, std::move(envelope), taker);
      run_completion_(owner_, cell, std::move(envelope));  // a request's continuation: a turn's call like any
      continue;
    }
    dispatch(cell, std::move(envelope), counts);
  }
}

void Lifecycle::process(Cell* cell, Cell::Taker& taker) {
  if (!cell->phase.dispatching()) return finish(cell, nullptr, taker);
  // A processor takes no messages; the StopEnvelope follows a claim.
  while (EnvelopePtr envelope{taker.take()}) {
    if (envelope->is_control()) return finish(cell, std::move(envelope), taker);
    NodeCounters::add(counters_.wrong_type);
    log(LogLevel::Warn, "processor " + quoted(cell->address) + " dropped a message of type " +
                            demangle(*envelope->type) + ": a processor takes no messages");
  }
  Result<bool> more = false;
  Result<void> called = guarded("process()", [&]() -> Result<void> {
    more = cell->call_process();
    return {};
  });
  if (!called) more = called.error();
  if (!more || !*more) {
    if (!more) {
      NodeCounters::add(counters_.worker_failures);
      log(LogLevel::Error, "processor " + quoted(cell->address) + " failed, so it is stopped: " +
                               more.error().to_string());
      monitors_.record_end(*cell, WorkerStopped::Reason::Failed, "process() failed: " + more.error().to_string());
    } else {
      monitors_.record_end(*cell, WorkerStopped::Reason::Finished, "process() returned false");
    }
    if (cell->phase.claim()) {
      std::array<Cell*, 1> one{cell};
      retire(one);  // inside a turn: the node's stop waits for it
    }
  }
  taker.close();
  scheduler_.reschedule(cell);  // to the back of the queue: yields between two calls
}

void Lifecycle::retire_processors() {
  std::vector<Cell*> claimed;
  {
    std::shared_lock<std::shared_mutex> lifecycle(lifecycle_mu_);
    if (final_) return;
    registry_.for_each_locked([&](Cell* cell) {
      if (cell->processor && cell->phase.claim()) claimed.push_back(cell);
    });
  }
  retire(claimed);
}

void Lifecycle::initialize(Cell* cell) {
  Result<void> r = guarded("initialize()", [&] { return cell->call_initialize(); });
  if (r) return cell->phase.running();
  NodeCounters::add(counters_.worker_failures);
  log(LogLevel::Error, "worker " + quoted(cell->address) + " failed to initialize (" +
                           to_string(ErrorCode::WorkerFailed) + "), so it is stopped: " + r.error().to_string());
  monitors_.record_end(*cell, WorkerStopped::Reason::Failed, "initialize() failed: " + r.error().to_string());
  // Inside a turn: the node's stop waits for it (Scheduler::wait_idle).
  if (cell->phase.failed()) {
    std::array<Cell*, 1> one{cell};
    retire(one);
  }
}

void Lifecycle::dispatch(Cell* cell, EnvelopePtr envelope, ThreadCounts* counts) {
  OCKAM_DCHECK(cell->phase.load() & Phase::kRunning, "INVARIANT dispatch: only a running worker gets messages");
  if (!cell->accepts(*envelope->type)) {
    NodeCounters::add(counters_.wrong_type);
    log(LogLevel::Warn, "worker " + quoted(cell->address) + " dropped a message of type " +
                            demangle(*envelope->type) + "; it handles " + demangle(cell->message_type()));
    return;
  }
  if (envelope->is_wire()) {
    if (WireDecoder decode = cell->wire_decoder()) {
      Result<EnvelopePtr> typed = decode(*envelope);
      if (!typed) {
        NodeCounters::add(counters_.wrong_type);
        log(LogLevel::Warn,
            "worker " + quoted(cell->address) + " dropped a message: " + typed.error().to_string());
        return;
      }
      envelope = std::move(typed).value();
    }
  }
  // Handled once it reaches the handler, whatever the handler returns.
  cell->count_handled();
  if (counts != nullptr) {
    ThreadCounts::bump(counts->handled);
  } else {
    NodeCounters::add(counters_.handled);
  }
  Result<void> r = guarded("handle_message()", [&] { return cell->call_handle(std::move(envelope)); });
  if (!r) {
    NodeCounters::add(counters_.handler_errors);
    log(LogLevel::Error, "worker " + quoted(cell->address) + ": " + r.error().to_string());
  }
}

void Lifecycle::finish(Cell* cell, EnvelopePtr popped, Cell::Taker& taker) {
  if (cell->phase.finishing()) {
    Result<void> r = guarded("shutdown()", [&] { return cell->call_shutdown(); });
    if (!r) log(LogLevel::Error, "worker " + quoted(cell->address) + ": " + r.error().to_string());
  }
  Scheduler::left_worker_code();  // what is left is the runtime's: dropping the queue
  while (!popped || !popped->is_stop()) {
    if (popped) ++cell->extras_after_start().dropped;
    popped.reset(taker.take());
    if (!popped) {
      // The StopEnvelope is still on its way; its push (or this retry) resumes us.
      if (taker.close_and_mark_empty()) return;
      return scheduler_.reschedule(cell);
    }
  }
  taker.close();  // before the cell goes
  OCKAM_DCHECK(cell->phase.load() & Phase::kSealed, "INVARIANT last push: the StopEnvelope comes from the sealer");
  OCKAM_DCHECK(cell->phase.load() & Phase::kFinished, "INVARIANT shutdown: a cell is deleted only after finish()");
  if (const Cell::Extras* extras = cell->extras(); extras != nullptr) count_dropped(*cell, extras->dropped);
  // acquire (Phase::load): the bits were set before the seal, whose
  // StopEnvelope this turn popped.
  if ((cell->phase.load() & (Phase::kWatched | Phase::kEnded)) != 0) monitors_.ended(*cell);
  delete cell;
}

}  // namespace ockam::detail
