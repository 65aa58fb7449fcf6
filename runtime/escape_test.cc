// escaped() and quoted(): what a peer's bytes look like in a log line or an
// error message.
#include "runtime/escape.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using ockam::escaped;

namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s += static_cast<char>(b);
  return s;
}

// Backslashes doubled and nothing else: what escaped() does to text with no
// byte left to escape.
std::string backslashes_doubled(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("escaped renders every control byte, DEL and backslash visibly, and keeps the rest of ASCII") {
  for (int b = 0; b < 0x80; ++b) {
    CAPTURE(b);
    const std::string out = escaped(std::string(1, static_cast<char>(b)));
    if (b == '\n') {
      CHECK(out == "\\n");
    } else if (b == '\r') {
      CHECK(out == "\\r");
    } else if (b == '\t') {
      CHECK(out == "\\t");
    } else if (b == '\\') {
      CHECK(out == "\\\\");
    } else if (b < 0x20 || b == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      CHECK(out == std::string("\\x") + kHex[b >> 4] + kHex[b & 0xf]);
    } else {
      CHECK(out == std::string(1, static_cast<char>(b)));
    }
  }
  CHECK(escaped(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(escaped("\x1b[31mred") == "\\x1b[31mred");
}

TEST_CASE("escaped keeps valid UTF-8 as it is") {
  for (const char* text : {"caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
                           "\xc2\xa0", "\xef\xbf\xbd", "\xed\x9f\xbf", "\xee\x80\x80"}) {
    CAPTURE(text);
    CHECK(escaped(text) == text);
  }
}

TEST_CASE("escaped renders each byte of invalid UTF-8 as \\xNN, and resynchronises after it") {
  struct Case {
    std::string in, out;
  };
  const std::vector<Case> cases = {
      {bytes({0x80}), "\\x80"},                                                 // a stray continuation byte
      {bytes({0xbf, 'a'}), "\\xbfa"},
      {bytes({0xc0, 0xaf}), "\\xc0\\xaf"},                                      // overlong '/'
      {bytes({0xc1, 0xbf}), "\\xc1\\xbf"},                                      // overlong
      {bytes({0xe0, 0x80, 0xaf}), "\\xe0\\x80\\xaf"},                           // overlong, 3 bytes
      {bytes({0xf0, 0x80, 0x80, 0xaf}), "\\xf0\\x80\\x80\\xaf"},               // overlong, 4 bytes
      {bytes({0xed, 0xa0, 0x80}), "\\xed\\xa0\\x80"},                           // the surrogate U+D800
      {bytes({0xed, 0xbf, 0xbf}), "\\xed\\xbf\\xbf"},                           // the surrogate U+DFFF
      {bytes({0xf4, 0x90, 0x80, 0x80}), "\\xf4\\x90\\x80\\x80"},               // U+110000
      {bytes({0xf5, 0x80, 0x80, 0x80}), "\\xf5\\x80\\x80\\x80"},
      {bytes({0xf8, 0x88, 0x80, 0x80, 0x80}), "\\xf8\\x88\\x80\\x80\\x80"},   // 5-byte form
      {bytes({0xfe}), "\\xfe"},
      {bytes({0xff}), "\\xff"},
      {bytes({0xe6, 0x97}), "\\xe6\\x97"},                                      // cut off at the end
      {bytes({0xe6, 'a', 0xc3, 0xa9}), "\\xe6a\xc3\xa9"},                       // cut off, then valid
      {bytes({0xf0, 0x9f, 0x98}), "\\xf0\\x9f\\x98"},
  };
  for (const Case& c : cases) {
    CAPTURE(escaped(c.in));
    CHECK(escaped(c.in) == c.out);
  }
}

TEST_CASE("escaped renders the C1 controls, the line separators and the bidirectional overrides by their bytes") {
  CHECK(escaped("\xc2\x80") == "\\xc2\\x80");
  CHECK(escaped("\xc2\x9b" "2J") == "\\xc2\\x9b2J");  // U+009B: a terminal's CSI
  CHECK(escaped("\xc2\x9f") == "\\xc2\\x9f");
  CHECK(escaped("\xe2\x80\xa8") == "\\xe2\\x80\\xa8");  // U+2028
  CHECK(escaped("\xe2\x80\xa9") == "\\xe2\\x80\\xa9");  // U+2029
  CHECK(escaped("\xe2\x80\xae") == "\\xe2\\x80\\xae");  // U+202E, right-to-left override
  CHECK(escaped("\xe2\x81\xa6") == "\\xe2\\x81\\xa6");  // U+2066
  CHECK(escaped("\xe2\x81\xa9") == "\\xe2\\x81\\xa9");  // U+2069
  CHECK(escaped("\xe2\x80\xa7") == "\xe2\x80\xa7");      // U+2027 is printable
}

TEST_CASE("what escaped returns has nothing left to escape, for every 1- and 2-byte input and random longer ones") {
  auto check = [](const std::string& in) {
    const std::string out = escaped(in);
    if (escaped(out) != backslashes_doubled(out)) {
      FAIL_CHECK("escaped(" << backslashes_doubled(out) << ") escapes more than backslashes");
      return false;
    }
    return true;
  };
  for (int a = 0; a < 256; ++a) {
    if (!check(std::string(1, static_cast<char>(a)))) return;
    for (int b = 0; b < 256; ++b) {
      if (!check(std::string{static_cast<char>(a), static_cast<char>(b)})) return;
    }
  }
  std::mt19937 rng(9);
  for (int i = 0; i < 100000; ++i) {
    std::string in(3 + rng() % 6, '\0');
    for (char& c : in) c = static_cast<char>(rng() % 256);
    if (!check(in)) return;
  }
}

TEST_CASE("quoted puts an address between single quotes, escaped") {
  CHECK(ockam::detail::quoted(ockam::Address("echoer")) == "'echoer'");
  CHECK(ockam::detail::quoted(ockam::Address("1#127.0.0.1:4000")) == "'1#127.0.0.1:4000'");
  CHECK(ockam::detail::quoted(ockam::Address("a\n[ockam ERROR] b\\")) == "'a\\n[ockam ERROR] b\\\\'");
  CHECK(ockam::detail::quoted(std::string_view("x\x1b")) == "'x\\x1b'");
}
