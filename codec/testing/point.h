// A user type with a codec, shared by the codec and TCP tests: what a user
// writes to send their own type to another node.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/bare.h"
#include "codec/codec.h"
#include "runtime/result.h"

namespace ockam_test {

// A user type: a point with a label. Its layout is BARE for the Rust struct
//   struct Point { x: i32, y: i32, label: String }
// (fields in order, i32 fixed little-endian, String as uint length + bytes).
struct Point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  std::string label;
  friend bool operator==(const Point&, const Point&) = default;

  // The two functions that let Point cross the wire: hidden friends, found
  // by argument-dependent lookup wherever Point itself is visible.
  friend void ockam_encode(ockam::codec_tag<Point>, const Point& p, std::vector<std::uint8_t>& out) {
    ockam::bare::write_fixed(out, p.x);
    ockam::bare::write_fixed(out, p.y);
    ockam::bare::write_string(out, p.label);
  }
  friend ockam::Result<Point> ockam_decode(ockam::codec_tag<Point>, std::span<const std::uint8_t> in) {
    ockam::bare::Reader r(in);
    auto x = r.read_fixed<std::int32_t>("Point.x");
    if (!x) return x.error();
    auto y = r.read_fixed<std::int32_t>("Point.y");
    if (!y) return y.error();
    auto label = r.read_string("Point.label", 1024);
    if (!label) return label.error();
    if (auto end = r.expect_end("Point"); !end) return end.error();
    return Point{*x, *y, std::string(*label)};
  }
};

}  // namespace ockam_test
