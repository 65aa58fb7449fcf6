#include "runtime/log.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.h"

using namespace std::chrono_literals;
using ockam_test::contains;

namespace {

// Every line the sink gets, as "LEVEL text".
struct Lines {
  std::vector<std::string> all;
  ockam::LogSink previous = ockam::set_log_sink([this](ockam::LogLevel level, std::string_view line) {
    all.push_back(std::string(ockam::to_string(level)) + " " + std::string(line));
  });
  ~Lines() { ockam::set_log_sink(std::move(previous)); }
  std::size_t with(std::string_view part) const {
    std::size_t n = 0;
    for (const auto& line : all) n += contains(line, part) ? 1 : 0;
    return n;
  }
};

}  // namespace

// ---------------------------------------------------------------- the sink

TEST_CASE("a sink that throws does not unwind into the caller of log") {
  ockam::LogSink previous = ockam::set_log_sink([](ockam::LogLevel, std::string_view) {
    throw std::runtime_error("sink failure");
  });
  CHECK_NOTHROW(ockam::detail::log(ockam::LogLevel::Error, "a line"));
  ockam::set_log_sink(std::move(previous));
}

TEST_CASE("set_log_sink returns the sink it replaces, and the new one gets every line") {
  std::vector<std::string> lines;
  ockam::LogSink previous = ockam::set_log_sink([&](ockam::LogLevel level, std::string_view line) {
    lines.push_back(std::string(ockam::to_string(level)) + " " + std::string(line));
  });
  ockam::detail::log(ockam::LogLevel::Warn, "one");
  ockam::detail::log(ockam::LogLevel::Debug, "two");
  ockam::LogSink mine = ockam::set_log_sink(std::move(previous));
  CHECK(static_cast<bool>(mine));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "WARN one");
  CHECK(lines[1] == "DEBUG two");
}

TEST_CASE("a line reaches the sink with its control bytes escaped and its backslashes as they are") {
  Lines lines;
  ockam::detail::log(ockam::LogLevel::Warn, "worker 'a\\nb': text\n[ockam ERROR] forged\x1b[2J\r\xff");
  REQUIRE(lines.all.size() == 1);
  CHECK(lines.all[0] == "WARN worker 'a\\nb': text\\n[ockam ERROR] forged\\x1b[2J\\r\\xff");
}

TEST_CASE("the default sink writes a line with a newline in it as one line of stderr") {
  const std::string err = ockam_test::capture_stderr(
      [] { ockam::detail::log(ockam::LogLevel::Warn, "worker 'x\n[ockam ERROR] forged' dropped a message"); });
  CHECK(err == "[ockam WARN] worker 'x\\n[ockam ERROR] forged' dropped a message\n");
}

// ---------------------------------------------------------------- rate limit

TEST_CASE("one place shows LogLimit::lines lines per window, then one summary with the count of the rest") {
  ockam_test::FakeLogClock clock;
  ockam_test::ScopedLogLimit limit({.lines = 3, .window = 1000ms});
  Lines lines;
  auto flood = [](int from, int to) {
    for (int i = from; i < to; ++i) ockam::detail::log(ockam::LogLevel::Warn, "dropped " + std::to_string(i));
  };
  flood(0, 10);
  REQUIRE(lines.all.size() == 3);
  CHECK(lines.all[2] == "WARN dropped 2");
  clock.advance(999ms);
  flood(10, 20);
  CHECK(lines.all.size() == 3);  // still the first window
  clock.advance(1ms);
  flood(20, 30);
  REQUIRE(lines.all.size() == 3 + 1 + 3);
  CHECK(contains(lines.all[3], "WARN suppressed 17 similar line(s) in 1000 ms from runtime/log_test.cc:"));
  CHECK(contains(lines.all[3], "; the last one shown: dropped 2"));
  CHECK(lines.all[4] == "WARN dropped 20");
  CHECK(lines.all[6] == "WARN dropped 22");
  ockam::flush_log();
  REQUIRE(lines.all.size() == 8);
  CHECK(contains(lines.all[7], "suppressed 7 similar line(s) in 0 ms"));
  CHECK(contains(lines.all[7], "the last one shown: dropped 22"));
  ockam::flush_log();  // nothing new suppressed: no second summary
  CHECK(lines.all.size() == 8);
}

TEST_CASE("after flush_log the place stays limited until its window ends") {
  ockam_test::FakeLogClock clock;
  ockam_test::ScopedLogLimit limit({.lines = 2, .window = 1000ms});
  Lines lines;
  auto error = [] { ockam::detail::log(ockam::LogLevel::Error, "e"); };  // one place
  for (int i = 0; i < 5; ++i) error();
  ockam::flush_log();
  CHECK(lines.with("suppressed 3 similar") == 1);
  for (int i = 0; i < 4; ++i) error();
  CHECK(lines.all.size() == 3);  // 2 shown, 1 summary
  ockam::flush_log();
  CHECK(lines.with("suppressed 4 similar") == 1);
  CHECK(lines.all.back().rfind("ERROR ", 0) == 0);  // at the place's level
}

TEST_CASE("a summary comes with the next log call from any place once the window has ended") {
  ockam_test::FakeLogClock clock;
  ockam_test::ScopedLogLimit limit({.lines = 1, .window = 1000ms});
  Lines lines;
  for (int i = 0; i < 4; ++i) ockam::detail::log(ockam::LogLevel::Warn, "flood");
  ockam::detail::log(ockam::LogLevel::Warn, "elsewhere, in the window");
  CHECK(lines.with("suppressed") == 0);
  clock.advance(1500ms);
  ockam::detail::log(ockam::LogLevel::Warn, "elsewhere, after it");
  REQUIRE(lines.all.size() == 4);
  CHECK(contains(lines.all[2], "suppressed 3 similar line(s) in 1000 ms"));
  CHECK(lines.all[3] == "WARN elsewhere, after it");
}

TEST_CASE("places are independent: another call, or the same call at another level, has its own window") {
  ockam_test::FakeLogClock clock;
  ockam_test::ScopedLogLimit limit({.lines = 2, .window = 1000ms});
  Lines lines;
  for (int i = 0; i < 10; ++i) {
    ockam::detail::log(ockam::LogLevel::Warn, "a");
    ockam::detail::log(ockam::LogLevel::Warn, "b");
    ockam::detail::log(i % 2 == 0 ? ockam::LogLevel::Info : ockam::LogLevel::Warn, "c");
  }
  CHECK(lines.with("WARN a") == 2);
  CHECK(lines.with("WARN b") == 2);
  CHECK(lines.with("INFO c") == 2);
  CHECK(lines.with("WARN c") == 2);
  ockam::flush_log();
  CHECK(lines.with("WARN suppressed 8 similar") == 2);  // a and b
  CHECK(lines.with("WARN suppressed 3 similar") == 1);  // c at Warn
  CHECK(lines.with("INFO suppressed 3 similar") == 1);  // c at Info
}

TEST_CASE("set_log_sink hands the sink it replaces the summaries of what it missed, and the next starts afresh") {
  ockam_test::FakeLogClock clock;
  ockam_test::ScopedLogLimit limit({.lines = 1, .window = 1000ms});
  std::vector<std::string> first, second;
  auto into = [](std::vector<std::string>& v) {
    return [&v](ockam::LogLevel, std::string_view line) { v.emplace_back(line); };
  };
  ockam::LogSink original = ockam::set_log_sink(into(first));
  for (int i = 0; i < 3; ++i) ockam::detail::log(ockam::LogLevel::Warn, "x");
  ockam::set_log_sink(into(second));
  REQUIRE(first.size() == 2);
  CHECK(contains(first[1], "suppressed 2 similar"));
  for (int i = 0; i < 3; ++i) ockam::detail::log(ockam::LogLevel::Warn, "x");
  CHECK(second.size() == 1);  // a fresh window, though the clock has not moved
  ockam::set_log_sink(std::move(original));
  CHECK(second.size() == 2);
}

TEST_CASE("a limit of 0 lines shows every line") {
  ockam_test::FakeLogClock clock;
  ockam_test::ScopedLogLimit limit({.lines = 0});
  Lines lines;
  for (int i = 0; i < 1000; ++i) ockam::detail::log(ockam::LogLevel::Warn, "every");
  CHECK(lines.all.size() == 1000);
}

TEST_CASE("the limiter keeps 64 places: more at once share one window, and idle places are taken again") {
  ockam_test::FakeLogClock clock;
  ockam_test::ScopedLogLimit limit({.lines = 1, .window = 1000ms});
  Lines lines;
  static const char* const kFile = "a generated place";
  for (std::uint_least32_t i = 0; i < 200; ++i) {
    ockam::detail::log(ockam::LogLevel::Warn, "p" + std::to_string(i), {kFile, i});
  }
  CHECK(lines.all.size() == 64 + 1);  // 64 places, then the rest's one line
  ockam::flush_log();
  REQUIRE(lines.all.size() == 66);
  CHECK(contains(lines.all.back(), "WARN suppressed 135 similar line(s) in 0 ms from other places"));
  clock.advance(1000ms);
  for (std::uint_least32_t i = 200; i < 264; ++i) {
    ockam::detail::log(ockam::LogLevel::Warn, "p" + std::to_string(i), {kFile, i});
  }
  CHECK(lines.all.size() == 66 + 64);  // each took an idle place
}

TEST_CASE("a summary cuts a long last line at 160 bytes, on a UTF-8 boundary") {
  ockam_test::FakeLogClock clock;
  ockam_test::ScopedLogLimit limit({.lines = 1, .window = 1000ms});
  Lines lines;
  std::string long_line = std::string(159, 'a') + "\xc3\xa9" + std::string(100, 'b');
  for (int i = 0; i < 2; ++i) ockam::detail::log(ockam::LogLevel::Warn, long_line);
  ockam::flush_log();
  REQUIRE(lines.all.size() == 2);
  const std::string& summary = lines.all[1];
  CHECK(summary.substr(summary.size() - 162) == std::string(159, 'a') + "...");
}
