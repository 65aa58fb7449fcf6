// Key material that wipes itself.
//
// SecretBytes<N> holds N bytes of key material inline (no heap, so no copy
// is left behind by a reallocation) and overwrites them with zeros when it
// is destroyed, moved from or cleared. wipe() is OPENSSL_cleanse: a store the
// compiler may not drop as dead, which a plain memset before free may be.
//
// INVARIANT (wiped): the bytes of a SecretBytes are zero after its
//   destructor, after clear(), and in the source of a move. Copies are
//   allowed (a key pair passed by value) and each copy wipes itself.
// INVARIANT (constant time): operator== and is_zero() take the same time
//   whatever the bytes (CRYPTO_memcmp), so comparing a key leaks nothing
//   about where it differs.
//
// What it cannot do: wipe copies the caller made through bytes() or data(),
// nor what the CPU or the OS kept (registers, swap). OpenSSL's own key
// schedules are wiped by OpenSSL when its contexts are freed.
#ifndef OCKAM_CRYPTO_SECRET_H_
#define OCKAM_CRYPTO_SECRET_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ockam::crypto {

// Overwrites n bytes at p with zeros, in a way the optimiser keeps.
void wipe(void* p, std::size_t n) noexcept;
inline void wipe(std::span<std::uint8_t> bytes) noexcept { wipe(bytes.data(), bytes.size()); }

// Constant-time equality of two equally long byte ranges.
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

template <std::size_t N>
class SecretBytes {
 public:
  static constexpr std::size_t kSize = N;

  SecretBytes() noexcept = default;  // N zero bytes
  explicit SecretBytes(std::span<const std::uint8_t, N> bytes) noexcept {
    std::copy(bytes.begin(), bytes.end(), bytes_.begin());
  }
  // Empty when `bytes` is not exactly N long.
  static std::optional<SecretBytes> from(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.size() != N) return std::nullopt;
    return SecretBytes(std::span<const std::uint8_t, N>(bytes.data(), N));
  }

  SecretBytes(const SecretBytes&) noexcept = default;
  SecretBytes& operator=(const SecretBytes&) noexcept = default;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(other.bytes_) { other.clear(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      other.clear();
    }
    return *this;
  }
  ~SecretBytes() { clear(); }

  std::span<const std::uint8_t, N> bytes() const noexcept { return bytes_; }
  std::span<std::uint8_t, N> mutable_bytes() noexcept { return bytes_; }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::uint8_t* data() noexcept { return bytes_.data(); }
  static constexpr std::size_t size() noexcept { return N; }

  void clear() noexcept { wipe(bytes_.data(), N); }
  bool is_zero() const noexcept {
    static constexpr std::array<std::uint8_t, N> kZeros{};
    return constant_time_equal(bytes_, kZeros);
  }

  friend bool operator==(const SecretBytes& a, const SecretBytes& b) noexcept {
    return constant_time_equal(a.bytes_, b.bytes_);
  }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

// The 32-byte keys of X25519, AES-256 and the Noise chaining key.
using SecretKey32 = SecretBytes<32>;

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_SECRET_H_
