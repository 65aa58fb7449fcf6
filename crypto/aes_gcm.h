// AES-256-GCM (NIST SP 800-38D) with a 12-byte nonce and a 16-byte tag,
// through OpenSSL's EVP_CIPHER interface (AES-NI when the CPU has it, a
// constant-time software AES otherwise).
//
// INVARIANT (verified or nothing): open() hands out plaintext only when the
//   tag verified; on a bad tag it leaves `out` as it was (the unverified
//   plaintext it decrypted is wiped) and returns kRejectedInput.
// A (key, nonce) pair must never seal two messages: GCM then leaks the XOR
// of the plaintexts and lets the tag be forged. The callers (Noise's
// CipherState, the Ockam channel cipher) count nonces and never reuse one.
#ifndef OCKAM_CRYPTO_AES_GCM_H_
#define OCKAM_CRYPTO_AES_GCM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "crypto/secret.h"
#include "runtime/result.h"

namespace ockam::crypto {

inline constexpr std::size_t kAesGcmNonceSize = 12;
inline constexpr std::size_t kAesGcmTagSize = 16;
// Far above any message this runtime seals (Noise's limit is 65535 bytes);
// it keeps sizes inside OpenSSL's int lengths.
inline constexpr std::size_t kAesGcmMaxInput = std::size_t{1} << 30;

using Aes256GcmKey = SecretKey32;
using AesGcmNonce = std::array<std::uint8_t, kAesGcmNonceSize>;

// Appends ciphertext || tag (plaintext.size() + 16 bytes) to `out`.
Result<void> aes256gcm_seal(const Aes256GcmKey& key, const AesGcmNonce& nonce, std::span<const std::uint8_t> aad,
                            std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);
// Appends the plaintext (ciphertext_and_tag.size() - 16 bytes) to `out`, or
// returns kRejectedInput with `out` unchanged: a bad tag, or an input
// shorter than a tag.
Result<void> aes256gcm_open(const Aes256GcmKey& key, const AesGcmNonce& nonce, std::span<const std::uint8_t> aad,
                            std::span<const std::uint8_t> ciphertext_and_tag, std::vector<std::uint8_t>& out);

// The same, into a new vector.
Result<std::vector<std::uint8_t>> aes256gcm_seal(const Aes256GcmKey& key, const AesGcmNonce& nonce,
                                                 std::span<const std::uint8_t> aad,
                                                 std::span<const std::uint8_t> plaintext);
Result<std::vector<std::uint8_t>> aes256gcm_open(const Aes256GcmKey& key, const AesGcmNonce& nonce,
                                                 std::span<const std::uint8_t> aad,
                                                 std::span<const std::uint8_t> ciphertext_and_tag);

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_AES_GCM_H_
