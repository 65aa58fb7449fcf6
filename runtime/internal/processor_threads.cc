#include "runtime/internal/processor_threads.h"

#include <exception>
#include <utility>

#include "runtime/escape.h"
#include "runtime/internal/detached_cell.h"
#include "runtime/internal/guarded.h"
#include "runtime/internal/lifecycle.h"
#include "runtime/internal/registry.h"
#include "runtime/log.h"

namespace ockam::detail {
namespace {

thread_local const ProcessorThreads* tl_threads = nullptr;

}  // namespace

Result<void> ProcessorThreads::start(std::unique_ptr<Context> context, DetachedCell& cell,
                                     std::unique_ptr<Processor> processor) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Error(ErrorCode::NodeStopped, "the node is stopping: no new processor");
  reap_locked();
  auto owned = std::make_unique<Run>();
  Run* run = owned.get();
  run->processor = std::move(processor);
  run->context = std::move(context);
  run->cell = &cell;
  run->name = quoted(cell.address);
  running_.emplace(&cell, run);
  runs_.push_back(std::move(owned));
  // relaxed: see NodeCounters.
  lifecycle_.counters().workers.fetch_add(1, std::memory_order_relaxed);
  run->thread = std::thread([this, run] { this->run(*run); });
  return {};
}

void ProcessorThreads::run(Run& r) {
  tl_threads = this;
  Context& ctx = *r.context;
  WorkerStopped::Reason reason = WorkerStopped::Reason::Stopped;
  std::string why = "stop_worker() stopped it";
  auto failed = [&](const char* what, const Error& error) {
    NodeCounters::add(lifecycle_.counters().worker_failures);
    log(LogLevel::Error, "processor " + r.name + " failed, so it is stopped: " + error.to_string());
    reason = WorkerStopped::Reason::Failed;
    why = std::string(what) + " failed: " + error.to_string();
  };
  Result<void> init = guarded<Result<void>>("initialize()", [&] { return r.processor->initialize(ctx); });
  if (!init) {
    failed("initialize()", init.error());
  } else {
    // relaxed: see Run::stop.
    while (!r.stop.load(std::memory_order_relaxed)) {
      Result<bool> more = guarded<Result<bool>>("process()", [&] { return r.processor->process(ctx); });
      if (!more) {
        // An error once it was asked to stop (a receive() returning
        // NodeStopped) is the stop's, not a failure.
        if (!r.stop.load(std::memory_order_relaxed)) failed("process()", more.error());  // relaxed: see Run::stop
        break;
      }
      if (!*more) {
        reason = WorkerStopped::Reason::Finished;
        why = "process() returned false";
        break;
      }
    }
    Result<void> down = guarded<Result<void>>("shutdown()", [&] { return r.processor->shutdown(ctx); });
    if (!down) log(LogLevel::Error, "processor " + r.name + ": " + down.error().to_string());
  }
  lifecycle_.monitors().record_end(*r.cell, reason, std::move(why));
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(r.cell);  // before the cell goes: stop() finds only live runs
  }
  // relaxed: see NodeCounters. Before the monitors are told, as for a worker.
  lifecycle_.counters().workers.fetch_sub(1, std::memory_order_relaxed);
  r.context.reset();  // frees the address, tells the monitors, counts what was queued
  {
    std::lock_guard<std::mutex> lock(mu_);
    r.done = true;
  }
  done_cv_.notify_all();
}

void ProcessorThreads::ask(Run& run) {
  // relaxed: see Run::stop. INVARIANT (asked once): only the first request acts.
  if (run.stop.exchange(true, std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> wake(run.cell->wake_mu);
  run.cell->closing.store(true, std::memory_order_relaxed);  // relaxed: see DetachedCell::closing
  run.cell->wake_cv.notify_all();
}

bool ProcessorThreads::stop(const Address& address, const Registry& registry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_.empty()) return false;
  const Cell* found = nullptr;
  (void)registry.with_cell(address, [&](Cell* cell) { found = cell; });
  // A cell in running_ is alive: its run erases it, under mu_, before it goes.
  auto it = running_.find(found);
  if (it == running_.end()) return false;
  ask(*it->second);
  return true;
}

void ProcessorThreads::stop_all() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (auto& [cell, run] : running_) ask(*run);
}

std::vector<std::string> ProcessorThreads::wait(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  auto all_done = [&] {
    for (const auto& run : runs_) {
      if (!run->done) return false;
    }
    return true;
  };
  std::vector<std::string> left;
  if (done_cv_.wait_until(lock, deadline, all_done)) return left;
  for (const auto& run : runs_) {
    if (!run->done) left.push_back(run->name);
  }
  return left;
}

void ProcessorThreads::join_all() {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] {
    for (const auto& run : runs_) {
      if (!run->done) return false;
    }
    return true;
  });
  reap_locked();
}

void ProcessorThreads::reap_locked() {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if ((*it)->done) {
      (*it)->thread.join();  // past its last lock: it only returns
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
}

bool ProcessorThreads::on_processor_thread() const { return tl_threads == this; }

}  // namespace ockam::detail
