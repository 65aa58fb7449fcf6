#include "codec/bare.h"

#include <string>

namespace ockam::bare {

std::size_t uint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void write_uint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

void write_data(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  write_uint(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void write_string(std::vector<std::uint8_t>& out, std::string_view s) {
  write_uint(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

bool is_utf8(std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    const std::uint8_t b = bytes[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    std::uint32_t min;
    if ((b & 0xe0) == 0xc0) {
      len = 2, cp = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3, cp = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4, cp = b & 0x07, min = 0x10000;
    } else {
      return false;  // a continuation byte or 0xf8..0xff as a lead byte
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const std::uint8_t c = bytes[i + k];
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min) return false;                      // overlong
    if (cp > 0x10ffff) return false;                 // beyond Unicode
    if (cp >= 0xd800 && cp <= 0xdfff) return false;  // UTF-16 surrogate
    i += len;
  }
  return true;
}

Error Reader::error_at(std::size_t offset, std::string_view what, std::string_view problem) const {
  std::string m = "malformed message: ";
  m += what;
  m += " at byte ";
  m += std::to_string(offset);
  m += ": ";
  m += problem;
  return Error(kMalformedMessage, std::move(m));
}

Result<std::uint64_t> Reader::read_uint(std::string_view what) {
  const std::size_t start = pos_;
  std::uint64_t value = 0;
  for (std::size_t i = 0;; ++i) {
    if (pos_ == in_.size()) {
      return error_at(start, what,
                      "truncated: the input ends inside this uint (after " + std::to_string(i) + " byte(s))");
    }
    const std::uint8_t b = in_[pos_++];
    // The 10th byte holds bit 63 only: anything else would overflow u64 (and
    // a continuation bit there would make it longer than 10 bytes).
    if (i == kMaxUintSize - 1 && b > 1) return error_at(start, what, "uint overflows 64 bits");
    value |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) {
        return error_at(start, what, "non-canonical uint (a redundant zero byte at its end)");
      }
      return value;
    }
  }
}

Result<std::uint8_t> Reader::read_u8(std::string_view what) {
  if (pos_ == in_.size()) return error_at(pos_, what, "truncated: the input ends here");
  return in_[pos_++];
}

Result<std::span<const std::uint8_t>> Reader::read_bytes(std::string_view what, std::size_t n) {
  if (n > remaining()) {
    return error_at(pos_, what,
                    "truncated: needs " + std::to_string(n) + " byte(s), " + std::to_string(remaining()) +
                        " left");
  }
  auto s = in_.subspan(pos_, n);
  pos_ += n;
  return s;
}

Result<std::span<const std::uint8_t>> Reader::read_data(std::string_view what, std::size_t max) {
  const std::size_t start = pos_;
  auto len = read_uint(what);
  if (!len) return len.error();
  if (*len > max) {
    return error_at(start, what,
                    "length " + std::to_string(*len) + " exceeds the limit of " + std::to_string(max));
  }
  if (*len > remaining()) {
    return error_at(start, what,
                    "length " + std::to_string(*len) + " but only " + std::to_string(remaining()) +
                        " byte(s) follow");
  }
  auto s = in_.subspan(pos_, static_cast<std::size_t>(*len));
  pos_ += s.size();
  return s;
}

Result<std::string_view> Reader::read_string(std::string_view what, std::size_t max) {
  const std::size_t start = pos_;
  auto bytes = read_data(what, max);
  if (!bytes) return bytes.error();
  if (!is_utf8(*bytes)) return error_at(start, what, "string is not valid UTF-8");
  return std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

Result<void> Reader::expect_end(std::string_view what) {
  if (!at_end()) {
    return error_at(pos_, what, std::to_string(remaining()) + " trailing byte(s) after the end");
  }
  return {};
}

}  // namespace ockam::bare
