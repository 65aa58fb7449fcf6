// The capture of a real secure channel between two Rust Ockam nodes at
// build-trust/ockam 007d435 (testdata/secure-channel-007d435/, README.md
// there), with the private keys they drew injected into ours: our initiator
// writes msg1 and msg3 and our responder msg2 exactly as the Rust ones did,
// both reach the same handshake hash, and with Ockam's swapped transport
// keys F4 and F5 decrypt, and re-encrypt to the same bytes.
//
// Frames: F1 I->R create-channel (BARE CreateResponderChannelMessage
// { payload: Vec<u8> = msg1, completed_callback_address: Option<Address> =
// None }), F2 R->I msg2 and F3 I->R msg3 (each a BARE Vec<u8>), F4 I->R the
// encrypted hello, F5 R->I the encrypted echo (each a BARE Vec<u8> of nonce
// || ciphertext || tag). A TCP frame is a u16 big-endian length and a
// TransportMessage v1.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "channel/noise_xx.h"
#include "channel/ockam_channel_cipher.h"
#include "codec/bare.h"
#include "codec/codec.h"
#include "crypto/errors.h"
#include "crypto/hex.h"
#include "crypto/testing/bytes.h"
#include "crypto/x25519.h"
#include "transport/wire.h"

namespace {

using ockam::Address;
using ockam::Route;
using namespace ockam::channel;
using namespace ockam::crypto;
using namespace ockam::crypto::testing;
using ockam::transport::TransportMessage;

constexpr std::string_view kDir = "channel/testdata/secure-channel-007d435/";

std::string read_file(std::string_view name) {
  std::ifstream in(std::string(kDir) + std::string(name));
  if (!in) throw std::runtime_error("cannot read " + std::string(kDir) + std::string(name));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Frame {
  std::string dir;  // "I->R" or "R->I"
  Bytes bytes;      // the whole TCP frame, u16 length included
  TransportMessage message;
};

struct Capture {
  std::vector<Frame> frames;  // F1..F5
  nlohmann::json keys;
  Bytes msg1, msg2, msg3;
};

Capture load() {
  Capture c;
  std::istringstream lines(read_file("one-hop-frames.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("frame")) continue;  // open and eof events
    Frame f{j.at("dir").get<std::string>(), unhex(j.at("frame").get<std::string>()), {}};
    REQUIRE(f.bytes.size() >= 2);
    const std::size_t len = std::size_t{f.bytes[0]} << 8 | f.bytes[1];
    REQUIRE(len == f.bytes.size() - 2);
    REQUIRE(len == j.at("len").get<std::size_t>());
    auto m = ockam::transport::decode(std::span<const std::uint8_t>(f.bytes).subspan(2));
    REQUIRE(m);
    f.message = *m;
    c.frames.push_back(std::move(f));
  }
  REQUIRE(c.frames.size() == 5);
  c.keys = nlohmann::json::parse(read_file("one-hop-keys.json"));

  // F1: CreateResponderChannelMessage { payload: Vec<u8>, completed_callback_address: None }.
  ockam::bare::Reader r(c.frames[0].message.payload);
  auto payload = r.read_data("CreateResponderChannelMessage.payload", 65535);
  REQUIRE(payload);
  c.msg1.assign(payload->begin(), payload->end());
  auto option_tag = r.read_u8("completed_callback_address");
  REQUIRE(option_tag);
  CHECK(*option_tag == 0);  // None
  REQUIRE(r.expect_end("CreateResponderChannelMessage"));
  // F2, F3: a BARE Vec<u8> each.
  c.msg2 = ockam::decode_body<Bytes>(c.frames[1].message.payload).value();
  c.msg3 = ockam::decode_body<Bytes>(c.frames[2].message.payload).value();
  return c;
}

const Capture& capture() {
  static const Capture c = load();
  return c;
}

NoiseXX side(Role role, const char* static_name, const char* ephemeral_name) {
  const auto& keys = capture().keys;
  auto s = x25519_from_private(unhex_secret<32>(keys.at(static_name).get<std::string>())).value();
  auto e = x25519_from_private(unhex_secret<32>(keys.at(ephemeral_name).get<std::string>())).value();
  return NoiseXX::create(role, std::move(s), NoiseXX::Options{{}, std::move(e)}).value();
}

// Both sides after the three messages, each written by our code and
// checked against the capture on the way.
struct Handshake {
  NoiseXX initiator = side(Role::kInitiator, "i_s", "i_e");
  NoiseXX responder = side(Role::kResponder, "r_s", "r_e");
  Bytes msg1, msg2, msg3;

  Handshake() {
    msg1 = initiator.write_message().value();
    REQUIRE(responder.read_message(msg1));
    msg2 = responder.write_message().value();
    REQUIRE(initiator.read_message(msg2));
    msg3 = initiator.write_message().value();
    REQUIRE(responder.read_message(msg3));
  }
};

// The frame our side would send: the captured routes around our payload.
Bytes reframe(const Frame& captured, Bytes payload) {
  TransportMessage m = captured.message;
  m.payload = std::move(payload);
  return ockam::transport::encode_frame(m).value();
}

Bytes bare_vec(const Bytes& v) { return ockam::encode_body(v); }

}  // namespace

TEST_CASE("the capture holds create-channel+msg1, msg2, msg3, the hello and the echo, in the README's directions") {
  const Capture& c = capture();
  CHECK(c.frames[0].dir == "I->R");
  CHECK(c.frames[1].dir == "R->I");
  CHECK(c.frames[2].dir == "I->R");
  CHECK(c.frames[3].dir == "I->R");
  CHECK(c.frames[4].dir == "R->I");
  CHECK(c.msg1.size() == 32);
  CHECK(c.msg2.size() == 96);
  CHECK(c.msg3.size() == 64);
  CHECK(c.frames[0].message.onward == Route{Address(0, "secure_channel_listener")});
  // msg2 and msg3 travel between the two channels' "remote" addresses.
  CHECK(c.frames[1].message.onward == c.frames[0].message.ret);
  CHECK(c.frames[2].message.onward == c.frames[1].message.ret);
}

TEST_CASE("with the captured keys our initiator writes msg1 and msg3 and our responder msg2 byte for byte") {
  Handshake hs;
  CHECK(to_hex(hs.msg1) == to_hex(capture().msg1));
  CHECK(to_hex(hs.msg2) == to_hex(capture().msg2));
  CHECK(to_hex(hs.msg3) == to_hex(capture().msg3));
  CHECK(hs.initiator.is_complete());
  CHECK(hs.responder.is_complete());
}

TEST_CASE("our handshake messages in the captured routes make frames F1, F2 and F3 byte for byte") {
  Handshake hs;
  Bytes create_responder = bare_vec(hs.msg1);
  create_responder.push_back(0x00);  // completed_callback_address: None
  CHECK(to_hex(reframe(capture().frames[0], create_responder)) == to_hex(capture().frames[0].bytes));
  CHECK(to_hex(reframe(capture().frames[1], bare_vec(hs.msg2))) == to_hex(capture().frames[1].bytes));
  CHECK(to_hex(reframe(capture().frames[2], bare_vec(hs.msg3))) == to_hex(capture().frames[2].bytes));
}

TEST_CASE("our responder reads the Rust initiator's messages, our initiator the Rust responder's") {
  NoiseXX responder = side(Role::kResponder, "r_s", "r_e");
  REQUIRE(responder.read_message(capture().msg1));
  CHECK(to_hex(responder.write_message().value()) == to_hex(capture().msg2));
  REQUIRE(responder.read_message(capture().msg3));
  CHECK(responder.is_complete());

  NoiseXX initiator = side(Role::kInitiator, "i_s", "i_e");
  REQUIRE(initiator.write_message());
  REQUIRE(initiator.read_message(capture().msg2));
  CHECK(to_hex(initiator.write_message().value()) == to_hex(capture().msg3));
}

TEST_CASE("both sides reach the same handshake hash and learn each other's static key") {
  Handshake hs;
  CHECK(hs.initiator.handshake_hash() == hs.responder.handshake_hash());
  const auto& keys = capture().keys;
  const auto i_s = x25519_from_private(unhex_secret<32>(keys.at("i_s").get<std::string>())).value();
  const auto r_s = x25519_from_private(unhex_secret<32>(keys.at("r_s").get<std::string>())).value();
  REQUIRE(hs.initiator.remote_static());
  REQUIRE(hs.responder.remote_static());
  CHECK(*hs.initiator.remote_static() == r_s.public_key);
  CHECK(*hs.responder.remote_static() == i_s.public_key);
}

TEST_CASE("with Ockam's swapped keys F4 decrypts to \"Hello Ockam!\" for echoer and F5 to the echo") {
  Handshake hs;
  auto initiator = OckamChannelCipher::from_handshake(hs.initiator).value();
  auto responder = OckamChannelCipher::from_handshake(hs.responder).value();

  const Bytes f4_body = ockam::decode_body<Bytes>(capture().frames[3].message.payload).value();
  const Bytes f5_body = ockam::decode_body<Bytes>(capture().frames[4].message.payload).value();
  CHECK(f4_body[0] == 0x00);  // nonce 0 of each direction
  CHECK(f4_body[1] == 0x00);
  CHECK(f5_body[0] == 0x00);
  CHECK(f5_body[1] == 0x00);

  const auto hello = ockam::transport::decode(responder.decrypt(f4_body).value()).value();
  CHECK(hello.onward == Route{"echoer"});
  CHECK(hello.ret == Route{"app"});
  CHECK(ockam::decode_body<std::string>(hello.payload).value() == "Hello Ockam!");

  const auto echo = ockam::transport::decode(initiator.decrypt(f5_body).value()).value();
  CHECK(echo.onward == Route{"app"});
  CHECK(echo.ret == Route{"echoer"});
  CHECK(ockam::decode_body<std::string>(echo.payload).value() == "Hello Ockam!");
}

TEST_CASE("re-encrypting the decrypted plaintexts with the same nonces reproduces F4 and F5 byte for byte") {
  Handshake hs;
  auto initiator = OckamChannelCipher::from_handshake(hs.initiator).value();
  auto responder = OckamChannelCipher::from_handshake(hs.responder).value();
  const Bytes f4_body = ockam::decode_body<Bytes>(capture().frames[3].message.payload).value();
  const Bytes f5_body = ockam::decode_body<Bytes>(capture().frames[4].message.payload).value();
  const Bytes hello = responder.decrypt(f4_body).value();
  const Bytes echo = initiator.decrypt(f5_body).value();

  // Each side's first send uses nonce 0, the nonce of F4 and F5.
  CHECK(to_hex(reframe(capture().frames[3], bare_vec(initiator.encrypt(hello).value()))) ==
        to_hex(capture().frames[3].bytes));
  CHECK(to_hex(reframe(capture().frames[4], bare_vec(responder.encrypt(echo).value()))) ==
        to_hex(capture().frames[4].bytes));
}

TEST_CASE("with the standard Noise split F4 does not decrypt: the swap is what the crate does") {
  Handshake hs;
  auto standard = noise_ciphers(Role::kResponder, hs.responder.split().value());
  OckamChannelCipher responder(std::move(standard));
  const Bytes f4_body = ockam::decode_body<Bytes>(capture().frames[3].message.payload).value();
  auto r = responder.decrypt(f4_body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == ockam::crypto::kRejectedInput);
}
