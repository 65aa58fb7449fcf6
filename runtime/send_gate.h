// SendGate: admission control for a worker whose queue must stay bounded. A
// transport connection (runtime/transport.h) refuses messages once its send
// queue is full, so a slow peer pushes back on senders instead of growing
// memory.
#ifndef OCKAM_RUNTIME_SEND_GATE_H_
#define OCKAM_RUNTIME_SEND_GATE_H_

#include "runtime/result.h"

namespace ockam {

// Concurrency contract: admit() is called by any number of sending threads
// at once, before each push to the gated worker, and only while that worker
// can still be reached: a gate that lives as long as its worker (owned by
// it, as TcpTransport's are) is never called after it is gone.
class SendGate {
 public:
  // Success takes one place in the queue (the worker gives it back once the
  // message has left); an error refuses the message and send() returns it.
  virtual Result<void> admit() = 0;

 protected:
  ~SendGate() = default;
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_SEND_GATE_H_
