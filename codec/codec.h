// Codec<T>: how a message body of type T crosses the wire. Local delivery
// never uses it (a local send moves the body); a transport encodes the body
// into TransportMessage::payload and decodes it on the other node.
//
// A type has a codec when two functions are found for it by argument-
// dependent lookup, so the answer comes from the type itself. Declare them
// with the type, best as hidden friends: then they are part of its
// definition, and no translation unit sees the type without its codec.
//
//   struct Point {
//     std::int32_t x = 0, y = 0;
//     friend void ockam_encode(ockam::codec_tag<Point>, const Point& p, std::vector<std::uint8_t>& out) {
//       ockam::bare::write_fixed(out, p.x);
//       ockam::bare::write_fixed(out, p.y);
//     }
//     friend ockam::Result<Point> ockam_decode(ockam::codec_tag<Point>, std::span<const std::uint8_t> in) {
//       ockam::bare::Reader r(in);
//       auto x = r.read_fixed<std::int32_t>("Point.x");
//       if (!x) return x.error();
//       auto y = r.read_fixed<std::int32_t>("Point.y");
//       if (!y) return y.error();
//       if (auto end = r.expect_end("Point"); !end) return end.error();
//       return Point{*x, *y};
//     }
//   };
//
// (Free functions in the type's namespace work as well, declared in the
// type's own header, right after it.) ockam_encode appends to `out`;
// ockam_decode takes exactly one encoded value (trailing bytes are an error).
// The tag makes a match exact, so no conversion or base class lends its codec
// to another type, and its namespace puts the built-in codecs below in reach
// of the lookup. bare.h has the primitives (bare::Reader, write_uint,
// write_string, write_fixed...) for BARE-compatible layouts.
//
// Codec<T>::encode/decode (and encode_body/decode_body) call those functions.
// Codec is an alias template, so it cannot be specialised: a specialisation
// seen by some translation units and not by others gave one type two
// encoders, an ODR violation that linked silently.
//
// Built in, each as Ockam's Rust (serde_bare) encodes the same type:
//   std::string                 BARE string: uint length + UTF-8 bytes (Rust String)
//   std::vector<std::uint8_t>   BARE data:   uint length + bytes       (Rust Vec<u8>)
//   bool                        one byte, 0 or 1                       (Rust bool)
//   (u)int8/16/32/64_t          fixed-width little-endian              (Rust u8..u64, i8..i64)
//   std::monostate              BARE void: no bytes                    (Rust (), a unit variant's content)
//   std::variant<Ts...>         BARE union: uint tag (the alternative's (Rust enum: the variant's index,
//     when every Ts has one     index), then the alternative           in declaration order)
// Integers are fixed-width, not BARE's varint uint/int, because serde_bare
// maps Rust's u16/u32/u64/i* to BARE's fixed-width types: a Rust peer
// sending a u64 body writes 8 little-endian bytes. A variant is how
// serde_bare writes a Rust enum: `enum Msg { Start(Start), Sum(u64) }` and
// std::variant<Start, std::uint64_t> are the same bytes, and a unit variant
// (`Stop`) is a std::monostate alternative (or an empty struct with an
// empty codec).
//
// Bodies from another node are read with decode_peer_body (below), which for
// the built-in types accepts what Ockam's Rust node accepts; decode_body and
// Codec<T>::decode stay strict. We always send the strict form.
#ifndef OCKAM_CODEC_CODEC_H_
#define OCKAM_CODEC_CODEC_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "codec/bare.h"
#include "runtime/result.h"

namespace ockam {

// The first argument of ockam_encode and ockam_decode: names the type the
// codec is for (ockam_decode has no argument of it).
template <class T>
struct codec_tag {};

// The built-in codecs (table above), found through codec_tag's namespace.
void ockam_encode(codec_tag<std::string>, const std::string& s, std::vector<std::uint8_t>& out);
Result<std::string> ockam_decode(codec_tag<std::string>, std::span<const std::uint8_t> in);
void ockam_encode(codec_tag<std::vector<std::uint8_t>>, const std::vector<std::uint8_t>& v,
                  std::vector<std::uint8_t>& out);
Result<std::vector<std::uint8_t>> ockam_decode(codec_tag<std::vector<std::uint8_t>>, std::span<const std::uint8_t> in);
void ockam_encode(codec_tag<bool>, bool b, std::vector<std::uint8_t>& out);
Result<bool> ockam_decode(codec_tag<bool>, std::span<const std::uint8_t> in);
void ockam_encode(codec_tag<std::monostate>, std::monostate, std::vector<std::uint8_t>& out);
Result<std::monostate> ockam_decode(codec_tag<std::monostate>, std::span<const std::uint8_t> in);

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
void ockam_encode(codec_tag<T>, T v, std::vector<std::uint8_t>& out) {
  bare::write_fixed(out, v);
}
template <detail::FixedInteger T>
Result<T> ockam_decode(codec_tag<T>, std::span<const std::uint8_t> in) {
  bare::Reader r(in);
  auto v = r.template read_fixed<T>("integer body");
  if (!v) return v.error();
  auto end = r.expect_end("integer body");
  if (!end) return end.error();
  return *v;
}

// True if T has a codec: both functions found, with these exact results.
template <class T>
inline constexpr bool has_codec_v = requires(const T& value, std::vector<std::uint8_t>& out,
                                             std::span<const std::uint8_t> in) {
  { ockam_encode(codec_tag<T>{}, value, out) } -> std::same_as<void>;
  { ockam_decode(codec_tag<T>{}, in) } -> std::same_as<Result<T>>;
};

namespace detail {
template <class T>
struct CodecFacade {
  // A compile error that says what to do, not a runtime failure.
  static_assert(has_codec_v<T>,
                "this body type has no codec: declare ockam_encode and ockam_decode with it to send it to, or "
                "receive it from, another node (see codec/codec.h)");
  static void encode(const T& value, std::vector<std::uint8_t>& out) { ockam_encode(codec_tag<T>{}, value, out); }
  static Result<T> decode(std::span<const std::uint8_t> in) { return ockam_decode(codec_tag<T>{}, in); }
};
}  // namespace detail

template <class T>
using Codec = detail::CodecFacade<T>;

// The BARE union (table above). Decoding is strict: a canonical uint tag
// below the number of alternatives, then exactly one value of that
// alternative, read by its own codec (trailing bytes are an error). A
// valueless variant (an exception left it empty) is written with the tag
// one past the last, which every reader refuses.
namespace detail {
template <class V, std::size_t I>
Result<V> decode_alternative(std::span<const std::uint8_t> in, std::size_t offset) {
  using T = std::variant_alternative_t<I, V>;
  Result<T> value = Codec<T>::decode(in.subspan(offset));
  if (!value) {
    return Error(value.error().code(), "union alternative " + std::to_string(I) + " (from byte " +
                                           std::to_string(offset) + "): " + value.error().message());
  }
  return V(std::in_place_index<I>, std::move(value).value());
}
template <class V, std::size_t... I>
Result<V> decode_union(std::span<const std::uint8_t> in, std::index_sequence<I...>) {
  bare::Reader r(in);
  auto tag = r.read_uint("union tag");
  if (!tag) return tag.error();
  if (*tag >= sizeof...(I)) {
    return r.error_at(0, "union tag", "tag " + std::to_string(*tag) + ", but the union has " +
                                          std::to_string(sizeof...(I)) + " alternative(s)");
  }
  using Decode = Result<V> (*)(std::span<const std::uint8_t>, std::size_t);
  static constexpr Decode kDecode[] = {&decode_alternative<V, I>...};
  return kDecode[*tag](in, r.offset());
}
}  // namespace detail

template <class... Ts>
  requires(has_codec_v<Ts> && ...)
void ockam_encode(codec_tag<std::variant<Ts...>>, const std::variant<Ts...>& v, std::vector<std::uint8_t>& out) {
  if (v.valueless_by_exception()) return bare::write_uint(out, sizeof...(Ts));
  bare::write_uint(out, v.index());
  std::visit([&out](const auto& alternative) { Codec<std::decay_t<decltype(alternative)>>::encode(alternative, out); },
             v);
}
template <class... Ts>
  requires(has_codec_v<Ts> && ...)
Result<std::variant<Ts...>> ockam_decode(codec_tag<std::variant<Ts...>>, std::span<const std::uint8_t> in) {
  return detail::decode_union<std::variant<Ts...>>(in, std::index_sequence_for<Ts...>{});
}

// Appends the encoding of a body.
template <class T>
void encode_body(const T& body, std::vector<std::uint8_t>& out) {
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
  return Codec<T>::decode(in);
}

namespace detail {
// decode_peer_body for the built-in types (codec.cc).
Result<std::string> decode_peer(codec_tag<std::string>, std::span<const std::uint8_t> payload);
Result<std::vector<std::uint8_t>> decode_peer(codec_tag<std::vector<std::uint8_t>>,
                                              std::span<const std::uint8_t> payload);
Result<bool> decode_peer(codec_tag<bool>, std::span<const std::uint8_t> payload);
// A fixed-width little-endian integer of `width` bytes, zero-extended.
Result<std::uint64_t> decode_peer_fixed(std::size_t width, std::span<const std::uint8_t> payload);
}  // namespace detail

// A body that came from another node (a TransportMessage payload), as the
// runtime decodes it for the receiving worker (and for the app's receive<T>).
//
// For the built-in types this reads what Ockam's Rust node reads, with the
// value Rust gets (ockam_node src/parser.rs over serde_bare::from_slice):
//   1. one value from the start of the payload; bytes after it are ignored;
//   2. if that fails, one value from the payload with its own length put in
//      front (a uint): the raw form, in which Elixir's routing example sends
//      a string as its bare bytes ("Hello" arrives as 48 65 6c 6c 6f).
// Strings are still checked as UTF-8 in both; a length is never trusted
// beyond the bytes there, and nothing larger than the payload is allocated.
// serde_bare's own leniencies come with it: a uint with redundant zero
// groups, and any nonzero byte as bool true. docs/wire-format.md lists the
// consequences byte by byte.
//
// A variant (a BARE union) is read strictly, its alternative too: the tag
// says the sender wrote BARE, so there is no raw form to guess at, and the
// alternative's codec knows where its value ends.
//
// A user type's ockam_decode gets the payload exactly as it came, with
// neither leniency: the retry guesses at how a non-Rust peer sent a string
// or bytes, which says nothing about a user's layout (a length put in front
// of a struct would be read as its first field), and only the codec knows
// where its value ends. One that wants Rust's reading of trailing bytes
// leaves out its expect_end.
template <class T>
Result<T> decode_peer_body(std::span<const std::uint8_t> payload) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<std::uint8_t>> ||
                std::is_same_v<T, bool>) {
    return detail::decode_peer(codec_tag<T>{}, payload);
  } else if constexpr (detail::FixedInteger<T>) {
    auto v = detail::decode_peer_fixed(sizeof(T), payload);
    if (!v) return v.error();
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(*v));
  } else {
    return Codec<T>::decode(payload);
  }
}

}  // namespace ockam

#endif  // OCKAM_CODEC_CODEC_H_
