// X25519 against RFC 7748 section 6.1 (Alice and Bob), fresh key pairs that
// agree, and the all-zero result of a small-order public key refused.
#include "crypto/x25519.h"

#include <doctest/doctest.h>

#include <string>

#include "crypto/errors.h"
#include "crypto/hex.h"
#include "crypto/testing/bytes.h"

namespace {

using namespace ockam::crypto;
using namespace ockam::crypto::testing;

const char kAlicePrivate[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const char kAlicePublic[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
const char kBobPrivate[] = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
const char kBobPublic[] = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
const char kShared[] = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

}  // namespace

TEST_CASE("RFC 7748 6.1: Alice's and Bob's public keys come from their private keys") {
  CHECK(to_hex(x25519_from_private(unhex_secret<32>(kAlicePrivate)).value().public_key) == kAlicePublic);
  CHECK(to_hex(x25519_from_private(unhex_secret<32>(kBobPrivate)).value().public_key) == kBobPublic);
}

TEST_CASE("RFC 7748 6.1: both sides compute the published shared secret") {
  const auto alice = x25519(unhex_secret<32>(kAlicePrivate), unhex_array<32>(kBobPublic)).value();
  const auto bob = x25519(unhex_secret<32>(kBobPrivate), unhex_array<32>(kAlicePublic)).value();
  CHECK(to_hex(alice.bytes()) == kShared);
  CHECK(to_hex(bob.bytes()) == kShared);
}

TEST_CASE("generated key pairs differ, match their private keys and agree on a secret") {
  const auto a = x25519_generate().value();
  const auto b = x25519_generate().value();
  CHECK_FALSE(a.private_key == b.private_key);
  CHECK(x25519_from_private(a.private_key).value().public_key == a.public_key);
  CHECK(x25519(a.private_key, b.public_key).value() == x25519(b.private_key, a.public_key).value());
}

TEST_CASE("a public key of small order gives the all-zero secret, which is refused") {
  const auto ours = x25519_generate().value();
  const X25519PublicKey zero{};
  const auto one = unhex_array<32>("0100000000000000000000000000000000000000000000000000000000000000");
  // A point of order 8 on Curve25519.
  const auto order8 = unhex_array<32>("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
  for (const auto& bad : {zero, one, order8}) {
    CAPTURE(to_hex(bad));
    auto r = x25519(ours.private_key, bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == kRejectedInput);
    CHECK(r.error().message().find("all-zero") != std::string::npos);
    CHECK(r.error().message().find(to_hex(bad)) != std::string::npos);
  }
}

TEST_CASE("a key pair keeps its key loaded, and x25519 through it gives what the private key gives") {
  const auto alice = x25519_from_private(unhex_secret<32>(kAlicePrivate)).value();
  REQUIRE(alice.loaded);
  CHECK(to_hex(x25519(alice, unhex_array<32>(kBobPublic)).value().bytes()) == kShared);

  const auto a = x25519_generate().value();
  const auto b = x25519_generate().value();
  REQUIRE(a.loaded);
  CHECK(x25519(a, b.public_key).value() == x25519(a.private_key, b.public_key).value());

  // Put together by hand: no loaded key, so the private key is loaded for the call.
  const X25519KeyPair by_hand{unhex_secret<32>(kBobPrivate), unhex_array<32>(kBobPublic), nullptr};
  CHECK(to_hex(x25519(by_hand, unhex_array<32>(kAlicePublic)).value().bytes()) == kShared);

  // Copies share the loaded key; the small-order refusal holds through it.
  const X25519KeyPair copy = a;
  CHECK(copy.loaded == a.loaded);
  auto refused = x25519(copy, X25519PublicKey{});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == kRejectedInput);
}

TEST_CASE("wipe_private wipes the private key and lets go of the loaded one; the public key stays") {
  auto pair = x25519_generate().value();
  const auto public_key = pair.public_key;
  pair.wipe_private();
  CHECK(pair.private_key.is_zero());
  CHECK_FALSE(pair.loaded);
  CHECK(pair.public_key == public_key);
}
