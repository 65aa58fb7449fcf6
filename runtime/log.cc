#include "runtime/log.h"

#include <algorithm>
#include <array>
#include <iostream>
#include <mutex>
#include <string>
#include <utility>

namespace ockam {
namespace {

using TimePoint = std::chrono::steady_clock::time_point;

constexpr std::size_t kPlaces = 64;
constexpr std::size_t kSampleBytes = 160;

void default_sink(LogLevel level, std::string_view line) {
  if (level < LogLevel::Warn) return;
  std::cerr << "[ockam " << to_string(level) << "] " << line << '\n';
}

// One place's window (log.h).
struct Place {
  const char* file = nullptr;  // nullptr: the overflow place, shared by the rest
  std::uint_least32_t line = 0;
  LogLevel level = LogLevel::Debug;
  TimePoint window_start{};
  std::size_t shown = 0;         // lines shown in the current window
  std::uint64_t suppressed = 0;  // since the last summary
  std::string sample;            // the last line shown, cut
};

// Everything below is guarded by `mu`: sink calls are serialized anyway, so
// the limiter adds no lock of its own.
struct State {
  std::mutex mu;
  LogSink sink = default_sink;
  LogLimit limit;
  detail::LogClock clock = nullptr;
  std::array<Place, kPlaces> places;
  std::size_t used = 0;  // places[0, used) have been taken
  Place overflow;
  // The earliest end of a window that has suppressed lines: until then, no
  // summary is due and a log call does not look at the other places.
  TimePoint next_due = TimePoint::max();

  TimePoint now() const { return clock != nullptr ? clock() : std::chrono::steady_clock::now(); }
  bool ended(const Place& p, TimePoint t) const { return t - p.window_start >= limit.window; }

  void emit(LogLevel level, std::string_view line) {
    if (!sink) return;
    // Logging runs inside worker turns and stop(): a throwing sink must not
    // unwind through the runtime.
    try {
      sink(level, line);
    } catch (...) {
      std::cerr << "[ockam] the log sink threw; line was: " << line << '\n';
    }
  }

  void summarize(Place& p, TimePoint t) {
    if (p.suppressed == 0) return;
    const auto span = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(t - p.window_start),
                               limit.window);
    std::string line = "suppressed " + std::to_string(p.suppressed) + " similar line(s) in " +
                       std::to_string(std::max<std::int64_t>(span.count(), 0)) + " ms from ";
    if (p.file != nullptr) {
      line += p.file;
      line += ':' + std::to_string(p.line);
    } else {
      line += "other places";
    }
    line += "; the last one shown: " + p.sample;
    p.suppressed = 0;
    emit(p.level, line);
    if (p.file == nullptr) p.level = LogLevel::Debug;  // the overflow's next summary: at its own lines' level
  }

  template <class F>
  void for_each_place(F&& f) {
    for (std::size_t i = 0; i < used; ++i) f(places[i]);
    f(overflow);
  }

  // The summaries whose windows have ended, at any place.
  void summarize_due(TimePoint t) {
    if (t < next_due) return;
    next_due = TimePoint::max();
    for_each_place([&](Place& p) {
      if (p.suppressed == 0) return;
      if (ended(p, t)) {
        summarize(p, t);
      } else {
        next_due = std::min(next_due, p.window_start + limit.window);
      }
    });
  }

  void summarize_all(TimePoint t) {
    for_each_place([&](Place& p) { summarize(p, t); });
    next_due = TimePoint::max();
  }

  void reset() {
    used = 0;
    overflow = Place{};
    next_due = TimePoint::max();
  }

  Place& find(const detail::LogPlace& where, LogLevel level, TimePoint t) {
    for (std::size_t i = 0; i < used; ++i) {
      Place& p = places[i];
      if (p.file == where.file && p.line == where.line && p.level == level) return p;
    }
    Place* fresh = nullptr;
    if (used < kPlaces) {
      fresh = &places[used++];
    } else {
      for (Place& p : places) {
        if (p.suppressed == 0 && ended(p, t)) {
          fresh = &p;
          break;
        }
      }
    }
    if (fresh == nullptr) return overflow;
    *fresh = Place{where.file, where.line, level, t, 0, 0, {}};
    return *fresh;
  }
};

State& state() {
  static State s;
  return s;
}

// Cut at a UTF-8 boundary: the line is guarded already, so a cut must not
// make invalid UTF-8 of it.
std::string sample_of(const std::string& line) {
  if (line.size() <= kSampleBytes) return line;
  std::size_t end = kSampleBytes;
  while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xc0) == 0x80) --end;
  return line.substr(0, end) + "...";
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
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.summarize_all(s.now());
  s.reset();
  LogSink previous = std::move(s.sink);
  s.sink = std::move(sink);
  return previous;
}

LogLimit set_log_limit(LogLimit limit) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.summarize_all(s.now());
  s.reset();
  return std::exchange(s.limit, limit);
}

void flush_log() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.summarize_all(s.now());
}

namespace detail {

LogClock set_log_clock(LogClock clock) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.summarize_all(s.now());
  s.reset();  // windows on the old clock mean nothing on the new one
  return std::exchange(s.clock, clock);
}

void log(LogLevel level, std::string_view line, LogPlace place) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.sink) return;
  const TimePoint t = s.now();
  s.summarize_due(t);
  Place* p = nullptr;
  if (s.limit.lines != 0) {
    p = &s.find(place, level, t);
    // The overflow's summary comes at the highest level it stands for.
    if (p->file == nullptr) p->level = std::max(p->level, level);
    if (s.ended(*p, t)) {
      s.summarize(*p, t);
      p->window_start = t;
      p->shown = 0;
    }
    if (p->shown >= s.limit.lines) {
      if (p->suppressed++ == 0) s.next_due = std::min(s.next_due, p->window_start + s.limit.window);
      return;
    }
    ++p->shown;
  }
  std::string text;
  append_escaped(text, line, /*keep_backslash=*/true);
  if (p != nullptr) p->sample = sample_of(text);
  s.emit(level, text);
}

}  // namespace detail

}  // namespace ockam
