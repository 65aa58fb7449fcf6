// INTERNAL. Processors on threads of their own (ProcessorOptions::own_thread):
// one std::thread each, running initialize(), process() until it returns
// false or an error or the processor is asked to stop, then shutdown(). Its
// Context is a detached context (detached_cell.h) at the processor's address.
//
// A run ends on its own thread: it records why (Monitors::record_end), then
// destroys its context, which frees its address, tells its monitors and
// counts what was still queued as dropped. Its thread is joined later, by
// the next start, the node's stop or the node's destructor.
//
// INVARIANT (asked once): a run is asked to stop at most once (`stop`), and
//   never sees a process() call after it saw the request.
//
// Concurrency contract: start(), stop() and stop_all() from any thread;
// wait() and join_all() from the node's stopper or destructor, never from a
// processor's own thread (on_processor_thread()).
#ifndef OCKAM_RUNTIME_INTERNAL_PROCESSOR_THREADS_H_
#define OCKAM_RUNTIME_INTERNAL_PROCESSOR_THREADS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/address.h"
#include "runtime/context.h"
#include "runtime/processor.h"
#include "runtime/result.h"

namespace ockam::detail {

class Cell;
class DetachedCell;
class Lifecycle;
class Registry;

class ProcessorThreads {
 public:
  explicit ProcessorThreads(Lifecycle& lifecycle) : lifecycle_(lifecycle) {}
  ~ProcessorThreads() { join_all(); }
  ProcessorThreads(const ProcessorThreads&) = delete;
  ProcessorThreads& operator=(const ProcessorThreads&) = delete;

  // `context`: the detached context at the processor's address.
  Result<void> start(std::unique_ptr<Context> context, DetachedCell& cell, std::unique_ptr<Processor> processor);
  // If `address` is a running processor's (looked up under mu_, so the run
  // cannot end meanwhile): asks it to stop and returns true.
  bool stop(const Address& address, const Registry& registry);
  // Asks every running processor to stop (the node's stop); start() is
  // NodeStopped from now on.
  void stop_all();
  // Waits until every run has ended or `deadline` passes; returns the
  // addresses of those still running.
  std::vector<std::string> wait(std::chrono::steady_clock::time_point deadline);
  // Joins every thread, however long that takes.
  void join_all();
  // True on one of this node's processor threads.
  bool on_processor_thread() const;

 private:
  struct Run {
    std::unique_ptr<Processor> processor;
    std::unique_ptr<Context> context;
    DetachedCell* cell;
    std::string name;
    // INVARIANT (asked once). relaxed: a request, read between two calls;
    // the wake-up under the cell's wake_mu (closing) carries it to a
    // blocked receive().
    std::atomic<bool> stop{false};
    bool done = false;  // guarded by mu_
    std::thread thread;
  };
  void run(Run& run);
  void ask(Run& run);  // under mu_
  // Joins and frees the runs that are done; under mu_ (their threads have
  // left every lock).
  void reap_locked();

  Lifecycle& lifecycle_;
  std::mutex mu_;
  bool closed_ = false;                                  // guarded by mu_: stop_all() ran
  std::condition_variable done_cv_;
  std::vector<std::unique_ptr<Run>> runs_;               // guarded by mu_
  std::unordered_map<const Cell*, Run*> running_;        // guarded by mu_: by cell, until the run ends
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_PROCESSOR_THREADS_H_
