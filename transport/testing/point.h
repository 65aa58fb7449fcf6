// A user type with a Codec, shared by the codec and TCP tests: what a user
// writes to send their own type to another node.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/result.h"
#include "transport/bare.h"
#include "transport/codec.h"

namespace ockam_test {

// A user type: a point with a label. Its layout is BARE for the Rust struct
//   struct Point { x: i32, y: i32, label: String }
// (fields in order, i32 fixed little-endian, String as uint length + bytes).
struct Point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  std::string label;
  friend bool operator==(const Point&, const Point&) = default;
};

}  // namespace ockam_test

// The one specialisation that lets Point cross the wire.
template <>
struct ockam::transport::Codec<ockam_test::Point> {
  static void encode(const ockam_test::Point& p, std::vector<std::uint8_t>& out) {
    bare::write_fixed(out, p.x);
    bare::write_fixed(out, p.y);
    bare::write_string(out, p.label);
  }
  static ockam::Result<ockam_test::Point> decode(std::span<const std::uint8_t> in) {
    bare::Reader r(in);
    auto x = r.read_fixed<std::int32_t>("Point.x");
    if (!x) return x.error();
    auto y = r.read_fixed<std::int32_t>("Point.y");
    if (!y) return y.error();
    auto label = r.read_string("Point.label", 1024);
    if (!label) return label.error();
    if (auto end = r.expect_end("Point"); !end) return end.error();
    return ockam_test::Point{*x, *y, std::string(*label)};
  }
};
