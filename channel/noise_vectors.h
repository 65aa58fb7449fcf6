// Runs Noise test vectors in the JSON form of the cacophony and snow projects
// against our NoiseXX:
//
//   {"vectors": [{"protocol_name": "...", "init_prologue": hex,
//     "init_static": hex, "init_ephemeral": hex, "resp_prologue": hex,
//     "resp_static": hex, "resp_ephemeral": hex, "handshake_hash": hex,
//     "messages": [{"payload": hex, "ciphertext": hex}, ...]}, ...]}
//
// Messages alternate initiator, responder, initiator, ... across the
// handshake and after it, as cacophony and snow write them; after the three
// handshake messages both sides split in the standard Noise order (the
// initiator sends with the first key). Each vector's messages are written
// by the sender and must equal "ciphertext" byte for byte, then read by the
// receiver and must give back "payload".
//
// Only Noise_XX_25519_AESGCM_SHA256 entries run; the others are counted as
// skipped. A prologue missing is empty; "handshake_hash", when present, must
// equal both sides' final h (flynn/noise's vectors, converted, have none).
// A vector with a field missing, of the wrong type or not hex, or with fewer
// than the three handshake messages, fails.
#ifndef OCKAM_CHANNEL_NOISE_VECTORS_H_
#define OCKAM_CHANNEL_NOISE_VECTORS_H_

#include <nlohmann/json_fwd.hpp>

#include <iosfwd>
#include <string>

namespace ockam::channel {

struct VectorSummary {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

// Runs every vector of a parsed file; one line per vector on `log` ("ok" or
// "FAIL" and why). A file without a "vectors" array is one failure.
VectorSummary run_noise_vectors(const nlohmann::json& file, std::ostream& log);

// "N passed, M failed, K skipped".
std::string summary_line(const VectorSummary& summary);

}  // namespace ockam::channel

#endif  // OCKAM_CHANNEL_NOISE_VECTORS_H_
