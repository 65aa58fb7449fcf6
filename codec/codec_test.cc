// Codec<T>: the built-in body codecs against hand-derived bytes (as Ockam's
// serde_bare writes the same Rust types), strict decoding, and a user type
// opting in with two functions declared with it.
#include "codec/codec.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "codec/testing/point.h"

namespace {
using Bytes = std::vector<std::uint8_t>;
using namespace ockam;
using ockam_test::Point;  // the user type (codec/testing/point.h)

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

struct NoCodec {};
}  // namespace

static_assert(has_codec_v<std::string>);
static_assert(has_codec_v<std::vector<std::uint8_t>>);
static_assert(has_codec_v<bool>);
static_assert(has_codec_v<std::uint8_t> && has_codec_v<std::int8_t>);
static_assert(has_codec_v<std::uint16_t> && has_codec_v<std::int16_t>);
static_assert(has_codec_v<std::uint32_t> && has_codec_v<std::int32_t>);
static_assert(has_codec_v<std::uint64_t> && has_codec_v<std::int64_t>);
static_assert(has_codec_v<Point>);
static_assert(!has_codec_v<NoCodec>);
static_assert(!has_codec_v<char>);  // a char is text, not a number: no guess
static_assert(!has_codec_v<std::vector<int>>);
static_assert(!has_codec_v<double>);

TEST_CASE("std::string is a BARE string, as Rust's String under serde_bare") {
  CHECK(encode_body(std::string("Hello Ockam!")) ==
        Bytes{0x0c, 'H', 'e', 'l', 'l', 'o', ' ', 'O', 'c', 'k', 'a', 'm', '!'});
  CHECK(encode_body(std::string()) == Bytes{0x00});
  const std::string long_text(300, 'x');  // 300 = 0xac 0x02
  Bytes e = encode_body(long_text);
  CHECK(e.size() == 302);
  CHECK(e[0] == 0xac);
  CHECK(e[1] == 0x02);
  auto d = decode_body<std::string>(e);
  REQUIRE(d.has_value());
  CHECK(*d == long_text);
  const std::string utf8 = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";  // é, €, 😀
  auto u = decode_body<std::string>(encode_body(utf8));
  REQUIRE(u.has_value());
  CHECK(*u == utf8);
}

TEST_CASE("std::string decoding is strict") {
  CHECK(contains(decode_body<std::string>(Bytes{}).error().message(), "truncated"));
  CHECK(contains(decode_body<std::string>(Bytes{0x03, 'a', 'b'}).error().message(),
                 "length 3 but only 2 byte(s) follow"));
  CHECK(contains(decode_body<std::string>(Bytes{0x01, 'a', 'b'}).error().message(), "1 trailing byte(s)"));
  CHECK(contains(decode_body<std::string>(Bytes{0x81, 0x00, 'a'}).error().message(), "non-canonical"));
  // Not UTF-8: a lone continuation byte, an overlong '/', a surrogate, > U+10FFFF, a cut sequence.
  for (const Bytes& bad : {Bytes{0x01, 0x80}, Bytes{0x02, 0xc0, 0xaf}, Bytes{0x03, 0xed, 0xa0, 0x80},
                           Bytes{0x04, 0xf4, 0x90, 0x80, 0x80}, Bytes{0x02, 0xe2, 0x82}, Bytes{0x01, 0xff}}) {
    auto d = decode_body<std::string>(bad);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code() == kMalformedMessage);
    CHECK(contains(d.error().message(), "not valid UTF-8"));
  }
}

TEST_CASE("byte vectors are BARE data, as Rust's Vec<u8>") {
  CHECK(encode_body(Bytes{1, 2, 3}) == Bytes{0x03, 1, 2, 3});
  CHECK(encode_body(Bytes{}) == Bytes{0x00});
  Bytes big(200, 0xee);
  Bytes e = encode_body(big);
  CHECK(e.size() == 202);
  CHECK(e[0] == 0xc8);
  CHECK(e[1] == 0x01);
  auto d = decode_body<Bytes>(e);
  REQUIRE(d.has_value());
  CHECK(*d == big);
  // Any bytes, UTF-8 or not.
  auto raw = decode_body<Bytes>(Bytes{0x02, 0xff, 0x00});
  REQUIRE(raw.has_value());
  CHECK(*raw == Bytes{0xff, 0x00});
  CHECK_FALSE(decode_body<Bytes>(Bytes{0x05, 1}).has_value());
  CHECK_FALSE(decode_body<Bytes>(Bytes{0x00, 0x00}).has_value());
}

TEST_CASE("integers are fixed-width little-endian, as serde_bare writes Rust's u16..u64, i8..i64") {
  CHECK(encode_body(std::uint8_t{0xab}) == Bytes{0xab});
  CHECK(encode_body(std::uint16_t{0x1234}) == Bytes{0x34, 0x12});
  CHECK(encode_body(std::uint32_t{0x01020304}) == Bytes{0x04, 0x03, 0x02, 0x01});
  CHECK(encode_body(std::uint64_t{1}) == Bytes{1, 0, 0, 0, 0, 0, 0, 0});
  CHECK(encode_body(std::int8_t{-1}) == Bytes{0xff});
  CHECK(encode_body(std::int16_t{-2}) == Bytes{0xfe, 0xff});
  CHECK(encode_body(std::int32_t{-1}) == Bytes{0xff, 0xff, 0xff, 0xff});
  CHECK(encode_body(std::numeric_limits<std::int64_t>::min()) == Bytes{0, 0, 0, 0, 0, 0, 0, 0x80});

  CHECK(*decode_body<std::uint32_t>(Bytes{0x04, 0x03, 0x02, 0x01}) == 0x01020304u);
  CHECK(*decode_body<std::int16_t>(Bytes{0xfe, 0xff}) == -2);
  CHECK(*decode_body<std::int64_t>(Bytes{0, 0, 0, 0, 0, 0, 0, 0x80}) == std::numeric_limits<std::int64_t>::min());
  CHECK(*decode_body<std::uint64_t>(Bytes(8, 0xff)) == std::numeric_limits<std::uint64_t>::max());

  auto shortv = decode_body<std::uint32_t>(Bytes{1, 2, 3});
  REQUIRE_FALSE(shortv.has_value());
  CHECK(contains(shortv.error().message(), "integer body at byte 0: truncated: needs 4 byte(s), 3 left"));
  auto longv = decode_body<std::uint16_t>(Bytes{1, 2, 3});
  REQUIRE_FALSE(longv.has_value());
  CHECK(contains(longv.error().message(), "1 trailing byte(s)"));
}

TEST_CASE("bool is one byte, 0 or 1") {
  CHECK(encode_body(true) == Bytes{1});
  CHECK(encode_body(false) == Bytes{0});
  CHECK(*decode_body<bool>(Bytes{1}) == true);
  CHECK(*decode_body<bool>(Bytes{0}) == false);
  CHECK(contains(decode_body<bool>(Bytes{2}).error().message(), "neither 0 nor 1"));
  CHECK_FALSE(decode_body<bool>(Bytes{}).has_value());
  CHECK_FALSE(decode_body<bool>(Bytes{1, 1}).has_value());
}

TEST_CASE("a user type opts in with two functions declared with it") {
  const Point p{-3, 70000, "origin"};
  const Bytes e = encode_body(p);
  // x = -3: fd ff ff ff; y = 70000 = 0x11170: 70 11 01 00; label: 06 "origin".
  CHECK(e == Bytes{0xfd, 0xff, 0xff, 0xff, 0x70, 0x11, 0x01, 0x00, 0x06, 'o', 'r', 'i', 'g', 'i', 'n'});
  auto d = decode_body<Point>(e);
  REQUIRE(d.has_value());
  CHECK(*d == p);
  auto bad = decode_body<Point>(std::span<const std::uint8_t>(e).first(6));
  REQUIRE_FALSE(bad.has_value());
  CHECK(contains(bad.error().message(), "Point.y at byte 4: truncated"));
}
