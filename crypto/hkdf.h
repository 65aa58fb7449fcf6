// HKDF-SHA256 (RFC 5869), and the HKDF of the Noise Protocol Framework.
//
// Noise (revision 34, section 4.3) defines HKDF(chaining_key,
// input_key_material, num_outputs) as
//   temp_key = HMAC(chaining_key, input_key_material)
//   output1  = HMAC(temp_key, 0x01)
//   output2  = HMAC(temp_key, output1 || 0x02)
//   output3  = HMAC(temp_key, output2 || 0x03)
// which is RFC 5869's extract (salt = chaining_key) then expand (empty info)
// to 64 or 96 bytes. So noise_hkdf2/3 are hkdf_sha256, whose expand step is
// OpenSSL's built-in HKDF, and the outputs come out as self-wiping keys.
#ifndef OCKAM_CRYPTO_HKDF_H_
#define OCKAM_CRYPTO_HKDF_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/secret.h"
#include "runtime/result.h"

namespace ockam::crypto {

// RFC 5869 with SHA-256: fills `out` (1 to 255 * 32 bytes) with key material
// from `ikm`, `salt` (empty means 32 zero bytes, per the RFC) and `info`.
Result<void> hkdf_sha256(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
                         std::span<const std::uint8_t> info, std::span<std::uint8_t> out);

// Noise's HKDF with two and three outputs. `ikm` is empty or 32 bytes in
// Noise (a DH result, a PSK), but any length works.
Result<std::array<SecretKey32, 2>> noise_hkdf2(const SecretKey32& chaining_key, std::span<const std::uint8_t> ikm);
Result<std::array<SecretKey32, 3>> noise_hkdf3(const SecretKey32& chaining_key, std::span<const std::uint8_t> ikm);

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_HKDF_H_
