#include "channel/noise_vectors.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "channel/noise_xx.h"
#include "crypto/hex.h"
#include "crypto/x25519.h"

namespace ockam::channel {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Why a vector failed; thrown inside run_one() only, caught there.
struct VectorFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Bytes hex_field(const nlohmann::json& object, const char* name, bool required) {
  if (!object.contains(name)) {
    if (required) throw VectorFailure(std::string("missing field \"") + name + "\"");
    return {};
  }
  const auto& value = object.at(name);
  if (!value.is_string()) throw VectorFailure(std::string("field \"") + name + "\" is not a string");
  auto bytes = crypto::from_hex(value.get<std::string>());
  if (!bytes) throw VectorFailure(std::string("field \"") + name + "\" is not hex");
  return *bytes;
}

crypto::X25519KeyPair key_pair(const nlohmann::json& vector, const char* name) {
  const Bytes bytes = hex_field(vector, name, true);
  auto secret = crypto::SecretKey32::from(bytes);
  if (!secret) throw VectorFailure(std::string("\"") + name + "\" is not 32 bytes");
  auto pair = crypto::x25519_from_private(*secret);
  if (!pair) throw VectorFailure(std::string("\"") + name + "\": " + pair.error().to_string());
  return std::move(*pair);
}

NoiseXX side(const nlohmann::json& vector, Role role) {
  const bool init = role == Role::kInitiator;
  NoiseXX::Options options;
  options.prologue = hex_field(vector, init ? "init_prologue" : "resp_prologue", false);
  options.fixed_ephemeral = key_pair(vector, init ? "init_ephemeral" : "resp_ephemeral");
  auto hs = NoiseXX::create(role, key_pair(vector, init ? "init_static" : "resp_static"), std::move(options));
  if (!hs) throw VectorFailure("creating the " + std::string(init ? "initiator" : "responder") + ": " +
                               hs.error().to_string());
  return std::move(*hs);
}

template <class T>
T ok(Result<T> r, const std::string& what) {
  if (!r) throw VectorFailure(what + ": " + r.error().to_string());
  return std::move(*r);
}

void expect_equal(const Bytes& got, const Bytes& expected, const std::string& what) {
  if (got != expected) {
    throw VectorFailure(what + ": expected " + crypto::to_hex(expected) + ", got " + crypto::to_hex(got));
  }
}

// Runs one XX vector; returns a note on what was checked, throws on failure.
std::string run_one(const nlohmann::json& vector) {
  if (!vector.contains("messages") || !vector.at("messages").is_array()) {
    throw VectorFailure("missing array \"messages\"");
  }
  const auto& messages = vector.at("messages");
  if (messages.size() < NoiseXX::kMessageCount) {
    throw VectorFailure("only " + std::to_string(messages.size()) + " messages: XX needs its 3 handshake messages");
  }
  NoiseXX initiator = side(vector, Role::kInitiator);
  NoiseXX responder = side(vector, Role::kResponder);
  std::optional<ChannelCiphers> init_ciphers, resp_ciphers;

  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (!m.is_object()) throw VectorFailure("message " + std::to_string(i) + " is not an object");
    const Bytes payload = hex_field(m, "payload", true);
    const Bytes ciphertext = hex_field(m, "ciphertext", true);
    const bool from_initiator = i % 2 == 0;
    const std::string what = "message " + std::to_string(i) + (from_initiator ? " (initiator" : " (responder") +
                             (i < NoiseXX::kMessageCount ? ", handshake)" : ", transport)");
    if (i < NoiseXX::kMessageCount) {
      NoiseXX& sender = from_initiator ? initiator : responder;
      NoiseXX& receiver = from_initiator ? responder : initiator;
      const Bytes written = ok(sender.write_message(payload), what + " write");
      expect_equal(written, ciphertext, what);
      expect_equal(ok(receiver.read_message(written), what + " read"), payload, what + " payload");
      continue;
    }
    if (!init_ciphers) {
      init_ciphers = noise_ciphers(Role::kInitiator, ok(initiator.split(), "initiator split"));
      resp_ciphers = noise_ciphers(Role::kResponder, ok(responder.split(), "responder split"));
    }
    ChannelCiphers& sender = from_initiator ? *init_ciphers : *resp_ciphers;
    ChannelCiphers& receiver = from_initiator ? *resp_ciphers : *init_ciphers;
    const Bytes sealed = ok(sender.encrypt.encrypt_with_ad({}, payload), what + " encrypt");
    expect_equal(sealed, ciphertext, what);
    expect_equal(ok(receiver.decrypt.decrypt_with_ad({}, sealed), what + " decrypt"), payload, what + " payload");
  }

  if (initiator.handshake_hash() != responder.handshake_hash()) {
    throw VectorFailure("the two sides' handshake hashes differ");
  }
  const Bytes hash(initiator.handshake_hash().begin(), initiator.handshake_hash().end());
  if (vector.contains("handshake_hash")) {
    expect_equal(hash, hex_field(vector, "handshake_hash", true), "handshake_hash");
    return std::to_string(messages.size()) + " messages, handshake hash checked";
  }
  return std::to_string(messages.size()) + " messages, no handshake hash in the vector";
}

}  // namespace

VectorSummary run_noise_vectors(const nlohmann::json& file, std::ostream& log) {
  VectorSummary summary;
  if (!file.is_object() || !file.contains("vectors") || !file.at("vectors").is_array()) {
    log << "FAIL: the file has no \"vectors\" array\n";
    ++summary.failed;
    return summary;
  }
  const auto& vectors = file.at("vectors");
  for (std::size_t k = 0; k < vectors.size(); ++k) {
    const auto& vector = vectors[k];
    const std::string name = vector.is_object() && vector.contains("protocol_name") &&
                                     vector.at("protocol_name").is_string()
                                 ? vector.at("protocol_name").get<std::string>()
                                 : std::string("(no protocol_name)");
    const std::string label = "#" + std::to_string(k) + " " + name;
    if (name != NoiseXX::kProtocolName) {
      ++summary.skipped;
      log << "skip " << label << "\n";
      continue;
    }
    try {
      const std::string note = run_one(vector);
      ++summary.passed;
      log << "ok   " << label << " (" << note << ")\n";
    } catch (const VectorFailure& failure) {
      ++summary.failed;
      log << "FAIL " << label << ": " << failure.what() << "\n";
    }
  }
  return summary;
}

std::string summary_line(const VectorSummary& s) {
  return std::to_string(s.passed) + " passed, " + std::to_string(s.failed) + " failed, " +
         std::to_string(s.skipped) + " skipped";
}

}  // namespace ockam::channel
