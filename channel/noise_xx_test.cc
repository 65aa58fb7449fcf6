// The XX handshake between two of our own sides: it completes with one hash,
// payloads travel, and every way a peer or a caller can misuse it is a clean
// error; a peer's bad message fails the handshake for good.
#include "channel/noise_xx.h"

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

NoiseXX make(Role role, Bytes prologue = {}) {
  return NoiseXX::create(role, x25519_generate().value(), NoiseXX::Options{std::move(prologue), {}}).value();
}

struct Pair {
  NoiseXX initiator = make(Role::kInitiator);
  NoiseXX responder = make(Role::kResponder);

  void complete() {
    REQUIRE(responder.read_message(initiator.write_message().value()));
    REQUIRE(initiator.read_message(responder.write_message().value()));
    REQUIRE(responder.read_message(initiator.write_message().value()));
  }
};

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("messages have the sizes of the pattern: 32, 96 and 64 bytes with empty payloads") {
  CHECK(NoiseXX::min_message_size(0) == 32);
  CHECK(NoiseXX::min_message_size(1) == 96);
  CHECK(NoiseXX::min_message_size(2) == 64);
  Pair p;
  const Bytes m1 = p.initiator.write_message().value();
  CHECK(m1.size() == 32);
  REQUIRE(p.responder.read_message(m1));
  const Bytes m2 = p.responder.write_message().value();
  CHECK(m2.size() == 96);
  REQUIRE(p.initiator.read_message(m2));
  CHECK(p.initiator.write_message().value().size() == 64);
}

TEST_CASE("a completed handshake gives both sides one hash and each other's static key") {
  Pair p;
  CHECK(p.initiator.next_is_write());
  CHECK_FALSE(p.responder.next_is_write());
  p.complete();
  CHECK(p.initiator.is_complete());
  CHECK(p.responder.is_complete());
  CHECK_FALSE(p.initiator.next_is_write());
  CHECK(p.initiator.handshake_hash() == p.responder.handshake_hash());
  CHECK(*p.initiator.remote_static() == p.responder.local_static_public());
  CHECK(*p.responder.remote_static() == p.initiator.local_static_public());
}

TEST_CASE("payloads arrive in each of the three messages, encrypted from the second on") {
  Pair p;
  const Bytes m1 = p.initiator.write_message(ascii("one")).value();
  CHECK(p.responder.read_message(m1).value() == ascii("one"));
  const Bytes m2 = p.responder.write_message(ascii("two")).value();
  CHECK(m2.size() == 96 + 3);
  CHECK(std::string(m2.end() - 19, m2.end() - 16) != "two");  // not in clear
  CHECK(p.initiator.read_message(m2).value() == ascii("two"));
  CHECK(p.responder.read_message(p.initiator.write_message(ascii("three")).value()).value() == ascii("three"));
  CHECK(p.initiator.handshake_hash() == p.responder.handshake_hash());
}

TEST_CASE("transport keys: standard Noise order works both ways, and so does Ockam's swap on both sides") {
  for (bool ockam : {false, true}) {
    CAPTURE(ockam);
    Pair p;
    p.complete();
    auto order = ockam ? ockam_007d435_ciphers : noise_ciphers;
    auto i = order(Role::kInitiator, p.initiator.split().value());
    auto r = order(Role::kResponder, p.responder.split().value());
    CHECK(r.decrypt.decrypt_with_ad({}, i.encrypt.encrypt_with_ad({}, ascii("to responder")).value()).value() ==
          ascii("to responder"));
    CHECK(i.decrypt.decrypt_with_ad({}, r.encrypt.encrypt_with_ad({}, ascii("to initiator")).value()).value() ==
          ascii("to initiator"));
  }
}

TEST_CASE("the standard split's first key is the initiator's sending key; Ockam's initiator sends with the second") {
  Pair p;
  p.complete();
  auto split_i = p.initiator.split().value();
  auto split_r = p.responder.split().value();
  const Bytes sealed = split_i.first.encrypt_with_ad({}, ascii("x")).value();
  CHECK(split_r.first.decrypt_with_ad({}, sealed).value() == ascii("x"));
  auto ockam_i = ockam_007d435_ciphers(Role::kInitiator, std::move(split_i));
  auto standard_r = noise_ciphers(Role::kResponder, std::move(split_r));
  // Mixing the two conventions cannot talk.
  CHECK_FALSE(standard_r.decrypt.decrypt_with_ad({}, ockam_i.encrypt.encrypt_with_ad({}, ascii("y")).value()));
}

TEST_CASE("different prologues make message 2 fail to read, and the handshake is then failed") {
  NoiseXX initiator = make(Role::kInitiator, ascii("v1"));
  NoiseXX responder = make(Role::kResponder, ascii("v2"));
  REQUIRE(responder.read_message(initiator.write_message().value()));
  auto r = initiator.read_message(responder.write_message().value());
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == kRejectedInput);
  CHECK(initiator.has_failed());
  CHECK_FALSE(initiator.next_is_write());
}

TEST_CASE("a flipped bit in message 2 or 3 fails the reader, and every later call is refused") {
  for (int which : {2, 3}) {
    CAPTURE(which);
    Pair p;
    Bytes m1 = p.initiator.write_message().value();
    REQUIRE(p.responder.read_message(m1));
    Bytes m2 = p.responder.write_message().value();
    if (which == 2) {
      m2[40] ^= 0x01;  // inside the encrypted static key
      REQUIRE_FALSE(p.initiator.read_message(m2));
      CHECK(p.initiator.has_failed());
      auto later = p.initiator.write_message();
      REQUIRE_FALSE(later);
      CHECK(later.error().code() == kRefusedCall);
      CHECK(contains(later.error().message(), "failed earlier"));
      CHECK(contains(later.error().message(), "handshake message 2"));
      CHECK_FALSE(p.initiator.split());
      continue;
    }
    REQUIRE(p.initiator.read_message(m2));
    Bytes m3 = p.initiator.write_message().value();
    m3.back() ^= 0x01;  // the payload's tag
    auto r = p.responder.read_message(m3);
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message(), "handshake message 3 payload"));
    CHECK(p.responder.has_failed());
    CHECK_FALSE(p.responder.is_complete());
    CHECK_FALSE(p.responder.split());
    // The same bytes, intact, do not revive it.
    m3.back() ^= 0x01;
    CHECK(p.responder.read_message(m3).error().code() == kRefusedCall);
  }
}

TEST_CASE("a message shorter than the pattern's minimum or longer than 65535 bytes fails the handshake") {
  SUBCASE("message 1 of 31 bytes") {
    NoiseXX responder = make(Role::kResponder);
    auto r = responder.read_message(Bytes(31, 0x09));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == kRejectedInput);
    CHECK(contains(r.error().message(), "handshake message 1 of 31 bytes"));
    CHECK(responder.has_failed());
  }
  SUBCASE("message 2 of 95 bytes") {
    Pair p;
    REQUIRE(p.responder.read_message(p.initiator.write_message().value()));
    Bytes m2 = p.responder.write_message().value();
    m2.pop_back();
    CHECK(p.initiator.read_message(m2).error().code() == kRejectedInput);
    CHECK(p.initiator.has_failed());
  }
  SUBCASE("message 1 of 65536 bytes") {
    NoiseXX responder = make(Role::kResponder);
    CHECK_FALSE(responder.read_message(Bytes(65536, 0x09)));
    CHECK(responder.has_failed());
  }
}

TEST_CASE("a payload that would make a message longer than 65535 bytes is refused without failing") {
  NoiseXX initiator = make(Role::kInitiator);
  auto r = initiator.write_message(Bytes(65535 - 32 + 1, 0));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == kRejectedInput);
  CHECK_FALSE(initiator.has_failed());
  CHECK(initiator.write_message(Bytes(65535 - 32, 0)).value().size() == 65535);
}

TEST_CASE("calls out of turn are refused and do not fail the handshake") {
  Pair p;
  auto early_read = p.initiator.read_message(Bytes(96, 0));
  REQUIRE_FALSE(early_read);
  CHECK(early_read.error().code() == kRefusedCall);
  CHECK_FALSE(p.initiator.has_failed());
  auto early_write = p.responder.write_message();
  REQUIRE_FALSE(early_write);
  CHECK(early_write.error().code() == kRefusedCall);
  CHECK_FALSE(p.responder.has_failed());
  auto early_split = p.initiator.split();
  REQUIRE_FALSE(early_split);
  CHECK(contains(early_split.error().message(), "not complete"));
  p.complete();  // still works
  CHECK(p.initiator.write_message().error().code() == kRefusedCall);
  CHECK(p.responder.read_message(Bytes(64, 0)).error().code() == kRefusedCall);
}

TEST_CASE("split hands out the transport keys once; the hash and the peer's key stay readable") {
  Pair p;
  p.complete();
  const auto hash = p.initiator.handshake_hash();
  REQUIRE(p.initiator.split());
  auto again = p.initiator.split();
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == kRefusedCall);
  CHECK(p.initiator.handshake_hash() == hash);
  CHECK(p.initiator.remote_static().has_value());
}

TEST_CASE("a small-order ephemeral key from the peer is refused at the first DH that uses it") {
  const Bytes order8 = unhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
  SUBCASE("in message 1: the responder's own message 2 fails (ee)") {
    NoiseXX responder = make(Role::kResponder);
    REQUIRE(responder.read_message(order8));  // e alone: no DH yet
    auto r = responder.write_message();
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == kRejectedInput);
    CHECK(contains(r.error().message(), "all-zero"));
    CHECK(responder.has_failed());
  }
  SUBCASE("in message 2: the initiator's read fails") {
    Pair p;
    REQUIRE(p.responder.read_message(p.initiator.write_message().value()));
    Bytes m2 = p.responder.write_message().value();
    std::copy(order8.begin(), order8.end(), m2.begin());
    auto r = p.initiator.read_message(m2);
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message(), "all-zero"));
    CHECK(p.initiator.has_failed());
  }
}

TEST_CASE("fresh ephemeral keys make every handshake's messages and hash differ") {
  Pair a, b;
  CHECK(a.initiator.write_message().value() != b.initiator.write_message().value());
}
