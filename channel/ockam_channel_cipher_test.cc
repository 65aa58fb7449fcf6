// Ockam 007d435's data messages: a 2-byte big-endian nonce then AES-256-GCM,
// each direction from 0; we refuse to send past 65534 and to accept a nonce
// that repeats or goes backwards, and a rejected message changes nothing.
#include "channel/ockam_channel_cipher.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "crypto/errors.h"
#include "crypto/testing/bytes.h"
#include "crypto/x25519.h"

namespace {

using namespace ockam::channel;
using namespace ockam::crypto;
using namespace ockam::crypto::testing;

struct Channel {
  OckamChannelCipher initiator;
  OckamChannelCipher responder;
};

Channel open_channel() {
  auto i = NoiseXX::create(Role::kInitiator, x25519_generate().value()).value();
  auto r = NoiseXX::create(Role::kResponder, x25519_generate().value()).value();
  REQUIRE(r.read_message(i.write_message().value()));
  REQUIRE(i.read_message(r.write_message().value()));
  REQUIRE(r.read_message(i.write_message().value()));
  return {OckamChannelCipher::from_handshake(i).value(), OckamChannelCipher::from_handshake(r).value()};
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a body is the 2-byte big-endian nonce, then ciphertext and tag; nonces count from 0") {
  Channel c = open_channel();
  const Bytes b0 = c.initiator.encrypt(ascii("hello")).value();
  const Bytes b1 = c.initiator.encrypt(ascii("hello")).value();
  CHECK(b0.size() == 2 + 5 + 16);
  CHECK(b0[0] == 0x00);
  CHECK(b0[1] == 0x00);
  CHECK(b1[1] == 0x01);
  CHECK(c.responder.decrypt(b0).value() == ascii("hello"));
  CHECK(c.responder.decrypt(b1).value() == ascii("hello"));
  CHECK(c.responder.last_received_nonce() == 1);
  // The other direction counts on its own.
  CHECK(c.responder.encrypt(ascii("echo")).value()[1] == 0x00);
}

TEST_CASE("a replayed message is rejected, and so is one older than the last accepted") {
  Channel c = open_channel();
  const Bytes b0 = c.initiator.encrypt(ascii("a")).value();
  const Bytes b1 = c.initiator.encrypt(ascii("b")).value();
  const Bytes b2 = c.initiator.encrypt(ascii("c")).value();
  REQUIRE(c.responder.decrypt(b0));
  auto replay = c.responder.decrypt(b0);
  REQUIRE_FALSE(replay);
  CHECK(replay.error().code() == kRejectedInput);
  CHECK(contains(replay.error().message(), "a replay"));
  REQUIRE(c.responder.decrypt(b2));  // a gap is fine: b1 was lost
  auto older = c.responder.decrypt(b1);
  REQUIRE_FALSE(older);
  CHECK(contains(older.error().message(), "older than the last"));
  CHECK(c.responder.last_received_nonce() == 2);
}

TEST_CASE("a tampered or truncated message is rejected and the channel goes on") {
  Channel c = open_channel();
  Bytes b0 = c.initiator.encrypt(ascii("payload")).value();
  Bytes tampered = b0;
  tampered[5] ^= 0x01;
  CHECK(c.responder.decrypt(tampered).error().code() == kRejectedInput);
  CHECK_FALSE(c.responder.last_received_nonce().has_value());
  Bytes forged_nonce = b0;
  forged_nonce[1] = 0x07;  // the nonce is authenticated through the AEAD nonce
  CHECK_FALSE(c.responder.decrypt(forged_nonce));
  auto short_body = c.responder.decrypt(Bytes(17, 0));
  REQUIRE_FALSE(short_body);
  CHECK(contains(short_body.error().message(), "shorter than its nonce and tag"));
  CHECK(c.responder.decrypt(b0).value() == ascii("payload"));  // the genuine one still opens
}

TEST_CASE("nonce 65535, which no sender uses, is rejected") {
  Channel c = open_channel();
  Bytes body = c.initiator.encrypt(ascii("x")).value();
  body[0] = 0xff;
  body[1] = 0xff;
  auto r = c.responder.decrypt(body);
  REQUIRE_FALSE(r);
  CHECK(contains(r.error().message(), "65535"));
}

TEST_CASE("a direction sends nonces 0 to 65534, says how many are left, then refuses with a clear error") {
  Channel c = open_channel();
  CHECK(c.initiator.sends_left() == 65535);
  Bytes last;
  for (int i = 0; i <= OckamChannelCipher::kLastNonce; ++i) {
    auto body = c.initiator.encrypt({});
    REQUIRE(body);
    if (i == OckamChannelCipher::kLastNonce) last = std::move(*body);
  }
  CHECK(c.initiator.sends_left() == 0);
  CHECK(last[0] == 0xff);
  CHECK(last[1] == 0xfe);
  auto refused = c.initiator.encrypt(ascii("one more"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == kRefusedCall);
  CHECK(contains(refused.error().message(), "open a new channel"));
  CHECK(c.responder.decrypt(last).value().empty());  // the last one is a good message
  CHECK(c.responder.encrypt(ascii("the other way still works")));
}
