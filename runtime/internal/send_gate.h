// INTERNAL. Admission control for a worker whose queue must stay bounded:
// a transport connection refuses messages once its send queue is full, so a
// slow peer pushes back on senders instead of growing memory.
#ifndef OCKAM_RUNTIME_INTERNAL_SEND_GATE_H_
#define OCKAM_RUNTIME_INTERNAL_SEND_GATE_H_

#include "runtime/result.h"

namespace ockam::detail {

// Concurrency contract: admit() is called by any number of sending threads
// at once, each inside the registry's read section for the gated cell (so
// the cell and the worker that owns the gate are alive), before the push.
class SendGate {
 public:
  // Success takes one place in the queue (the worker gives it back once the
  // message has left); an error refuses the message and send() returns it.
  virtual Result<void> admit() = 0;

 protected:
  ~SendGate() = default;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_SEND_GATE_H_
