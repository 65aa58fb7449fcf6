// Hex strings, as test vectors and logs write bytes.
#ifndef OCKAM_CRYPTO_HEX_H_
#define OCKAM_CRYPTO_HEX_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ockam::crypto {

// Lower-case, two digits a byte, no separators.
std::string to_hex(std::span<const std::uint8_t> bytes);
// Strict: an even number of hex digits (either case) and nothing else;
// empty for anything else. "" is the empty byte string.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex);

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_HEX_H_
