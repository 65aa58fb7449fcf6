// //third_party:nlohmann_json: parses the shape of a Noise vector file, and
// rejects malformed JSON (without exceptions, as the vector runner reads it).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

TEST_CASE("a vector file's shape parses into objects, arrays and strings") {
  const auto j = nlohmann::json::parse(R"({"vectors": [{"protocol_name": "Noise_XX", "messages": [{"payload": "00"}]}]})");
  REQUIRE(j.at("vectors").is_array());
  CHECK(j["vectors"][0]["protocol_name"].get<std::string>() == "Noise_XX");
  CHECK(j["vectors"][0]["messages"][0]["payload"].get<std::string>() == "00");
}

TEST_CASE("malformed JSON is reported, not accepted") {
  CHECK(nlohmann::json::parse(R"({"vectors": [})", nullptr, /*allow_exceptions=*/false).is_discarded());
  CHECK(nlohmann::json::parse(R"({"a": 1} trailing)", nullptr, false).is_discarded());
  CHECK_FALSE(nlohmann::json::parse(R"({"a": 1})", nullptr, false).is_discarded());
}
