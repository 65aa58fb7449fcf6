// SHA-256 (FIPS 180-4), through OpenSSL's EVP_Digest interface.
#ifndef OCKAM_CRYPTO_SHA256_H_
#define OCKAM_CRYPTO_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "runtime/result.h"

namespace ockam::crypto {

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Size>;

Result<Sha256Digest> sha256(std::span<const std::uint8_t> data);
// The digest of the parts one after the other, without joining them first:
// Noise's MixHash is SHA-256(h || data).
Result<Sha256Digest> sha256(std::initializer_list<std::span<const std::uint8_t>> parts);

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_SHA256_H_
