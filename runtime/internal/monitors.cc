#include "runtime/internal/monitors.h"

#include <algorithm>
#include <utility>

#include "runtime/escape.h"
#include "runtime/internal/lifecycle.h"
#include "runtime/internal/read_section.h"
#include "runtime/internal/registry.h"

namespace ockam::detail {

Result<void> Monitors::watch(Cell& watcher, const Address& target) {
  ReadSection section;  // a target found here is unsealed until it closes
  Cell* found = nullptr;
  (void)registry_.with_cell(section, target, [&](Cell* cell) { found = cell; });
  if (found != nullptr) run_test_seam(SeamPoint::kWatchFound, *found);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Error(ErrorCode::NodeStopped, "the node is stopping: no monitor for " + quoted(target));
  // Stopped first: dropped quietly (a notice would land behind its StopEnvelope).
  if ((watcher.phase.watching() & Phase::kSealed) != 0) return {};
  if (found == nullptr) {
    notify(watcher, target, WorkerStopped::Reason::NotFound, "no worker at address " + quoted(target));
    return {};
  }
  (void)found->phase.watched();
  watchers_of_[found].push_back(Watcher{&watcher, target});
  watched_by_[&watcher].push_back(found);
  return {};
}

void Monitors::record_end(Cell& cell, WorkerStopped::Reason reason, std::string message) {
  std::lock_guard<std::mutex> lock(mu_);
  (void)cell.phase.ended();
  ends_[&cell] = End{reason, std::move(message)};
}

void Monitors::ended(Cell& target, const char* how) {
  std::lock_guard<std::mutex> lock(mu_);
  End end{WorkerStopped::Reason::Stopped, how};
  if (auto it = ends_.find(&target); it != ends_.end()) {
    end = std::move(it->second);
    ends_.erase(it);
  }
  auto it = watchers_of_.find(&target);
  if (it == watchers_of_.end()) return;
  std::vector<Watcher> watchers = std::move(it->second);
  watchers_of_.erase(it);
  for (Watcher& w : watchers) {
    auto targets = watched_by_.find(w.cell);
    // INVARIANT (told once): the pair is in both tables until one of us removes it.
    targets->second.erase(std::find(targets->second.begin(), targets->second.end(), &target));
    if (targets->second.empty()) watched_by_.erase(targets);
    // A watcher claimed meanwhile stops anyway: its monitor goes quietly.
    if ((w.cell->phase.load() & Phase::kClaimed) == 0) notify(*w.cell, w.address, end.reason, end.message);
  }
}

void Monitors::forget(const Cell& watcher) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = watched_by_.find(&watcher);
  if (it == watched_by_.end()) return;
  for (const Cell* target : it->second) {
    auto watchers = watchers_of_.find(target);
    auto& list = watchers->second;
    list.erase(std::find_if(list.begin(), list.end(), [&](const Watcher& w) { return w.cell == &watcher; }));
    if (list.empty()) watchers_of_.erase(watchers);
  }
  watched_by_.erase(it);
}

void Monitors::node_stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (auto& [target, watchers] : watchers_of_) {
    for (Watcher& w : watchers) {
      if (w.cell->detached || (w.cell->phase.load() & Phase::kClaimed) != 0) continue;
      notify(*w.cell, w.address, WorkerStopped::Reason::NodeStopping, "the node is stopping");
    }
  }
  watchers_of_.clear();
  watched_by_.clear();
}

void Monitors::notify(Cell& watcher, const Address& target, WorkerStopped::Reason reason, std::string message) {
  auto envelope = std::make_unique<TypedEnvelope<WorkerStopped>>(WorkerStopped{target, reason, std::move(message)});
  // Two addresses the node already holds: past PackedRoutes' bound only for
  // names of some 64 KiB, which no start takes.
  if (!envelope->routes.assign(watcher.address, target)) return;
  // seq_cst: as Cell::admit(), whose place this takes without the capacity
  // check; take() gives it back.
  watcher.queued.fetch_add(1);
  // relaxed: a count for the metrics, no order (as NodeCounters::add).
  sent_.fetch_add(1, std::memory_order_relaxed);
  if (watcher.mailbox.push(envelope.release())) wake_(owner_, &watcher);
}

}  // namespace ockam::detail
