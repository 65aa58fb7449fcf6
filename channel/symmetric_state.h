// Noise's SymmetricState (revision 34, section 5.2) for SHA-256 and AESGCM:
// the chaining key ck, the handshake hash h and a CipherState.
//
// INVARIANT (h covers the transcript): every byte a handshake sends or
//   receives goes through mix_hash, directly or inside encrypt_and_hash /
//   decrypt_and_hash, so two sides with equal h saw the same messages.
// INVARIANT (split once): split() wipes ck and leaves the state unusable
//   (every later call is refused), so the transport keys exist only in the
//   two CipherStates it returns.
#ifndef OCKAM_CHANNEL_SYMMETRIC_STATE_H_
#define OCKAM_CHANNEL_SYMMETRIC_STATE_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "channel/cipher_state.h"
#include "crypto/secret.h"
#include "crypto/sha256.h"
#include "runtime/result.h"

namespace ockam::channel {

// Split()'s two CipherStates in the spec's order. In standard Noise the
// initiator encrypts with `first` and the responder with `second`; Ockam at
// 007d435 swaps them (channel/noise_xx.h, ockam_007d435_ciphers).
struct NoiseSplit {
  CipherState first;
  CipherState second;
};

class SymmetricState {
 public:
  // InitializeSymmetric(protocol_name): h is the name zero-padded to 32
  // bytes, or its SHA-256 if longer; ck = h; no key.
  static Result<SymmetricState> initialize(std::string_view protocol_name);

  // MixKey(ikm): ck, k = HKDF(ck, ikm, 2).
  Result<void> mix_key(std::span<const std::uint8_t> input_key_material);
  // MixHash(data): h = SHA-256(h || data).
  Result<void> mix_hash(std::span<const std::uint8_t> data);
  // EncryptAndHash / DecryptAndHash: AEAD with h as associated data, then h
  // absorbs the ciphertext. They append to `out`.
  Result<void> encrypt_and_hash(std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);
  Result<void> decrypt_and_hash(std::span<const std::uint8_t> ciphertext, std::vector<std::uint8_t>& out);
  // Split(): the two transport CipherStates, HKDF(ck, empty, 2).
  Result<NoiseSplit> split();

  bool has_key() const { return cipher_.has_key(); }
  const crypto::Sha256Digest& handshake_hash() const { return h_; }

 private:
  SymmetricState() = default;
  Result<void> check_usable() const;

  crypto::SecretKey32 ck_;
  crypto::Sha256Digest h_{};
  CipherState cipher_;
  bool split_done_ = false;
};

}  // namespace ockam::channel

#endif  // OCKAM_CHANNEL_SYMMETRIC_STATE_H_
