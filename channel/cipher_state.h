// Noise's CipherState (Noise Protocol Framework, revision 34, section 5.1)
// for the cipher AESGCM: a 32-byte key k and a 64-bit nonce n.
//
// INVARIANT (one use per nonce): each successful encrypt_with_ad() uses the
//   nonce n and then increments it, so a key never seals two messages under
//   one nonce. set_nonce() may move n anywhere (Noise allows it for
//   transports that carry the nonce); reusing a nonce for encryption after
//   that is the caller's bug.
// INVARIANT (reserved nonce): n = 2^64-1 is never used: with n there, every
//   encrypt and decrypt is refused (kRefusedCall), as the spec says, so a
//   cipher that has sealed 2^64-1 messages stops instead of wrapping.
// INVARIANT (failed decrypt changes nothing): a decrypt that fails (bad tag)
//   leaves n and the output as they were.
//
// INVARIANT (no twin): a CipherState cannot be copied, since two copies
//   would seal different messages under the same nonce; a moved-from one has
//   no key (it never holds the zeros its moved key left behind).
//
// Without a key (before the handshake's first DH), encrypt and decrypt pass
// the bytes through unchanged, as Noise defines.
//
// The key is set up once, when it is given (crypto::Aes256Gcm: one OpenSSL
// context, its key schedule expanded), and each message only sets its
// nonce. The CipherState keeps no other copy of the key; the schedule is
// cleansed when the CipherState is destroyed, moved from, or given another
// key (initialize_key). If OpenSSL cannot set a key up (out of memory),
// has_key() is still true and every encrypt and decrypt returns that
// kCryptoLibraryFailure, changing nothing.
//
// AESGCM's 96-bit nonce is 32 zero bits then n big-endian (spec 12.3).
#ifndef OCKAM_CHANNEL_CIPHER_STATE_H_
#define OCKAM_CHANNEL_CIPHER_STATE_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "crypto/aes_gcm.h"
#include "crypto/secret.h"
#include "runtime/result.h"

namespace ockam::channel {

// Concurrency contract: not thread-safe; one call at a time. A channel's
// CipherState is used by one worker, whose turns may run on different pool
// threads over time: that is fine (the OpenSSL context belongs to no
// thread), as long as the hand-over orders the calls, as a worker's turns
// are ordered. Two threads calling at once, even encrypt on one and decrypt
// on the other, race on the one context.
class CipherState {
 public:
  // The spec reserves 2^64-1; this is the last nonce a message may use.
  static constexpr std::uint64_t kMaxNonce = std::numeric_limits<std::uint64_t>::max() - 1;

  CipherState() = default;  // no key
  explicit CipherState(crypto::SecretKey32 key) { initialize_key(std::move(key)); }
  CipherState(const CipherState&) = delete;
  CipherState& operator=(const CipherState&) = delete;
  CipherState(CipherState&& other) noexcept;
  CipherState& operator=(CipherState&& other) noexcept;
  ~CipherState() = default;  // the context's own destructor cleanses the key schedule

  // InitializeKey(k): the key, and n = 0.
  void initialize_key(crypto::SecretKey32 key);
  bool has_key() const { return key_.has_value(); }
  std::uint64_t nonce() const { return nonce_; }
  // SetNonce(n).
  void set_nonce(std::uint64_t n) { nonce_ = n; }

  // EncryptWithAd(ad, plaintext): appends the ciphertext and tag to `out`
  // (or the plaintext, without a key).
  Result<void> encrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> plaintext,
                               std::vector<std::uint8_t>& out);
  // DecryptWithAd(ad, ciphertext): appends the plaintext to `out`. A bad tag
  // is kRejectedInput, with `out` and the nonce unchanged.
  Result<void> decrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> ciphertext,
                               std::vector<std::uint8_t>& out);

  Result<std::vector<std::uint8_t>> encrypt_with_ad(std::span<const std::uint8_t> ad,
                                                    std::span<const std::uint8_t> plaintext);
  Result<std::vector<std::uint8_t>> decrypt_with_ad(std::span<const std::uint8_t> ad,
                                                    std::span<const std::uint8_t> ciphertext);

  // The AESGCM nonce for n: 4 zero bytes, then n as 8 bytes big-endian.
  static crypto::AesGcmNonce aesgcm_nonce(std::uint64_t n);

 private:
  Result<void> check_nonce() const;

  // The key, set up; or why OpenSSL could not set it up. Empty: no key.
  std::optional<Result<crypto::Aes256Gcm>> key_;
  std::uint64_t nonce_ = 0;
};

}  // namespace ockam::channel

#endif  // OCKAM_CHANNEL_CIPHER_STATE_H_
