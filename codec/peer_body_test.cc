// decode_peer_body: a body from another node, read as Ockam's Rust node reads
// it (ockam_node src/parser.rs over serde_bare): the proper form, the raw
// form retried with its length in front, and trailing bytes ignored, for
// every built-in type; a user codec sees the payload exactly as it came.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "codec/testing/point.h"

namespace {
using Bytes = std::vector<std::uint8_t>;
using namespace ockam;
using ockam_test::Point;

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

template <class T>
T peer(const Bytes& payload) {
  auto v = decode_peer_body<T>(payload);
  REQUIRE_MESSAGE(v.has_value(), v.error().message());
  return *v;
}
}  // namespace

TEST_CASE("a string in its proper BARE form reads as it does strictly") {
  CHECK(peer<std::string>(encode_body(std::string("Hello Ockam!"))) == "Hello Ockam!");
  CHECK(peer<std::string>(Bytes{0x00}) == "");
  const std::string long_text(300, 'x');
  CHECK(peer<std::string>(encode_body(long_text)) == long_text);
}

TEST_CASE("a raw string payload without its length reads as the whole payload, as Elixir sends it") {
  // The strict decoder's complaint is the one a real Elixir node's "Hello Ockam!" got.
  const Bytes raw = text("Hello Ockam!");
  CHECK(contains(decode_body<std::string>(raw).error().message(), "length 72 but only 11 byte(s) follow"));
  CHECK(peer<std::string>(raw) == "Hello Ockam!");
  CHECK(peer<std::string>(text("hello")) == "hello");
  CHECK(peer<std::string>(Bytes{}) == "");  // Rust: the retry reads 00, the empty string
  // 128 bytes and more: the length put in front takes two bytes.
  const std::string smileys = [] {
    std::string s;
    for (int i = 0; i < 64; ++i) s += "\xf0\x9f\x98\x80";  // U+1F600, 4 bytes
    return s;
  }();
  CHECK(peer<std::string>(text(smileys)) == smileys);
}

TEST_CASE("bytes after a complete string are ignored") {
  CHECK(peer<std::string>(encode_body(std::string("Hello Ockam!")) + Bytes{0xff}) == "Hello Ockam!");
  CHECK(peer<std::string>(Bytes{0x01, 'a', 'b', 'c'}) == "a");
}

TEST_CASE("a raw string whose first byte reads as a length that fits is read as Rust reads it, not guessed at") {
  // 03 'a' 'b' 'c' 'd': the proper form wins ("abc"), 'd' is ignored. A peer
  // sending "\x03abcd" raw gets the same from a Rust node.
  CHECK(peer<std::string>(Bytes{0x03, 'a', 'b', 'c', 'd'}) == "abc");
}

TEST_CASE("a peer's string must still be UTF-8, in the proper form and in the raw one") {
  for (const Bytes& bad : {Bytes{0x01, 0x80}, Bytes{0xc0, 0xaf}, Bytes{0xed, 0xa0, 0x80}, Bytes{0xff},
                           Bytes{0x02, 0xe2, 0x82}}) {
    CAPTURE(bad.size());
    auto d = decode_peer_body<std::string>(bad);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code() == kMalformedMessage);
    CHECK(contains(d.error().message(), "not valid UTF-8"));
    CHECK(contains(d.error().message(), "as a raw payload"));
  }
}

TEST_CASE("a claimed length beyond the payload is never trusted: the raw reading takes only the bytes there") {
  // uint 2^63 as the length, then two bytes: no 2^63-byte allocation; the
  // retry reads the 12 bytes as they are, and they are not UTF-8.
  const Bytes huge{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 'h', 'i'};
  auto s = decode_peer_body<std::string>(huge);
  REQUIRE_FALSE(s.has_value());
  CHECK(contains(s.error().message(), "length 9223372036854775808 but only 2 byte(s) follow"));
  CHECK(peer<Bytes>(huge) == huge);
  // A length of more than 64 bits fails the proper reading, not the raw one.
  const Bytes overflow{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  CHECK(contains(decode_peer_body<std::string>(overflow).error().message(), "overflows 64 bits"));
  CHECK(peer<Bytes>(overflow) == overflow);
}

TEST_CASE("a length with a redundant zero group reads as serde_bare reads it") {
  CHECK_FALSE(decode_body<Bytes>(Bytes{0x81, 0x00, 'a'}).has_value());  // strict: non-canonical
  CHECK(peer<Bytes>(Bytes{0x81, 0x00, 'a'}) == Bytes{'a'});
  CHECK(peer<std::string>(Bytes{0x81, 0x00, 'a'}) == "a");
}

TEST_CASE("byte vectors read in the proper form, raw, and with trailing bytes") {
  CHECK(peer<Bytes>(Bytes{0x03, 1, 2, 3}) == Bytes{1, 2, 3});
  CHECK(peer<Bytes>(Bytes{0x00}) == Bytes{});
  CHECK(peer<Bytes>(Bytes{0x02, 1, 2, 3}) == Bytes{1, 2});       // trailing 3 ignored
  CHECK(peer<Bytes>(Bytes{0x05, 1}) == Bytes{0x05, 1});          // raw: 05 is no length here
  CHECK(peer<Bytes>(Bytes{}) == Bytes{});                        // raw and empty
  CHECK(peer<Bytes>(Bytes{0xff, 0x00}) == Bytes{0xff, 0x00});    // 127 claimed, none there: raw
  Bytes big(300, 0xee);
  CHECK(peer<Bytes>(big) == big);                                // raw, 300 bytes
}

TEST_CASE("bool reads as serde_bare reads it: the first byte, nonzero is true, the rest ignored") {
  CHECK(peer<bool>(Bytes{0x00}) == false);
  CHECK(peer<bool>(Bytes{0x01}) == true);
  CHECK(peer<bool>(Bytes{0x02}) == true);
  CHECK(peer<bool>(Bytes{0x00, 0xff}) == false);
  CHECK(peer<bool>(Bytes{}) == false);  // the retry reads the length 00
  // We still send 00 or 01, and the strict decoder still refuses 02.
  CHECK(encode_body(true) == Bytes{0x01});
  CHECK_FALSE(decode_body<bool>(Bytes{0x02}).has_value());
}

TEST_CASE("integers read fixed-width from the front, the rest ignored; a short one is read with its length in front, as Rust does") {
  CHECK(peer<std::uint32_t>(Bytes{0x78, 0x56, 0x34, 0x12}) == 0x12345678u);
  CHECK(peer<std::uint16_t>(Bytes{0x34, 0x12, 0xff}) == 0x1234);
  CHECK(peer<std::int64_t>(Bytes(8, 0xff) + Bytes{0x01}) == -1);
  CHECK(peer<std::int8_t>(Bytes{0xff, 0x00}) == -1);
  // Shorter than the integer: Rust's retry reads [length] + payload.
  CHECK(peer<std::uint8_t>(Bytes{}) == 0);                        // 00
  CHECK(peer<std::uint16_t>(Bytes{0xab}) == 0xab01);              // 01 ab
  CHECK(peer<std::uint32_t>(Bytes{0xaa, 0xbb, 0xcc}) == 0xccbbaa03u);  // 03 aa bb cc
  CHECK(peer<std::uint64_t>(Bytes{1, 2, 3, 4, 5, 6, 7}) == 0x0706050403020107u);
  // Two bytes short is short either way.
  auto u32 = decode_peer_body<std::uint32_t>(Bytes{1, 2});
  REQUIRE_FALSE(u32.has_value());
  CHECK(u32.error().code() == kMalformedMessage);
  CHECK(contains(u32.error().message(), "integer body: truncated: needs 4 byte(s)"));
  CHECK(contains(u32.error().message(), "as a raw payload"));
}

TEST_CASE("a user codec gets the payload exactly as it came: no raw retry, and trailing bytes are its own call") {
  const Point p{-3, 70000, "origin"};
  const Bytes e = encode_body(p);
  auto d = decode_peer_body<Point>(e);
  REQUIRE(d.has_value());
  CHECK(*d == p);
  // Point's decoder calls expect_end: a trailing byte is its error, as strictly.
  auto trailing = decode_peer_body<Point>(e + Bytes{0});
  REQUIRE_FALSE(trailing.has_value());
  CHECK(contains(trailing.error().message(), "1 trailing byte(s)"));
  // Cut short by one: a retry with the length (14 = 0e) in front would shift
  // every field; it is not tried, the codec's own error stands.
  auto cut = decode_peer_body<Point>(std::span<const std::uint8_t>(e).first(e.size() - 1));
  REQUIRE_FALSE(cut.has_value());
  CHECK(contains(cut.error().message(), "Point.label"));
  CHECK_FALSE(contains(cut.error().message(), "raw payload"));
}
