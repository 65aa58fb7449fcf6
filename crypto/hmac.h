// HMAC-SHA256 (RFC 2104), through OpenSSL's EVP_MAC interface.
//
// Noise defines its HKDF over HMAC-HASH; crypto/hkdf.h computes it with
// OpenSSL's built-in HKDF instead, and hkdf_test checks that the two agree.
#ifndef OCKAM_CRYPTO_HMAC_H_
#define OCKAM_CRYPTO_HMAC_H_

#include <cstdint>
#include <span>

#include "crypto/sha256.h"
#include "runtime/result.h"

namespace ockam::crypto {

// A key of any length (longer than 64 bytes is hashed first, as RFC 2104
// says). The tag is not a SecretBytes: wipe it yourself if it is a key.
Result<Sha256Digest> hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_HMAC_H_
