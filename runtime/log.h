// The runtime's log: where handler errors, wrong-type drops, dropped
// messages, worker failures and the TCP transport's faults are reported.
//
// A peer cannot abuse it:
// - One line per event. Every line a sink gets is printable text: control
//   bytes, DEL, invalid UTF-8 and the code points that act on a line are
//   rendered as in escaped() (runtime/escape.h), so nothing in a line can
//   start another one or drive a terminal. Text that came from outside (an
//   address, a name in a decode error) is escaped where it is embedded, with
//   its backslashes too, so it reads back unambiguously; this last guard
//   covers the rest (a handler's error text) and leaves backslashes be.
// - Rate-limited per place. A place is one log call in the source (its file
//   and line) at one level. Each place shows at most LogLimit::lines lines
//   per LogLimit::window (fixed windows, each starting at the first line
//   after the previous one ended); the rest are counted, not formatted for
//   the sink. The count comes out as one line at the place's level,
//     suppressed 99980 similar line(s) in 1000 ms from <file>:<line>; the
//     last one shown: <that line, cut at 160 bytes>
//   at the first of: the place's next line in a later window, any log call
//   once the window has ended, flush_log() (which Node::stop() and ~Node
//   call), or set_log_sink() (to the sink being replaced).
// - Bounded. The limiter keeps 64 places (a place idle for a whole window
//   is reused); past that, the other places share one more. Lines are
//   limited before the sink, so a custom sink sees the same.
// - Counted regardless. NodeStats and TcpStats count every event, shown or
//   suppressed: the log says what happened, the stats how often.
#ifndef OCKAM_RUNTIME_LOG_H_
#define OCKAM_RUNTIME_LOG_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
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
// The previous sink first gets the summaries of what was suppressed while it
// was installed; the new one starts with fresh windows.
LogSink set_log_sink(LogSink sink);

// 20 lines per place per second: a burst (every worker dropping messages at
// a stop) still shows its first lines in full, and a flood of a million
// events writes a few dozen lines, not a million.
struct LogLimit {
  std::size_t lines = 20;  // per place per window; 0 means no limit
  std::chrono::milliseconds window{1000};
};

// Sets the limit for every place and returns the previous one.
LogLimit set_log_limit(LogLimit limit);

// Writes now the summary of every place with suppressed lines.
void flush_log();

const char* to_string(LogLevel level) noexcept;

namespace detail {

// Where a log call is: a key of the rate limiter, and named in summaries.
// `file` must outlive the process's logging (a string literal).
struct LogPlace {
  const char* file;
  std::uint_least32_t line;
};

// `place` defaults to the caller's file and line: the builtins that
// std::source_location is made of, which GCC and clang both have (clang 14
// with libstdc++ has no <source_location>, and this header is public).
void log(LogLevel level, std::string_view line, LogPlace place = {__builtin_FILE(), __builtin_LINE()});

// The limiter's clock, for tests (nullptr: std::chrono::steady_clock). It is
// called under the log's lock, from any thread that logs.
using LogClock = std::chrono::steady_clock::time_point (*)();
LogClock set_log_clock(LogClock clock);

}  // namespace detail

}  // namespace ockam

#endif  // OCKAM_RUNTIME_LOG_H_
