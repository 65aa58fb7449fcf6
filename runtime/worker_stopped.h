// WorkerStopped: what a monitor (Context::monitor) tells the worker that set
// it, once, when the worker it watches stops.
#ifndef OCKAM_RUNTIME_WORKER_STOPPED_H_
#define OCKAM_RUNTIME_WORKER_STOPPED_H_

#include <iosfwd>
#include <string>

#include "runtime/address.h"

namespace ockam {

struct WorkerStopped {
  enum class Reason {
    Stopped,       // stop_worker() stopped it; its shutdown() has run
    Failed,        // its initialize() failed (or threw), its start lost an address
                   // (AddressInUse), or a processor's process() returned an error;
                   // `message` holds the error
    Finished,      // a processor's process() returned false
    NodeStopping,  // the node's stop() began: the target stops with every worker once
                   // the stop's drain ends, and no worker can be started any more
    NotFound,      // monitor() found no worker at `address`
  };
  Address address;  // the monitored address, as monitor() was given it
  Reason reason = Reason::Stopped;
  std::string message;  // for people: what stopped it, or the error
};

// The enumerator's name, e.g. "Failed".
const char* to_string(WorkerStopped::Reason reason) noexcept;
std::ostream& operator<<(std::ostream& os, WorkerStopped::Reason reason);

}  // namespace ockam

#endif  // OCKAM_RUNTIME_WORKER_STOPPED_H_
