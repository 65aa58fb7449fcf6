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
//
// Two ways in: the free functions set a key up for one message (a context,
// the cipher fetched, the key schedule expanded, then all freed), and
// Aes256Gcm sets a key up once for many messages, each of which then only
// sets its nonce: what a channel's CipherState uses. They give the same
// bytes.
#ifndef OCKAM_CRYPTO_AES_GCM_H_
#define OCKAM_CRYPTO_AES_GCM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "crypto/secret.h"
#include "runtime/result.h"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX, kept out of this header

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

// One AES-256-GCM key set up once in an OpenSSL context: the cipher fetched
// (EVP_CIPHER_fetch, once) and the key schedule expanded; each seal() and
// open() then only sets its 12-byte nonce. Same bytes, same rules (verified
// or nothing, a failure appends nothing) as the free functions above.
//
// Concurrency contract: not thread-safe; one call at a time. Which thread
// calls may change between calls (an OpenSSL cipher context belongs to no
// thread), so it may travel with its owner from pool thread to pool thread
// as long as whatever hands it over orders the calls (a worker's turns do).
//
// INVARIANT (one key, one owner): move-only, since a copy would be a second
//   holder of the key schedule; a moved-from Aes256Gcm has no context and
//   its seal() and open() are kRefusedCall. The key schedule is cleansed
//   when the object is destroyed or assigned over (EVP_CIPHER_CTX_free
//   cleanses it); the key passed to create() is not kept.
// A failed seal() or open() (a bad tag included) leaves the context usable:
// the next call sets its own nonce.
class Aes256Gcm {
 public:
  // kCryptoLibraryFailure if OpenSSL cannot (out of memory, no provider
  // with AES-256-GCM).
  static Result<Aes256Gcm> create(const Aes256GcmKey& key);

  Aes256Gcm(Aes256Gcm&&) noexcept = default;
  Aes256Gcm& operator=(Aes256Gcm&&) noexcept = default;
  Aes256Gcm(const Aes256Gcm&) = delete;
  Aes256Gcm& operator=(const Aes256Gcm&) = delete;
  ~Aes256Gcm() = default;

  // As aes256gcm_seal(key, nonce, ...) with this object's key.
  Result<void> seal(const AesGcmNonce& nonce, std::span<const std::uint8_t> aad,
                    std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);
  // As aes256gcm_open(key, nonce, ...) with this object's key.
  Result<void> open(const AesGcmNonce& nonce, std::span<const std::uint8_t> aad,
                    std::span<const std::uint8_t> ciphertext_and_tag, std::vector<std::uint8_t>& out);

 private:
  struct ContextFree {
    void operator()(evp_cipher_ctx_st* ctx) const noexcept;  // EVP_CIPHER_CTX_free
  };
  explicit Aes256Gcm(std::unique_ptr<evp_cipher_ctx_st, ContextFree> ctx) : ctx_(std::move(ctx)) {}
  Result<void> set_nonce(const AesGcmNonce& nonce, bool encrypt);

  std::unique_ptr<evp_cipher_ctx_st, ContextFree> ctx_;
};

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_AES_GCM_H_
