#include "codec/codec.h"

#include <cstddef>
#include <limits>

namespace ockam {

void ockam_encode(codec_tag<std::string>, const std::string& s, std::vector<std::uint8_t>& out) {
  bare::write_string(out, s);
}

Result<std::string> ockam_decode(codec_tag<std::string>, std::span<const std::uint8_t> in) {
  bare::Reader r(in);
  auto s = r.read_string("string body", std::numeric_limits<std::size_t>::max());
  if (!s) return s.error();
  auto end = r.expect_end("string body");
  if (!end) return end.error();
  return std::string(*s);
}

void ockam_encode(codec_tag<std::vector<std::uint8_t>>, const std::vector<std::uint8_t>& v,
                  std::vector<std::uint8_t>& out) {
  bare::write_data(out, v);
}

Result<std::vector<std::uint8_t>> ockam_decode(codec_tag<std::vector<std::uint8_t>>, std::span<const std::uint8_t> in) {
  bare::Reader r(in);
  auto d = r.read_data("byte vector body", std::numeric_limits<std::size_t>::max());
  if (!d) return d.error();
  auto end = r.expect_end("byte vector body");
  if (!end) return end.error();
  return std::vector<std::uint8_t>(d->begin(), d->end());
}

void ockam_encode(codec_tag<bool>, bool b, std::vector<std::uint8_t>& out) { out.push_back(b ? 1 : 0); }

Result<bool> ockam_decode(codec_tag<bool>, std::span<const std::uint8_t> in) {
  bare::Reader r(in);
  auto b = r.read_u8("bool body");
  if (!b) return b.error();
  if (*b > 1) return r.error_at(0, "bool body", "byte " + std::to_string(*b) + " is neither 0 nor 1");
  auto end = r.expect_end("bool body");
  if (!end) return end.error();
  return *b == 1;
}

}  // namespace ockam
