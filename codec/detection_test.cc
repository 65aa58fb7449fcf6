// Whether a type has a codec is decided by the type: the same answer, and the
// same encoder, in every translation unit that sees it; and only a type's own
// two functions count.
#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "codec/testing/point.h"

namespace ockam_test {
// detection_elsewhere.cc
bool point_has_codec_elsewhere();
std::vector<std::uint8_t> encode_point_elsewhere(const Point& p);
}  // namespace ockam_test

namespace geo {
// The other spelling: free functions in the type's namespace, right after it.
struct Meters {
  std::uint32_t value = 0;
};
inline void ockam_encode(ockam::codec_tag<Meters>, const Meters& m, std::vector<std::uint8_t>& out) {
  ockam::encode_body(m.value, out);
}
inline ockam::Result<Meters> ockam_decode(ockam::codec_tag<Meters>, std::span<const std::uint8_t> in) {
  auto v = ockam::decode_body<std::uint32_t>(in);
  if (!v) return v.error();
  return Meters{*v};
}
}  // namespace geo

namespace {
using ockam::has_codec_v;
using ockam_test::Point;

// A base class's codec is not its derived class's: it would drop the rest.
struct LabelledPoint : Point {
  std::string note;
};
// Converting to a type with a codec is not having one.
struct Text {
  operator std::string() const { return "text"; }  // NOLINT: the conversion under test
};
// Half a codec is none.
struct EncodeOnly {
  friend void ockam_encode(ockam::codec_tag<EncodeOnly>, const EncodeOnly&, std::vector<std::uint8_t>&) {}
};
// A decode with another result type is none.
struct WrongDecode {
  friend void ockam_encode(ockam::codec_tag<WrongDecode>, const WrongDecode&, std::vector<std::uint8_t>&) {}
  friend ockam::Result<int> ockam_decode(ockam::codec_tag<WrongDecode>, std::span<const std::uint8_t>) { return 0; }
};
}  // namespace

static_assert(has_codec_v<Point>);
static_assert(has_codec_v<geo::Meters>);
static_assert(!has_codec_v<LabelledPoint>);
static_assert(!has_codec_v<Text>);
static_assert(!has_codec_v<EncodeOnly>);
static_assert(!has_codec_v<WrongDecode>);

TEST_CASE("a type's codec is found in every translation unit that sees the type, and encodes the same bytes") {
  const Point p{1, -1, "a"};
  CHECK(ockam_test::point_has_codec_elsewhere() == has_codec_v<Point>);
  CHECK(ockam_test::encode_point_elsewhere(p) == ockam::encode_body(p));
}

TEST_CASE("a codec declared as free functions beside the type works as hidden friends do") {
  const std::vector<std::uint8_t> e = ockam::encode_body(geo::Meters{0x01020304});
  CHECK(e == std::vector<std::uint8_t>{0x04, 0x03, 0x02, 0x01});
  auto d = ockam::decode_body<geo::Meters>(e);
  REQUIRE(d.has_value());
  CHECK(d->value == 0x01020304u);
}
