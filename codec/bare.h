// BARE primitives (Binary Application Record Encoding, draft-devault-bare):
// the encoding Ockam's Rust crates use for messages through serde_bare.
// docs/wire-format.md says which BARE type each Ockam field maps to.
//
// Writers append to a byte vector. Reader is strict and bounds-checked: it
// never reads past its span, and every failure is an Error naming what was
// being read and at which byte offset.
#ifndef OCKAM_CODEC_BARE_H_
#define OCKAM_CODEC_BARE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "runtime/error.h"
#include "runtime/result.h"

namespace ockam {

// The code of every "these bytes are not a well-formed message" error.
inline constexpr ErrorCode kMalformedMessage = ErrorCode::MalformedMessage;

namespace bare {

// A uint (ULEB128) takes at most 10 bytes: 64 bits in 7-bit groups.
inline constexpr std::size_t kMaxUintSize = 10;

// Bytes write_uint(v) appends: 1 for v < 128, 2 for v < 16384, ...
std::size_t uint_size(std::uint64_t v);
// BARE uint: 7 bits per byte, least significant group first, high bit set on
// every byte but the last. Always the minimal (canonical) form.
void write_uint(std::vector<std::uint8_t>& out, std::uint64_t v);
// BARE data / Rust Vec<u8>: uint length, then the bytes.
void write_data(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes);
// BARE string / Rust String: uint length, then the UTF-8 bytes.
void write_string(std::vector<std::uint8_t>& out, std::string_view s);

// BARE u8..u64 / i8..i64 (Rust's fixed-width integers under serde_bare):
// two's complement, little-endian, exactly sizeof(T) bytes.
template <class T>
  requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
void write_fixed(std::vector<std::uint8_t>& out, T v) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<std::uint8_t>(u & 0xffu));
    if constexpr (sizeof(T) > 1) u = static_cast<U>(u >> 8);
  }
}

// True if `bytes` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF): what Rust's str::from_utf8 accepts.
bool is_utf8(std::span<const std::uint8_t> bytes);

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }
  bool at_end() const { return pos_ == in_.size(); }

  // `what` names the field in error messages ("onward route length").
  // A uint must be canonical: at most 10 bytes, no bits above 64, and no
  // redundant trailing zero groups (the encoder never writes them, and
  // accepting them would give one value several encodings).
  Result<std::uint64_t> read_uint(std::string_view what);
  Result<std::uint8_t> read_u8(std::string_view what);
  // uint length (at most `max` and at most what is left), then the bytes.
  // The span points into the reader's input.
  Result<std::span<const std::uint8_t>> read_data(std::string_view what, std::size_t max);
  // read_data, and the bytes must be UTF-8.
  Result<std::string_view> read_string(std::string_view what, std::size_t max);
  // Exactly n bytes.
  Result<std::span<const std::uint8_t>> read_bytes(std::string_view what, std::size_t n);

  template <class T>
    requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
  Result<T> read_fixed(std::string_view what) {
    auto bytes = read_bytes(what, sizeof(T));
    if (!bytes) return bytes.error();
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (std::size_t i = sizeof(T); i-- > 0;) {
      if constexpr (sizeof(T) > 1) u = static_cast<U>(u << 8);
      u = static_cast<U>(u | (*bytes)[i]);
    }
    return static_cast<T>(u);
  }

  // Success only if every byte was consumed: trailing bytes are an error.
  Result<void> expect_end(std::string_view what);

  // An Error of code kMalformedMessage: "<what> at byte <offset>: <problem>".
  Error error_at(std::size_t offset, std::string_view what, std::string_view problem) const;

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

}  // namespace bare
}  // namespace ockam

#endif  // OCKAM_CODEC_BARE_H_
