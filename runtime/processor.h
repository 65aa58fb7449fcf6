// Processor: a worker with no messages, that the node calls again and again
// (Ockam's Processor): a source of messages such as a socket or stdin reader.
// Started by Context::start_processor (and Node::start_processor).
#ifndef OCKAM_RUNTIME_PROCESSOR_H_
#define OCKAM_RUNTIME_PROCESSOR_H_

#include "runtime/result.h"

namespace ockam {

class Context;

// initialize() once, then process() until it returns false or an error, or
// the processor is stopped (stop_worker() on its address, or the node's
// stop); then shutdown() once, if initialize() succeeded. Never two calls at
// once, each seeing the writes of the previous one. An error (or exception)
// from initialize() or process() stops the processor and is logged; its
// monitors (Context::monitor) are told Failed, or Finished after false.
class Processor {
 public:
  virtual ~Processor() = default;
  virtual Result<void> initialize(Context&) { return {}; }
  virtual Result<bool> process(Context&) = 0;
  virtual Result<void> shutdown(Context&) { return {}; }
};

struct ProcessorOptions {
  // true (the safe default): the processor runs on a thread of its own, so
  // its process() may block (a socket read, stdin). Its Context is detached
  // (Context::new_detached): it can send() and receive() as the app does;
  // a receive() returns NodeStopped once the processor is asked to stop.
  // It is asked between two process() calls, so a process() that blocks
  // should wait with a timeout, or for something the stop ends (a receive()).
  //
  // false: it runs on the node's pool, one process() call per turn, after
  // which it goes to the back of the pool's queue, so workers are never
  // starved; its process() must not block. Its Context sends as a worker's
  // does (receive() is AccessDenied), and messages sent to it are counted
  // as wrong_type and dropped.
  bool own_thread = true;
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_PROCESSOR_H_
