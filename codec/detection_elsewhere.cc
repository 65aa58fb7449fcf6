// A translation unit that includes Point's header and nothing else: what it
// concludes about Point's codec (detection_test.cc compares).
#include "codec/testing/point.h"

namespace ockam_test {

bool point_has_codec_elsewhere() { return ockam::has_codec_v<Point>; }

std::vector<std::uint8_t> encode_point_elsewhere(const Point& p) {
  if constexpr (ockam::has_codec_v<Point>) {
    return ockam::encode_body(p);
  } else {
    return {};
  }
}

}  // namespace ockam_test
