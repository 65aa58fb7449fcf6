// Worker<M>: the base class of every worker. M is the body type it handles;
// Worker<Any> handles every type.
#ifndef OCKAM_RUNTIME_WORKER_H_
#define OCKAM_RUNTIME_WORKER_H_

#include <type_traits>

#include "runtime/result.h"
#include "runtime/routed.h"

namespace ockam {

class Context;

// The node calls these on pool threads, never two at once for one worker,
// each call seeing the writes of the previous one: initialize() before the
// first message, shutdown() after the last. An error returned or an
// exception thrown by handle_message() is logged and the worker keeps
// running; one from initialize() stops the worker (logged as WorkerFailed).
template <class M>
class Worker {
 public:
  using Message = M;
  virtual ~Worker() = default;
  virtual Result<void> initialize(Context&) { return {}; }
  virtual Result<void> handle_message(Context&, Routed<M>) = 0;
  virtual Result<void> shutdown(Context&) { return {}; }
};

namespace detail {
// A type start_worker() takes: derived from Worker<M> for its own Message M.
// (It tells start_worker(worker, options) from start_worker(address, worker).)
template <class W>
concept WorkerType = requires { typename W::Message; } && std::is_base_of_v<Worker<typename W::Message>, W>;
}  // namespace detail

}  // namespace ockam

#endif  // OCKAM_RUNTIME_WORKER_H_
