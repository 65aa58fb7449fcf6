// std::variant as a BARE union, against bytes derived by hand from the BARE
// spec (draft-devault-bare, "Aggregate types: union"): "a tagged union whose
// value may be one of any type from a set of types. Each type in the set is
// assigned a numeric representation, starting at zero and incrementing for
// each type. The value is encoded as a uint representing the type of the
// value, followed by the encoded value." The same section's primitives: u32
// is 4 bytes little-endian, string a uint length then UTF-8, void nothing.
// serde_bare writes a Rust enum this way, its variant index as the tag.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "codec/codec.h"
#include "codec/testing/point.h"

namespace {
using Bytes = std::vector<std::uint8_t>;
using namespace ockam;
using ockam_test::Point;

// union { u32 | string }: a Rust `enum E { A(u32), B(String) }`.
using U32OrString = std::variant<std::uint32_t, std::string>;

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

struct NoCodec {};

// Copying one throws: an emplace of a copy leaves a variant valueless.
struct Throws {
  Throws() = default;
  Throws(const Throws&) { throw 1; }
  friend void ockam_encode(codec_tag<Throws>, const Throws&, std::vector<std::uint8_t>&) {}
  friend Result<Throws> ockam_decode(codec_tag<Throws>, std::span<const std::uint8_t>) { return Throws{}; }
};
}  // namespace

static_assert(has_codec_v<U32OrString>);
static_assert(has_codec_v<std::variant<Point, bool, std::monostate>>);
static_assert(has_codec_v<std::monostate>);
static_assert(!has_codec_v<std::variant<std::uint32_t, NoCodec>>, "every alternative needs a codec");
static_assert(!has_codec_v<std::variant<double>>);

TEST_CASE("a variant is written as a BARE union: the alternative's index as a uint, then the alternative") {
  CHECK(encode_body(U32OrString(std::uint32_t{0x11223344})) == Bytes{0x00, 0x44, 0x33, 0x22, 0x11});
  CHECK(encode_body(U32OrString(std::string("hi"))) == Bytes{0x01, 0x02, 'h', 'i'});
  CHECK(encode_body(U32OrString(std::string())) == Bytes{0x01, 0x00});
  // A void alternative (a Rust unit variant) is its tag alone.
  using Unit = std::variant<std::monostate, std::uint64_t>;
  CHECK(encode_body(Unit()) == Bytes{0x00});
  CHECK(encode_body(Unit(std::uint64_t{1})) == Bytes{0x01, 1, 0, 0, 0, 0, 0, 0, 0});
  // A user type as an alternative: its own codec after the tag.
  using PointOrBool = std::variant<bool, Point>;
  CHECK(encode_body(PointOrBool(Point{1, -1, "p"})) ==
        Bytes{0x01, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x01, 'p'});
}

TEST_CASE("a BARE union decodes to the variant holding the alternative its tag names") {
  auto number = decode_body<U32OrString>(Bytes{0x00, 0x44, 0x33, 0x22, 0x11});
  REQUIRE(number.has_value());
  REQUIRE(number->index() == 0);
  CHECK(std::get<0>(*number) == 0x11223344u);
  auto text = decode_body<U32OrString>(Bytes{0x01, 0x02, 'h', 'i'});
  REQUIRE(text.has_value());
  REQUIRE(text->index() == 1);
  CHECK(std::get<1>(*text) == "hi");
  auto unit = decode_body<std::variant<std::monostate, std::uint64_t>>(Bytes{0x00});
  REQUIRE(unit.has_value());
  CHECK(unit->index() == 0);
  // Both ways: every value comes back as itself.
  for (const U32OrString& v : {U32OrString(std::uint32_t{0}), U32OrString(std::uint32_t{0xffffffff}),
                               U32OrString(std::string("h\xc3\xa9llo")), U32OrString(std::string(300, 'x'))}) {
    auto back = decode_body<U32OrString>(encode_body(v));
    REQUIRE(back.has_value());
    CHECK(*back == v);
  }
}

TEST_CASE("a BARE union with an unknown tag is refused, naming the tag") {
  auto d = decode_body<U32OrString>(Bytes{0x02, 0x00});
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().code() == kMalformedMessage);
  CHECK(contains(d.error().message(), "tag 2"));
  CHECK(contains(d.error().message(), "2 alternative(s)"));
  // A tag of two bytes (200) is read as a uint, and refused as well.
  CHECK_FALSE(decode_body<U32OrString>(Bytes{0xc8, 0x01, 0x00}).has_value());
}

TEST_CASE("a BARE union is read strictly: trailing bytes, a short alternative, a non-canonical tag are refused") {
  auto trailing = decode_body<U32OrString>(Bytes{0x00, 0x44, 0x33, 0x22, 0x11, 0x00});
  REQUIRE_FALSE(trailing.has_value());
  CHECK(contains(trailing.error().message(), "trailing"));
  CHECK(contains(trailing.error().message(), "union alternative 0"));
  auto trailing_text = decode_body<U32OrString>(Bytes{0x01, 0x01, 'h', 'i'});
  REQUIRE_FALSE(trailing_text.has_value());
  CHECK(contains(trailing_text.error().message(), "trailing"));
  CHECK_FALSE(decode_body<U32OrString>(Bytes{0x00, 0x44, 0x33}).has_value());   // a u32 cut short
  CHECK_FALSE(decode_body<U32OrString>(Bytes{0x01, 0x03, 'h', 'i'}).has_value());  // a string cut short
  auto empty = decode_body<U32OrString>(Bytes{});
  REQUIRE_FALSE(empty.has_value());
  CHECK(contains(empty.error().message(), "union tag"));
  auto redundant = decode_body<U32OrString>(Bytes{0x80, 0x00, 0x44, 0x33, 0x22, 0x11});  // tag 0 in two bytes
  REQUIRE_FALSE(redundant.has_value());
  CHECK(contains(redundant.error().message(), "non-canonical"));
  // A void alternative takes no bytes.
  CHECK_FALSE(decode_body<std::variant<std::monostate, std::uint64_t>>(Bytes{0x00, 0x00}).has_value());
}

TEST_CASE("a body from a peer that is a variant is read as strictly as decode_body, with none of the string leniencies") {
  // For a plain string, decode_peer_body ignores trailing bytes and retries the
  // raw form (codec.h); inside a union the tag says the sender wrote BARE.
  CHECK(decode_peer_body<U32OrString>(Bytes{0x01, 0x02, 'h', 'i'}).has_value());
  CHECK_FALSE(decode_peer_body<U32OrString>(Bytes{0x01, 0x02, 'h', 'i', '!'}).has_value());
  CHECK_FALSE(decode_peer_body<U32OrString>(Bytes{0x01, 'h', 'i'}).has_value());
}

TEST_CASE("a valueless variant is written with a tag no reader takes") {
  std::variant<std::uint32_t, Throws> v;
  const Throws source;
  try {
    v.emplace<1>(source);
  } catch (int) {
  }
  REQUIRE(v.valueless_by_exception());
  const Bytes bytes = encode_body(v);
  CHECK(bytes == Bytes{0x02});
  CHECK_FALSE(decode_body<std::variant<std::uint32_t, Throws>>(bytes).has_value());
}
