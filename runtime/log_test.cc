#include "runtime/log.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

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
