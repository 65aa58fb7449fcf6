// Test helpers: byte strings from hex literals, as published vectors write
// them. A malformed literal is a bug in the test, so it throws.
#ifndef OCKAM_CRYPTO_TESTING_BYTES_H_
#define OCKAM_CRYPTO_TESTING_BYTES_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hex.h"
#include "crypto/secret.h"

namespace ockam::crypto::testing {

using Bytes = std::vector<std::uint8_t>;

// Spaces are ignored, so long vectors can be grouped.
inline Bytes unhex(std::string_view hex) {
  std::string compact;
  for (char c : hex) {
    if (c != ' ' && c != '\n') compact.push_back(c);
  }
  auto bytes = from_hex(compact);
  if (!bytes) throw std::invalid_argument("bad hex literal in a test: " + std::string(hex));
  return *bytes;
}

template <std::size_t N>
std::array<std::uint8_t, N> unhex_array(std::string_view hex) {
  const Bytes bytes = unhex(hex);
  if (bytes.size() != N) throw std::invalid_argument("hex literal of the wrong length: " + std::string(hex));
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

template <std::size_t N>
SecretBytes<N> unhex_secret(std::string_view hex) {
  return SecretBytes<N>(std::span<const std::uint8_t, N>(unhex_array<N>(hex)));
}

inline Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline Bytes concat(Bytes a, std::span<const std::uint8_t> b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace ockam::crypto::testing

#endif  // OCKAM_CRYPTO_TESTING_BYTES_H_
