#include "runtime/escape.h"

#include <cstddef>
#include <cstdint>

namespace ockam {
namespace detail {
namespace {

void append_hex(std::string& out, std::uint8_t byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

// The length of the valid UTF-8 sequence that starts text[i] with a lead
// byte of 0xc2..0xf4 (Unicode's table of well-formed sequences), 0 if it is
// not one, and its code point in *cp.
std::size_t utf8_sequence(std::string_view text, std::size_t i, char32_t* cp) {
  const auto at = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const std::uint8_t lead = at(0);
  std::size_t len = 0;
  std::uint8_t lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    len = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    len = 3;
    if (lead == 0xe0) lo = 0xa0;  // overlong
    if (lead == 0xed) hi = 0x9f;  // a surrogate
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    len = 4;
    if (lead == 0xf0) lo = 0x90;  // overlong
    if (lead == 0xf4) hi = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < len) return 0;
  if (at(1) < lo || at(1) > hi) return 0;
  char32_t value = lead & (0x7f >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((at(k) & 0xc0) != 0x80) return 0;
    value = (value << 6) | (at(k) & 0x3f);
  }
  *cp = value;
  return len;
}

// Valid code points that still act on the line around them.
bool acts_on_line(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

void append_escaped(std::string& out, std::string_view text, bool keep_backslash) {
  out.reserve(out.size() + text.size());
  for (std::size_t i = 0; i < text.size();) {
    // A run of printable ASCII, the common case, in one append.
    std::size_t end = i;
    const auto plain = [&](char c) { return c >= 0x20 && c < 0x7f && (keep_backslash || c != '\\'); };
    while (end < text.size() && plain(text[end])) ++end;
    out.append(text.substr(i, end - i));
    if ((i = end) == text.size()) break;
    const auto byte = static_cast<std::uint8_t>(text[i]);
    if (byte == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    if (byte < 0x80) {
      switch (byte) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: append_hex(out, byte);
      }
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = utf8_sequence(text, i, &cp);
    if (len == 0) {  // not UTF-8: this byte alone, then resynchronise
      append_hex(out, byte);
      ++i;
      continue;
    }
    if (acts_on_line(cp)) {
      for (std::size_t k = 0; k < len; ++k) append_hex(out, static_cast<std::uint8_t>(text[i + k]));
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
}

std::size_t printable_length(std::string_view text, std::size_t i) {
  const auto byte = static_cast<std::uint8_t>(text[i]);
  if (byte < 0x80) return byte >= 0x20 && byte < 0x7f && byte != '\\' ? 1 : 0;
  char32_t cp = 0;
  const std::size_t len = utf8_sequence(text, i, &cp);
  return len != 0 && !acts_on_line(cp) ? len : 0;
}

std::string quoted(std::string_view text) {
  std::string out = "'";
  append_escaped(out, text);
  out += '\'';
  return out;
}

}  // namespace detail

std::string escaped(std::string_view text) {
  std::string out;
  detail::append_escaped(out, text);
  return out;
}

}  // namespace ockam
