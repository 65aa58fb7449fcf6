// Noise's CipherState: pass-through without a key, AESGCM's nonce layout,
// one nonce per message, the reserved nonce 2^64-1, a failed decrypt that
// changes nothing, and no key left in a moved-from state.
#include "channel/cipher_state.h"

#include <doctest/doctest.h>

#include <utility>

#include "crypto/aes_gcm.h"
#include "crypto/errors.h"
#include "crypto/hex.h"
#include "crypto/testing/bytes.h"

namespace {

using namespace ockam::channel;
using namespace ockam::crypto;
using namespace ockam::crypto::testing;

const char kKeyHex[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";

CipherState keyed() { return CipherState(unhex_secret<32>(kKeyHex)); }

}  // namespace

TEST_CASE("without a key, encrypt and decrypt pass the bytes through and the nonce stays") {
  CipherState cs;
  CHECK_FALSE(cs.has_key());
  CHECK(cs.encrypt_with_ad(ascii("ad"), ascii("plain")).value() == ascii("plain"));
  CHECK(cs.decrypt_with_ad(ascii("ad"), ascii("plain")).value() == ascii("plain"));
  CHECK(cs.nonce() == 0);
}

TEST_CASE("AESGCM's nonce is four zero bytes and the counter big-endian") {
  CHECK(to_hex(CipherState::aesgcm_nonce(0)) == "000000000000000000000000");
  CHECK(to_hex(CipherState::aesgcm_nonce(0x0102)) == "000000000000000000000102");
  CHECK(to_hex(CipherState::aesgcm_nonce(0x0102030405060708)) == "000000000102030405060708");
}

TEST_CASE("each message is sealed under the next nonce, with the ad, and opens in order") {
  CipherState sender = keyed();
  CipherState receiver = keyed();
  const Bytes c0 = sender.encrypt_with_ad(ascii("h"), ascii("first")).value();
  const Bytes c1 = sender.encrypt_with_ad(ascii("h"), ascii("first")).value();
  CHECK(sender.nonce() == 2);
  CHECK(c0 != c1);  // same plaintext, other nonce
  CHECK(c0 == ockam::crypto::aes256gcm_seal(unhex_secret<32>(kKeyHex), CipherState::aesgcm_nonce(0), ascii("h"),
                                            ascii("first"))
                  .value());
  CHECK(receiver.decrypt_with_ad(ascii("h"), c0).value() == ascii("first"));
  CHECK(receiver.decrypt_with_ad(ascii("h"), c1).value() == ascii("first"));
  CHECK(receiver.nonce() == 2);
}

TEST_CASE("a message that does not open leaves the nonce, so the next good one still does") {
  CipherState sender = keyed();
  CipherState receiver = keyed();
  Bytes c0 = sender.encrypt_with_ad({}, ascii("message")).value();
  Bytes tampered = c0;
  tampered[0] ^= 0x80;
  Bytes out = {0x42};
  auto r = receiver.decrypt_with_ad({}, tampered, out);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == kRejectedInput);
  CHECK(out == Bytes{0x42});
  CHECK(receiver.nonce() == 0);
  CHECK(receiver.decrypt_with_ad({}, c0).value() == ascii("message"));
  // The wrong associated data fails too.
  CHECK_FALSE(keyed().decrypt_with_ad(ascii("other"), c0));
}

TEST_CASE("the last nonce 2^64-2 seals once, then the reserved 2^64-1 refuses both ways") {
  CipherState cs = keyed();
  cs.set_nonce(CipherState::kMaxNonce);
  const Bytes last = cs.encrypt_with_ad({}, ascii("last")).value();
  CHECK(cs.nonce() == CipherState::kMaxNonce + 1);
  auto refused = cs.encrypt_with_ad({}, ascii("one more"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == kRefusedCall);
  CHECK(refused.error().message().find("nonce exhausted") != std::string::npos);
  CHECK_FALSE(cs.decrypt_with_ad({}, last));

  CipherState receiver = keyed();
  receiver.set_nonce(CipherState::kMaxNonce);
  CHECK(receiver.decrypt_with_ad({}, last).value() == ascii("last"));
}

TEST_CASE("a moved-from cipher state has no key, and set_nonce moves the counter") {
  CipherState a = keyed();
  a.set_nonce(7);
  CipherState b = std::move(a);
  CHECK_FALSE(a.has_key());  // NOLINT(bugprone-use-after-move): that is the point
  CHECK(a.nonce() == 0);     // NOLINT(bugprone-use-after-move)
  CHECK(b.has_key());
  CHECK(b.nonce() == 7);
  CipherState c;
  c = std::move(b);
  CHECK_FALSE(b.has_key());  // NOLINT(bugprone-use-after-move)
  CHECK(c.nonce() == 7);
}

TEST_CASE("a new key replaces the old one: nonce 0, the new key's bytes, the old key's messages no longer open") {
  CipherState cs = keyed();
  const Bytes old_c0 = cs.encrypt_with_ad({}, ascii("old")).value();
  const auto other = unhex_secret<32>("0000000000000000000000000000000000000000000000000000000000000001");
  cs.initialize_key(other);
  CHECK(cs.has_key());
  CHECK(cs.nonce() == 0);
  const Bytes new_c0 = cs.encrypt_with_ad({}, ascii("new")).value();
  CHECK(new_c0 == aes256gcm_seal(other, CipherState::aesgcm_nonce(0), {}, ascii("new")).value());
  cs.set_nonce(0);
  CHECK_FALSE(cs.decrypt_with_ad({}, old_c0));
  CHECK(cs.decrypt_with_ad({}, new_c0).value() == ascii("new"));
}
