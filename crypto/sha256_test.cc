// SHA-256 against FIPS 180-2's examples; several parts hash as their
// concatenation (Noise's MixHash).
#include "crypto/sha256.h"

#include <doctest/doctest.h>

#include <string>

#include "crypto/hex.h"
#include "crypto/testing/bytes.h"

using namespace ockam::crypto;
using namespace ockam::crypto::testing;

TEST_CASE("SHA-256 of \"abc\" and of the empty string are the published digests") {
  CHECK(to_hex(sha256(ascii("abc")).value()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256(Bytes{}).value()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("SHA-256 of the 448-bit FIPS 180-2 message is the published digest") {
  CHECK(to_hex(sha256(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).value()) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("hashing parts gives the digest of their concatenation") {
  const Bytes a = ascii("abcdbcdecdefdefgefgh"), b = ascii(""), c = ascii("fghighijhijkijkljklmklmnlmnomnopnopq");
  CHECK(sha256({a, b, c}).value() ==
        sha256(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).value());
  CHECK_FALSE(sha256({c, a}).value() == sha256({a, c}).value());
}
