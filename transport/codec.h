// Codec<T>: how a message body of type T crosses the wire. Local delivery
// never uses it (a local send moves the body); a transport encodes the body
// into TransportMessage::payload and decodes it on the other node.
//
// A type opts in with one specialisation:
//
//   template <> struct ockam::transport::Codec<Point> {
//     static void encode(const Point& p, std::vector<std::uint8_t>& out) { ... }
//     static ockam::Result<Point> decode(std::span<const std::uint8_t> in) { ... }
//   };
//
// encode appends to `out`; decode takes exactly one encoded value (trailing
// bytes are an error). bare.h has the primitives (bare::Reader, write_uint,
// write_string, write_fixed...) for BARE-compatible layouts.
//
// Built in, each as Ockam's Rust (serde_bare) encodes the same type:
//   std::string                 BARE string: uint length + UTF-8 bytes (Rust String)
//   std::vector<std::uint8_t>   BARE data:   uint length + bytes       (Rust Vec<u8>)
//   bool                        one byte, 0 or 1                       (Rust bool)
//   (u)int8/16/32/64_t          fixed-width little-endian              (Rust u8..u64, i8..i64)
// Integers are fixed-width, not BARE's varint uint/int, because serde_bare
// maps Rust's u16/u32/u64/i* to BARE's fixed-width types: a Rust peer
// sending a u64 body writes 8 little-endian bytes.
#ifndef OCKAM_TRANSPORT_CODEC_H_
#define OCKAM_TRANSPORT_CODEC_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/result.h"
#include "transport/bare.h"

namespace ockam::transport {

// Left undefined: a type has a codec only if someone specialises this.
template <class T>
struct Codec;

// True if Codec<T> is specialised with the two functions. (Specialise before
// the first use of has_codec_v<T>, as with any trait.)
template <class T>
inline constexpr bool has_codec_v = requires(const T& value, std::vector<std::uint8_t>& out,
                                             std::span<const std::uint8_t> in) {
  { Codec<T>::encode(value, out) } -> std::same_as<void>;
  { Codec<T>::decode(in) } -> std::same_as<Result<T>>;
};

// Appends the encoding of a body; a type without a codec is a compile error
// that says what to do, not a runtime failure.
template <class T>
void encode_body(const T& body, std::vector<std::uint8_t>& out) {
  static_assert(has_codec_v<T>,
                "this body type has no ockam::transport::Codec<T>: specialise it to send the type to a "
                "remote route (see transport/codec.h)");
  Codec<T>::encode(body, out);
}
template <class T>
std::vector<std::uint8_t> encode_body(const T& body) {
  std::vector<std::uint8_t> out;
  encode_body(body, out);
  return out;
}
template <class T>
Result<T> decode_body(std::span<const std::uint8_t> in) {
  static_assert(has_codec_v<T>,
                "this body type has no ockam::transport::Codec<T>: specialise it to receive the type from a "
                "remote route (see transport/codec.h)");
  return Codec<T>::decode(in);
}

template <>
struct Codec<std::string> {
  static void encode(const std::string& s, std::vector<std::uint8_t>& out) { bare::write_string(out, s); }
  static Result<std::string> decode(std::span<const std::uint8_t> in) {
    bare::Reader r(in);
    auto s = r.read_string("string body", std::numeric_limits<std::size_t>::max());
    if (!s) return s.error();
    auto end = r.expect_end("string body");
    if (!end) return end.error();
    return std::string(*s);
  }
};

template <>
struct Codec<std::vector<std::uint8_t>> {
  static void encode(const std::vector<std::uint8_t>& v, std::vector<std::uint8_t>& out) {
    bare::write_data(out, v);
  }
  static Result<std::vector<std::uint8_t>> decode(std::span<const std::uint8_t> in) {
    bare::Reader r(in);
    auto d = r.read_data("byte vector body", std::numeric_limits<std::size_t>::max());
    if (!d) return d.error();
    auto end = r.expect_end("byte vector body");
    if (!end) return end.error();
    return std::vector<std::uint8_t>(d->begin(), d->end());
  }
};

template <>
struct Codec<bool> {
  static void encode(bool b, std::vector<std::uint8_t>& out) { out.push_back(b ? 1 : 0); }
  static Result<bool> decode(std::span<const std::uint8_t> in) {
    bare::Reader r(in);
    auto b = r.read_u8("bool body");
    if (!b) return b.error();
    if (*b > 1) return r.error_at(0, "bool body", "byte " + std::to_string(*b) + " is neither 0 nor 1");
    auto end = r.expect_end("bool body");
    if (!end) return end.error();
    return *b == 1;
  }
};

namespace detail {
// Integers with a fixed-width codec: not bool, not the character types
// (whose wire form would be a string, not a number).
template <class T>
concept FixedInteger =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
    !std::is_same_v<T, wchar_t> && !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
    !std::is_same_v<T, char32_t>;
}  // namespace detail

template <detail::FixedInteger T>
struct Codec<T> {
  static void encode(T v, std::vector<std::uint8_t>& out) { bare::write_fixed(out, v); }
  static Result<T> decode(std::span<const std::uint8_t> in) {
    bare::Reader r(in);
    auto v = r.template read_fixed<T>("integer body");
    if (!v) return v.error();
    auto end = r.expect_end("integer body");
    if (!end) return end.error();
    return *v;
  }
};

}  // namespace ockam::transport

#endif  // OCKAM_TRANSPORT_CODEC_H_
