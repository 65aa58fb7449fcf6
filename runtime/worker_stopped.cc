#include "runtime/worker_stopped.h"

#include <ostream>

namespace ockam {

const char* to_string(WorkerStopped::Reason reason) noexcept {
  switch (reason) {
    case WorkerStopped::Reason::Stopped: return "Stopped";
    case WorkerStopped::Reason::Failed: return "Failed";
    case WorkerStopped::Reason::Finished: return "Finished";
    case WorkerStopped::Reason::NodeStopping: return "NodeStopping";
    case WorkerStopped::Reason::NotFound: return "NotFound";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, WorkerStopped::Reason reason) { return os << to_string(reason); }

}  // namespace ockam
