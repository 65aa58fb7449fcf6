// Hex strings: lower-case out, strict in.
#include "crypto/hex.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

using namespace ockam::crypto;

TEST_CASE("bytes round-trip through hex, upper-case digits read too") {
  const std::vector<std::uint8_t> bytes = {0x00, 0x0f, 0xa0, 0xff};
  CHECK(to_hex(bytes) == "000fa0ff");
  CHECK(from_hex("000fa0ff") == bytes);
  CHECK(from_hex("000FA0FF") == bytes);
  CHECK(from_hex("")->empty());
}

TEST_CASE("an odd length or a non-hex character is rejected") {
  CHECK_FALSE(from_hex("abc").has_value());
  CHECK_FALSE(from_hex("0g").has_value());
  CHECK_FALSE(from_hex("00 11").has_value());
  CHECK_FALSE(from_hex("0x00").has_value());
}
