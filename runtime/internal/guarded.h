// INTERNAL. guarded(call, f): runs one of a worker's or a processor's calls
// (initialize, handle_message, process, shutdown); an exception becomes a
// WorkerFailed error naming the call, so no user code can unwind through a
// pool thread or a processor's thread.
#ifndef OCKAM_RUNTIME_INTERNAL_GUARDED_H_
#define OCKAM_RUNTIME_INTERNAL_GUARDED_H_

#include <exception>
#include <string>

#include "runtime/error.h"
#include "runtime/result.h"

namespace ockam::detail {

// `R`: what the call returns (Result<void>, or a processor's Result<bool>).
template <class R = Result<void>, class F>
R guarded(const char* call, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Error(ErrorCode::WorkerFailed, std::string(call) + " threw: " + e.what());
  } catch (...) {
    return Error(ErrorCode::WorkerFailed, std::string(call) + " threw a non-std::exception");
  }
}

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_GUARDED_H_
