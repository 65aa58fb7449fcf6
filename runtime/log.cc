#include "runtime/log.h"

#include <iostream>
#include <mutex>

namespace ockam {
namespace {

void default_sink(LogLevel level, std::string_view line) {
  if (level < LogLevel::Warn) return;
  std::cerr << "[ockam " << to_string(level) << "] " << line << '\n';
}

std::mutex& sink_mutex() {
  static std::mutex mu;
  return mu;
}

LogSink& current_sink() {  // guarded by sink_mutex()
  static LogSink sink = default_sink;
  return sink;
}

}  // namespace

const char* to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Debug: return "DEBUG";
    case LogLevel::Info: return "INFO";
    case LogLevel::Warn: return "WARN";
    case LogLevel::Error: return "ERROR";
  }
  return "?";
}

LogSink set_log_sink(LogSink sink) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  LogSink previous = std::move(current_sink());
  current_sink() = std::move(sink);
  return previous;
}

namespace detail {
void log(LogLevel level, std::string_view line) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  if (!current_sink()) return;
  // Logging runs inside worker turns and stop(): a throwing sink must not
  // unwind through the runtime.
  try {
    current_sink()(level, line);
  } catch (...) {
    std::cerr << "[ockam] the log sink threw; line was: " << line << '\n';
  }
}
}  // namespace detail

}  // namespace ockam
