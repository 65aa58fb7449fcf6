// AES-256-GCM against McGrew and Viega's test cases 13, 14 and 16 (the GCM
// spec's 256-bit vectors), and every kind of tampering refused cleanly.
#include "crypto/aes_gcm.h"

#include <doctest/doctest.h>

#include <string>

#include "crypto/errors.h"
#include "crypto/hex.h"
#include "crypto/testing/bytes.h"

namespace {

using namespace ockam::crypto;
using namespace ockam::crypto::testing;

// Test case 16: a 60-byte plaintext and 20 bytes of associated data.
const auto kKey16 = unhex_secret<32>("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
const auto kNonce16 = unhex_array<12>("cafebabefacedbaddecaf888");
const Bytes kPlain16 = unhex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657"
    "ba637b39");
const Bytes kAad16 = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
const char kCipher16[] =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0a"
    "bcc9f662";
const char kTag16[] = "76fc6ece0f4e1768cddf8853bb2d551b";

}  // namespace

TEST_CASE("GCM test case 13: the zero key seals the empty message to the published tag") {
  const AesGcmNonce zero_nonce{};
  const auto sealed = aes256gcm_seal(unhex_secret<32>(std::string(64, '0')), zero_nonce, {}, {}).value();
  CHECK(to_hex(sealed) == "530f8afbc74536b9a963b4f1c4cb738b");
  CHECK(aes256gcm_open(unhex_secret<32>(std::string(64, '0')), zero_nonce, {}, sealed).value().empty());
}

TEST_CASE("GCM test case 14: one zero block under the zero key") {
  const AesGcmNonce zero_nonce{};
  const auto sealed = aes256gcm_seal(unhex_secret<32>(std::string(64, '0')), zero_nonce, {}, Bytes(16, 0)).value();
  CHECK(to_hex(sealed) == "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
}

TEST_CASE("GCM test case 16: associated data and a partial last block") {
  const auto sealed = aes256gcm_seal(kKey16, kNonce16, kAad16, kPlain16).value();
  CHECK(to_hex(sealed) == std::string(kCipher16) + kTag16);
  CHECK(aes256gcm_open(kKey16, kNonce16, kAad16, sealed).value() == kPlain16);
}

TEST_CASE("seal and open append to what the buffer already holds") {
  Bytes buffer = {0xaa};
  REQUIRE(aes256gcm_seal(kKey16, kNonce16, kAad16, kPlain16, buffer));
  CHECK(buffer.size() == 1 + kPlain16.size() + 16);
  CHECK(buffer[0] == 0xaa);
  Bytes plain = {0xbb};
  REQUIRE(aes256gcm_open(kKey16, kNonce16, kAad16, std::span<const std::uint8_t>(buffer).subspan(1), plain));
  CHECK(plain == concat(Bytes{0xbb}, kPlain16));
}

TEST_CASE("a flipped bit anywhere, another nonce, key or AAD: open fails and appends nothing") {
  const auto sealed = aes256gcm_seal(kKey16, kNonce16, kAad16, kPlain16).value();
  auto expect_rejected = [](const auto& key, const AesGcmNonce& nonce, const Bytes& aad, const Bytes& input) {
    Bytes out = {0x01, 0x02};
    auto r = aes256gcm_open(key, nonce, aad, input, out);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == kRejectedInput);
    CHECK(out == Bytes{0x01, 0x02});
  };
  for (std::size_t i : {std::size_t{0}, std::size_t{30}, sealed.size() - 17, sealed.size() - 16, sealed.size() - 1}) {
    CAPTURE(i);
    Bytes tampered = sealed;
    tampered[i] ^= 0x01;
    expect_rejected(kKey16, kNonce16, kAad16, tampered);
  }
  AesGcmNonce other_nonce = kNonce16;
  other_nonce[11] ^= 0x01;
  expect_rejected(kKey16, other_nonce, kAad16, sealed);
  auto other_key = kKey16;
  other_key.mutable_bytes()[0] ^= 0x01;
  expect_rejected(other_key, kNonce16, kAad16, sealed);
  Bytes other_aad = kAad16;
  other_aad.pop_back();
  expect_rejected(kKey16, kNonce16, other_aad, sealed);
  expect_rejected(kKey16, kNonce16, kAad16, Bytes(sealed.begin(), sealed.end() - 1));  // truncated tag
}

TEST_CASE("an input shorter than a tag is rejected before any decryption") {
  auto r = aes256gcm_open(kKey16, kNonce16, {}, Bytes(15, 0));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == kRejectedInput);
  CHECK(r.error().message().find("shorter than its 16-byte tag") != std::string::npos);
}

TEST_CASE("a keyed context gives the free functions' bytes, message after message, both ways on one context") {
  auto gcm = Aes256Gcm::create(kKey16).value();
  Bytes sealed;
  REQUIRE(gcm.seal(kNonce16, kAad16, kPlain16, sealed));
  CHECK(to_hex(sealed) == std::string(kCipher16) + kTag16);
  for (std::uint8_t n = 0; n < 4; ++n) {
    CAPTURE(n);
    AesGcmNonce nonce{};
    nonce[11] = n;
    const Bytes plain(n * 7u, n);  // 0, 7, 14, 21 bytes: empty and partial blocks
    Bytes mine;
    REQUIRE(gcm.seal(nonce, kAad16, plain, mine));
    CHECK(mine == aes256gcm_seal(kKey16, nonce, kAad16, plain).value());
    // Open on the context that sealed, between seals.
    CHECK(gcm.open(nonce, kAad16, mine, sealed));
    CHECK(Bytes(sealed.end() - static_cast<std::ptrdiff_t>(plain.size()), sealed.end()) == plain);
  }
}

TEST_CASE("a keyed context stays usable after a bad tag, and a moved-from one refuses") {
  auto gcm = Aes256Gcm::create(kKey16).value();
  const auto sealed = aes256gcm_seal(kKey16, kNonce16, kAad16, kPlain16).value();
  Bytes tampered = sealed;
  tampered.back() ^= 0x01;
  Bytes out = {0x07};
  auto bad = gcm.open(kNonce16, kAad16, tampered, out);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == kRejectedInput);
  CHECK(out == Bytes{0x07});
  REQUIRE(gcm.open(kNonce16, kAad16, sealed, out));
  CHECK(out == concat(Bytes{0x07}, kPlain16));

  Aes256Gcm moved = std::move(gcm);
  Bytes nothing;
  auto refused = gcm.seal(kNonce16, {}, kPlain16, nothing);  // NOLINT(bugprone-use-after-move): that is the point
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == kRefusedCall);
  CHECK_FALSE(gcm.open(kNonce16, kAad16, sealed, nothing));  // NOLINT(bugprone-use-after-move)
  CHECK(nothing.empty());
  CHECK(moved.open(kNonce16, kAad16, sealed, nothing));
  CHECK(nothing == kPlain16);
}
