#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "runtime/ockam.h"
#include "tests/test_util.h"

using ockam::Error;
using ockam::ErrorCode;
using ockam::Result;

namespace {
Result<void> succeed() { return {}; }
Result<void> fail() { return Error(ErrorCode::WorkerFailed, "boom"); }
Result<int> forty_two() { return 42; }
Result<int> not_found() { return Error(ErrorCode::AddressNotFound, "no such address"); }
}  // namespace

TEST_CASE("Result<void> built with return {} is a success") {
  Result<void> result = succeed();
  CHECK(result.has_value());
  CHECK(static_cast<bool>(result));
}

TEST_CASE("an Error converts to a failed Result carrying its code and message") {
  Result<void> result = fail();
  CHECK_FALSE(result.has_value());
  CHECK_FALSE(static_cast<bool>(result));
  CHECK(result.error().code() == ErrorCode::WorkerFailed);
  CHECK(result.error().message() == "boom");

  Result<int> typed = not_found();
  REQUIRE_FALSE(typed.has_value());
  CHECK(typed.error().code() == ErrorCode::AddressNotFound);
  CHECK(typed.error().message() == "no such address");
}

TEST_CASE("Result<T> holding a value gives it back") {
  Result<int> result = forty_two();
  REQUIRE(result.has_value());
  CHECK(result.value() == 42);
  Result<std::string> text = std::string("Hello Ockam!");
  REQUIRE(text);
  CHECK(text.value() == "Hello Ockam!");
}

TEST_CASE("Result can hold a move-only value") {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
  REQUIRE(result.has_value());
  std::unique_ptr<int> owned = std::move(result.value());
  REQUIRE(owned != nullptr);
  CHECK(*owned == 7);
}

TEST_CASE("to_string names every ErrorCode by its enumerator") {
  CHECK(std::string(ockam::to_string(ErrorCode::AddressNotFound)) == "AddressNotFound");
  CHECK(std::string(ockam::to_string(ErrorCode::AddressInUse)) == "AddressInUse");
  CHECK(std::string(ockam::to_string(ErrorCode::InvalidAddress)) == "InvalidAddress");
  CHECK(std::string(ockam::to_string(ErrorCode::Timeout)) == "Timeout");
  CHECK(std::string(ockam::to_string(ErrorCode::WrongMessageType)) == "WrongMessageType");
  CHECK(std::string(ockam::to_string(ErrorCode::NodeStopped)) == "NodeStopped");
  CHECK(std::string(ockam::to_string(ErrorCode::AccessDenied)) == "AccessDenied");
  CHECK(std::string(ockam::to_string(ErrorCode::WorkerFailed)) == "WorkerFailed");
}

TEST_CASE("an Error keeps code and message when copied") {
  Error original(ErrorCode::Timeout, "waited too long");
  Error copy = original;
  CHECK(copy.code() == ErrorCode::Timeout);
  CHECK(copy.message() == "waited too long");
}
