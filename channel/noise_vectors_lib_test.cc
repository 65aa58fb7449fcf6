// The vector runner's judgements on vectors it builds itself: a vector made
// by our own two sides passes, and each kind of wrong or malformed vector
// fails with a reason, other protocols are skipped.
#include "channel/noise_vectors.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "channel/noise_xx.h"
#include "crypto/hex.h"
#include "crypto/testing/bytes.h"
#include "crypto/x25519.h"

namespace {

using namespace ockam::channel;
using namespace ockam::crypto;
using namespace ockam::crypto::testing;

const char kInitStatic[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const char kInitEphemeral[] = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
const char kRespStatic[] = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
const char kRespEphemeral[] = "4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60";

NoiseXX side(Role role, const char* s, const char* e) {
  return NoiseXX::create(role, ockam::crypto::x25519_from_private(unhex_secret<32>(s)).value(),
                         NoiseXX::Options{ascii("prologue"),
                                          ockam::crypto::x25519_from_private(unhex_secret<32>(e)).value()})
      .value();
}

// A vector written by running our own initiator and responder.
nlohmann::json own_vector() {
  NoiseXX i = side(Role::kInitiator, kInitStatic, kInitEphemeral);
  NoiseXX r = side(Role::kResponder, kRespStatic, kRespEphemeral);
  nlohmann::json messages = nlohmann::json::array();
  auto add = [&](const std::string& payload, const std::vector<std::uint8_t>& ct) {
    messages.push_back({{"payload", to_hex(ascii(payload))}, {"ciphertext", to_hex(ct)}});
  };
  auto m1 = i.write_message(ascii("a")).value();
  REQUIRE(r.read_message(m1));
  add("a", m1);
  auto m2 = r.write_message(ascii("b")).value();
  REQUIRE(i.read_message(m2));
  add("b", m2);
  auto m3 = i.write_message(ascii("c")).value();
  REQUIRE(r.read_message(m3));
  add("c", m3);
  auto ic = noise_ciphers(Role::kInitiator, i.split().value());
  auto rc = noise_ciphers(Role::kResponder, r.split().value());
  add("d", rc.encrypt.encrypt_with_ad({}, ascii("d")).value());  // message 3: the responder's
  add("e", ic.encrypt.encrypt_with_ad({}, ascii("e")).value());  // message 4: the initiator's
  return {{"protocol_name", "Noise_XX_25519_AESGCM_SHA256"},
          {"init_prologue", to_hex(ascii("prologue"))},
          {"init_static", kInitStatic},
          {"init_ephemeral", kInitEphemeral},
          {"resp_prologue", to_hex(ascii("prologue"))},
          {"resp_static", kRespStatic},
          {"resp_ephemeral", kRespEphemeral},
          {"handshake_hash", to_hex(i.handshake_hash())},
          {"messages", messages}};
}

struct Run {
  std::string log;
  std::string summary;
};

Run run(const nlohmann::json& vector) {
  std::ostringstream log;
  const auto s = run_noise_vectors(nlohmann::json{{"vectors", nlohmann::json::array({vector})}}, log);
  return {log.str(), summary_line(s)};
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a vector our own sides wrote passes, handshake hash included") {
  const Run r = run(own_vector());
  CHECK(r.summary == "1 passed, 0 failed, 0 skipped");
  CHECK(contains(r.log, "handshake hash checked"));
}

TEST_CASE("a wrong transport ciphertext, payload or handshake hash fails the vector") {
  auto v = own_vector();
  std::string ct = v["messages"][4]["ciphertext"];
  ct[0] = ct[0] == '0' ? '1' : '0';
  v["messages"][4]["ciphertext"] = ct;
  Run r = run(v);
  CHECK(r.summary == "0 passed, 1 failed, 0 skipped");
  CHECK(contains(r.log, "message 4 (initiator, transport)"));

  v = own_vector();
  v["messages"][3]["payload"] = "00";
  CHECK(run(v).summary == "0 passed, 1 failed, 0 skipped");

  v = own_vector();
  v["handshake_hash"] = std::string(64, '0');
  r = run(v);
  CHECK(r.summary == "0 passed, 1 failed, 0 skipped");
  CHECK(contains(r.log, "handshake_hash"));
}

TEST_CASE("another prologue on one side fails the vector at message 1") {
  auto v = own_vector();
  v["resp_prologue"] = "";
  const Run r = run(v);
  CHECK(r.summary == "0 passed, 1 failed, 0 skipped");
  CHECK(contains(r.log, "message 1"));
}

TEST_CASE("malformed vectors fail with the reason: missing or non-hex fields, short keys, too few messages") {
  auto missing = own_vector();
  missing.erase("init_static");
  CHECK(contains(run(missing).log, "missing field \"init_static\""));
  auto not_hex = own_vector();
  not_hex["resp_ephemeral"] = "xyz";
  CHECK(contains(run(not_hex).log, "not hex"));
  auto short_key = own_vector();
  short_key["init_ephemeral"] = "0011";
  CHECK(contains(run(short_key).log, "is not 32 bytes"));
  auto few = own_vector();
  few["messages"].erase(2);
  few["messages"].erase(3);
  few["messages"].erase(1);
  few["messages"].erase(1);
  CHECK(contains(run(few).log, "XX needs its 3 handshake messages"));
  auto not_string = own_vector();
  not_string["messages"][0]["payload"] = 7;
  CHECK(contains(run(not_string).log, "is not a string"));
}

TEST_CASE("other protocols are skipped, and a file without a vectors array is one failure") {
  auto v = own_vector();
  v["protocol_name"] = "Noise_XX_25519_ChaChaPoly_SHA256";
  CHECK(run(v).summary == "0 passed, 0 failed, 1 skipped");
  std::ostringstream log;
  CHECK(summary_line(run_noise_vectors(nlohmann::json{{"tests", 1}}, log)) == "0 passed, 1 failed, 0 skipped");
}
