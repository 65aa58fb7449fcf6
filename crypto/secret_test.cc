// SecretBytes: key material is wiped when destroyed, moved from or cleared,
// and compared in constant time.
#include "crypto/secret.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <new>
#include <utility>

#include "crypto/testing/bytes.h"

namespace {

using namespace ockam::crypto;
using namespace ockam::crypto::testing;

bool all_zero(const std::uint8_t* p, std::size_t n) {
  return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

const char kKeyHex[] = "7ade89d86ba0a42cf9439a3a80c7ee1453a5c753f804690cad5c036e67083744";

}  // namespace

TEST_CASE("a destroyed secret leaves only zeros in its storage") {
  alignas(SecretKey32) std::uint8_t storage[sizeof(SecretKey32)];
  auto* key = new (storage) SecretKey32(unhex_secret<32>(kKeyHex));
  REQUIRE_FALSE(all_zero(storage, sizeof storage));  // the key really was there
  key->~SecretKey32();
  CHECK(all_zero(storage, sizeof storage));
}

TEST_CASE("a moved-from secret is zero and the destination holds the key") {
  SecretKey32 a = unhex_secret<32>(kKeyHex);
  const SecretKey32 original = a;
  SecretKey32 b = std::move(a);
  CHECK(a.is_zero());  // NOLINT(bugprone-use-after-move): the wipe is what is tested
  CHECK(b == original);

  SecretKey32 c;
  c = std::move(b);
  CHECK(b.is_zero());  // NOLINT(bugprone-use-after-move)
  CHECK(c == original);
}

TEST_CASE("clear() wipes, and a default secret is zero") {
  SecretKey32 key = unhex_secret<32>(kKeyHex);
  CHECK_FALSE(key.is_zero());
  key.clear();
  CHECK(key.is_zero());
  CHECK(SecretKey32().is_zero());
}

TEST_CASE("secrets compare equal only when every byte is equal") {
  const SecretKey32 a = unhex_secret<32>(kKeyHex);
  SecretKey32 b = a;
  CHECK(a == b);
  b.mutable_bytes()[31] ^= 0x01;  // the last byte only
  CHECK_FALSE(a == b);
}

TEST_CASE("from() accepts exactly N bytes") {
  const std::uint8_t bytes[33] = {1};
  CHECK(SecretBytes<32>::from(std::span<const std::uint8_t>(bytes, 32)).has_value());
  CHECK_FALSE(SecretBytes<32>::from(std::span<const std::uint8_t>(bytes, 31)).has_value());
  CHECK_FALSE(SecretBytes<32>::from(std::span<const std::uint8_t>(bytes, 33)).has_value());
}

TEST_CASE("wipe() zeroes a plain buffer, and an empty one is fine") {
  std::uint8_t buf[5] = {1, 2, 3, 4, 5};
  wipe(buf, sizeof buf);
  CHECK(all_zero(buf, sizeof buf));
  wipe(nullptr, 0);
}
