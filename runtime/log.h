// The runtime's log: where handler errors, wrong-type drops, dropped
// messages and worker failures are reported.
#ifndef OCKAM_RUNTIME_LOG_H_
#define OCKAM_RUNTIME_LOG_H_

#include <functional>
#include <string_view>

#include "runtime/escape.h"

namespace ockam {

enum class LogLevel { Debug, Info, Warn, Error };

// Called with each log line. Calls are serialized: a sink never runs on two
// threads at once. It runs on pool threads, so it must not call into a node.
// An exception it throws is caught (the line then goes to stderr).
using LogSink = std::function<void(LogLevel, std::string_view)>;

// Installs `sink` for the whole process and returns the previous one. The
// default sink prints Warn and Error lines to stderr. An empty sink discards.
LogSink set_log_sink(LogSink sink);

const char* to_string(LogLevel level) noexcept;

namespace detail {
void log(LogLevel level, std::string_view line);
}  // namespace detail

}  // namespace ockam

#endif  // OCKAM_RUNTIME_LOG_H_
