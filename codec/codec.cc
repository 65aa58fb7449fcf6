#include "codec/codec.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <string_view>

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

void ockam_encode(codec_tag<std::monostate>, std::monostate, std::vector<std::uint8_t>&) {}

Result<std::monostate> ockam_decode(codec_tag<std::monostate>, std::span<const std::uint8_t> in) {
  bare::Reader r(in);
  auto end = r.expect_end("void body");
  if (!end) return end.error();
  return std::monostate{};
}

namespace detail {
namespace {

Error problem(std::string text) { return Error(kMalformedMessage, std::move(text)); }

// Reads a body from the front as serde_bare does, leaving what follows the
// value unread. The input is two pieces, so Rust's retry can put the
// payload's length in front of it without copying the payload.
class PeerReader {
 public:
  PeerReader(std::span<const std::uint8_t> head, std::span<const std::uint8_t> body) : head_(head), body_(body) {}

  std::size_t remaining() const { return head_.size() + body_.size() - pos_; }

  Result<std::uint8_t> read_u8() {
    if (remaining() == 0) return problem("truncated: no byte left");
    const std::uint8_t b = pos_ < head_.size() ? head_[pos_] : body_[pos_ - head_.size()];
    ++pos_;
    return b;
  }

  // serde_bare's uint. Unlike bare::Reader it takes redundant zero groups
  // (81 00 is 1), as serde_bare does, so the value is the one Rust reads;
  // more than 10 bytes or 64 bits fails.
  Result<std::uint64_t> read_uint() {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bare::kMaxUintSize; ++i) {
      auto b = read_u8();
      if (!b) return problem("truncated: the input ends inside a length");
      if (i == bare::kMaxUintSize - 1 && *b > 1) return problem("a length overflows 64 bits");
      v |= static_cast<std::uint64_t>(*b & 0x7f) << (7 * i);
      if ((*b & 0x80) == 0) break;
    }
    return v;
  }

  // Appends n bytes to out. Checked against what is left before anything is
  // allocated, so a claimed length costs no more than the bytes there.
  template <class Out>
  Result<void> append(std::uint64_t n, Out& out) {
    if (n > remaining()) {
      return problem("length " + std::to_string(n) + " but only " + std::to_string(remaining()) + " byte(s) follow");
    }
    out.reserve(out.size() + n);
    std::size_t left = static_cast<std::size_t>(n);
    if (pos_ < head_.size()) {
      const std::size_t take = std::min(left, head_.size() - pos_);
      out.insert(out.end(), head_.begin() + pos_, head_.begin() + pos_ + take);
      pos_ += take;
      left -= take;
    }
    const std::size_t from = pos_ - head_.size();
    out.insert(out.end(), body_.begin() + from, body_.begin() + from + left);
    pos_ += left;
    return {};
  }

 private:
  std::span<const std::uint8_t> head_;
  std::span<const std::uint8_t> body_;
  std::size_t pos_ = 0;
};

// ockam_node's parser: the payload as it came, then with its length in
// front; a value is read from the front of each, the rest ignored. The one
// place that decides how lenient a peer's body may be.
template <class T, class ReadOne>
Result<T> read_as_rust_does(std::span<const std::uint8_t> payload, std::string_view what, ReadOne read_one) {
  PeerReader as_sent({}, payload);
  Result<T> first = read_one(as_sent);
  if (first) return first;
  std::array<std::uint8_t, bare::kMaxUintSize> length{};
  std::size_t length_size = 0;
  for (std::uint64_t n = payload.size(); ; n >>= 7) {
    length[length_size++] = static_cast<std::uint8_t>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    if (n < 0x80) break;
  }
  PeerReader prefixed(std::span<const std::uint8_t>(length.data(), length_size), payload);
  Result<T> second = read_one(prefixed);
  if (second) return second;
  return problem("malformed message: " + std::string(what) + ": " + first.error().message() +
                 "; and as a raw payload (its length put in front, as Ockam's Rust node retries): " +
                 second.error().message());
}

}  // namespace

Result<std::string> decode_peer(codec_tag<std::string>, std::span<const std::uint8_t> payload) {
  return read_as_rust_does<std::string>(payload, "string body", [](PeerReader& r) -> Result<std::string> {
    auto n = r.read_uint();
    if (!n) return n.error();
    std::string s;
    if (auto got = r.append(*n, s); !got) return got.error();
    if (!bare::is_utf8(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()))) {
      return problem("string is not valid UTF-8");
    }
    return s;
  });
}

Result<std::vector<std::uint8_t>> decode_peer(codec_tag<std::vector<std::uint8_t>>,
                                              std::span<const std::uint8_t> payload) {
  using Bytes = std::vector<std::uint8_t>;
  return read_as_rust_does<Bytes>(payload, "byte vector body", [](PeerReader& r) -> Result<Bytes> {
    auto n = r.read_uint();
    if (!n) return n.error();
    Bytes v;
    if (auto got = r.append(*n, v); !got) return got.error();
    return v;
  });
}

Result<bool> decode_peer(codec_tag<bool>, std::span<const std::uint8_t> payload) {
  return read_as_rust_does<bool>(payload, "bool body", [](PeerReader& r) -> Result<bool> {
    auto b = r.read_u8();
    if (!b) return b.error();
    return *b != 0;  // serde_bare: any nonzero byte is true
  });
}

Result<std::uint64_t> decode_peer_fixed(std::size_t width, std::span<const std::uint8_t> payload) {
  return read_as_rust_does<std::uint64_t>(payload, "integer body", [width](PeerReader& r) -> Result<std::uint64_t> {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) {
      auto b = r.read_u8();
      if (!b) return problem("truncated: needs " + std::to_string(width) + " byte(s)");
      v |= static_cast<std::uint64_t>(*b) << (8 * i);
    }
    return v;
  });
}

}  // namespace detail
}  // namespace ockam
