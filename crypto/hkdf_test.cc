// HKDF-SHA256 against RFC 5869's test cases 1 and 3, and Noise's HKDF
// against its definition in the Noise spec (section 4.3) computed with
// HMAC-SHA256 step by step.
#include "crypto/hkdf.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "crypto/errors.h"
#include "crypto/hex.h"
#include "crypto/hmac.h"
#include "crypto/testing/bytes.h"

namespace {

using namespace ockam::crypto;
using namespace ockam::crypto::testing;

Bytes with(Bytes a, std::initializer_list<std::uint8_t> tail) {
  a.insert(a.end(), tail);
  return a;
}

// The Noise spec's HKDF, literally: outputs 1..3 as HMAC chains.
std::vector<Bytes> spec_hkdf(const SecretKey32& ck, const Bytes& ikm) {
  const auto temp = hmac_sha256(ck.bytes(), ikm).value();
  const auto o1 = hmac_sha256(temp, Bytes{0x01}).value();
  const auto o2 = hmac_sha256(temp, with(Bytes(o1.begin(), o1.end()), {0x02})).value();
  const auto o3 = hmac_sha256(temp, with(Bytes(o2.begin(), o2.end()), {0x03})).value();
  return {Bytes(o1.begin(), o1.end()), Bytes(o2.begin(), o2.end()), Bytes(o3.begin(), o3.end())};
}

Bytes bytes_of(const SecretKey32& k) { return Bytes(k.bytes().begin(), k.bytes().end()); }

}  // namespace

TEST_CASE("RFC 5869 test case 1: salt, info and 42 bytes out") {
  Bytes okm(42);
  REQUIRE(hkdf_sha256(unhex("000102030405060708090a0b0c"), Bytes(22, 0x0b), unhex("f0f1f2f3f4f5f6f7f8f9"), okm));
  CHECK(to_hex(okm) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST_CASE("RFC 5869 test case 3: no salt and no info") {
  Bytes okm(42);
  REQUIRE(hkdf_sha256({}, Bytes(22, 0x0b), {}, okm));
  CHECK(to_hex(okm) == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST_CASE("Noise's HKDF with 2 and 3 outputs equals the spec's HMAC chain") {
  const SecretKey32 ck = unhex_secret<32>("4e6f6973655f58585f32353531395f41455347434d5f53484132353600000000");
  const Bytes ikm = unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  const auto expected = spec_hkdf(ck, ikm);
  const auto two = noise_hkdf2(ck, ikm).value();
  CHECK(bytes_of(two[0]) == expected[0]);
  CHECK(bytes_of(two[1]) == expected[1]);
  const auto three = noise_hkdf3(ck, ikm).value();
  CHECK(bytes_of(three[0]) == expected[0]);
  CHECK(bytes_of(three[1]) == expected[1]);
  CHECK(bytes_of(three[2]) == expected[2]);
}

TEST_CASE("Noise's HKDF of empty input key material (Split) equals the spec's chain") {
  const SecretKey32 ck = unhex_secret<32>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const auto expected = spec_hkdf(ck, Bytes{});
  const auto two = noise_hkdf2(ck, Bytes{}).value();
  CHECK(bytes_of(two[0]) == expected[0]);
  CHECK(bytes_of(two[1]) == expected[1]);
}

TEST_CASE("HKDF refuses to give no bytes or more than 255 blocks") {
  Bytes none;
  auto r = hkdf_sha256({}, Bytes(1, 1), {}, none);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == kRefusedCall);
  Bytes too_many(255 * 32 + 1);
  CHECK_FALSE(hkdf_sha256({}, Bytes(1, 1), {}, too_many));
  Bytes most(255 * 32);
  CHECK(hkdf_sha256({}, Bytes(1, 1), {}, most));
}
