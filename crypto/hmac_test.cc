// HMAC-SHA256 against RFC 4231's test cases 1, 2 and 6 (a key longer than
// the block size is hashed first).
#include "crypto/hmac.h"

#include <doctest/doctest.h>

#include "crypto/hex.h"
#include "crypto/testing/bytes.h"

using namespace ockam::crypto;
using namespace ockam::crypto::testing;

TEST_CASE("RFC 4231 test case 1: a 20-byte key of 0x0b, \"Hi There\"") {
  CHECK(to_hex(hmac_sha256(Bytes(20, 0x0b), ascii("Hi There")).value()) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("RFC 4231 test case 2: a key shorter than the tag") {
  CHECK(to_hex(hmac_sha256(ascii("Jefe"), ascii("what do ya want for nothing?")).value()) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("RFC 4231 test case 6: a 131-byte key is hashed before use") {
  CHECK(to_hex(hmac_sha256(Bytes(131, 0xaa), ascii("Test Using Larger Than Block-Size Key - Hash Key First"))
                   .value()) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
