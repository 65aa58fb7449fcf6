// TransportMessage v1 and TCP framing against byte vectors derived by hand
// from Ockam's Rust sources (docs/wire-format.md walks through each one),
// every malformed input we could think of, and a body as a payload.
#include "transport/wire.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "codec/codec.h"

namespace {

using ockam::Address;
using ockam::decode_body;
using ockam::encode_body;
using ockam::ErrorCode;
using ockam::kMalformedMessage;
using ockam::Route;
using namespace ockam::transport;
using Bytes = std::vector<std::uint8_t>;

// "01 0e ff" -> {0x01, 0x0e, 0xff}
Bytes hex(std::string_view s) {
  Bytes out;
  int nibbles = 0;
  unsigned v = 0;
  for (char c : s) {
    if (c == ' ') continue;
    v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
    if (++nibbles == 2) {
      out.push_back(static_cast<std::uint8_t>(v));
      nibbles = 0;
      v = 0;
    }
  }
  return out;
}
Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
Bytes repeat(std::uint8_t b, std::size_t n) { return Bytes(n, b); }

// The worked example of docs/wire-format.md: onward ["1#127.0.0.1:4000",
// "echoer"], return ["app"], payload the BARE string "Hello Ockam!".
const Bytes kExample = hex("01")                                 // version 1
                       + hex("02")                               // onward: 2 addresses
                       + hex("01 0e") + ascii("127.0.0.1:4000")  //   type 1 (TCP), 14 bytes
                       + hex("00 06") + ascii("echoer")          //   type 0 (local), 6 bytes
                       + hex("01")                               // return: 1 address
                       + hex("00 03") + ascii("app")             //   type 0, 3 bytes
                       + hex("0d")                               // payload: 13 bytes
                       + hex("0c") + ascii("Hello Ockam!");      //   BARE string: 12 bytes

TransportMessage example_message() {
  TransportMessage m;
  m.onward = Route{"1#127.0.0.1:4000", "echoer"};
  m.ret = Route{"app"};
  m.payload = hex("0c") + ascii("Hello Ockam!");
  return m;
}

std::string error_of(const ockam::Result<TransportMessage>& r) {
  REQUIRE_FALSE(r.has_value());
  return r.error().message();
}
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the worked example encodes to the hand-derived bytes") {
  CHECK(kExample.size() == 46);
  CHECK(encode(example_message()) == kExample);
  CHECK(encoded_size(example_message()) == 46);
}

TEST_CASE("the worked example decodes to the message") {
  auto m = decode(kExample);
  REQUIRE(m.has_value());
  CHECK(m->version == 1);
  REQUIRE(m->onward.size() == 2);
  CHECK(m->onward[0].type() == 1);
  CHECK(m->onward[0].name() == "127.0.0.1:4000");
  CHECK(m->onward[1].type() == 0);
  CHECK(m->onward[1].name() == "echoer");
  REQUIRE(m->ret.size() == 1);
  CHECK(m->ret[0] == Address("app"));
  CHECK(m->payload == hex("0c") + ascii("Hello Ockam!"));
  CHECK(*m == example_message());
}

TEST_CASE("the worked example framed: big-endian u16 length 46 = 0x002e") {
  auto f = encode_frame(example_message());
  REQUIRE(f.has_value());
  CHECK(*f == hex("00 2e") + kExample);
}

TEST_CASE("what an Ockam initiator puts on the socket for the example: its TCP hop already stepped") {
  // TcpSendWorker removes the first onward hop (its own TCP address) before
  // encoding, so the peer sees onward ["echoer"]: 30 bytes, frame 00 1e.
  TransportMessage m = example_message();
  m.onward = Route{"echoer"};
  const Bytes expected = hex("00 1e 01 01 00 06") + ascii("echoer") + hex("01 00 03") + ascii("app") +
                         hex("0d 0c") + ascii("Hello Ockam!");
  auto f = encode_frame(m);
  REQUIRE(f.has_value());
  CHECK(*f == expected);
  CHECK(expected.size() == 2 + 30);
}

TEST_CASE("heartbeat: empty routes and payload are 01 00 00 00") {
  // Ockam's TcpSendWorker sends TransportMessage::v1(route![], route![], vec![]).
  TransportMessage m;
  CHECK(encode(m) == hex("01 00 00 00"));
  auto f = encode_frame(m);
  REQUIRE(f.has_value());
  CHECK(*f == hex("00 04 01 00 00 00"));
  auto d = decode(hex("01 00 00 00"));
  REQUIRE(d.has_value());
  CHECK(d->onward.size() == 0);
  CHECK(d->ret.size() == 0);
  CHECK(d->payload.empty());
}

TEST_CASE("a 200-byte payload has a two-byte uint length: c8 01") {
  // 200 = 0b1_1001000: low group 0x48 | 0x80 = 0xc8, then 0x01.
  TransportMessage m;
  m.onward = Route{"a"};
  m.payload = repeat(0xab, 200);
  const Bytes expected = hex("01 01 00 01") + ascii("a") + hex("00 c8 01") + repeat(0xab, 200);
  CHECK(encode(m) == expected);
  CHECK(expected.size() == 208);
  auto d = decode(expected);
  REQUIRE(d.has_value());
  CHECK(*d == m);
}

TEST_CASE("uint length boundaries: 127, 128, 16383, 16384") {
  struct Case {
    std::size_t n;
    const char* prefix;
  };
  for (Case c : {Case{0, "00"}, Case{1, "01"}, Case{127, "7f"}, Case{128, "80 01"}, Case{129, "81 01"},
                 Case{16383, "ff 7f"}, Case{16384, "80 80 01"}}) {
    CAPTURE(c.n);
    TransportMessage m;
    m.payload = repeat(0x5a, c.n);
    const Bytes expected = hex("01 00 00") + hex(c.prefix) + repeat(0x5a, c.n);
    CHECK(encode(m) == expected);
    auto d = decode(expected);
    REQUIRE(d.has_value());
    CHECK(d->payload.size() == c.n);
  }
}

TEST_CASE("transport type 1 addresses in both routes, and a 200-byte address") {
  TransportMessage m;
  m.onward = Route{Address(1, "10.0.0.2:4000"), Address("relay")};
  m.ret = Route{Address(1, "10.0.0.1:5000"), Address(7, std::string(200, 'z'))};
  const Bytes expected = hex("01")                                               //
                         + hex("02") + hex("01 0d") + ascii("10.0.0.2:4000")     //
                         + hex("00 05") + ascii("relay")                         //
                         + hex("02") + hex("01 0d") + ascii("10.0.0.1:5000")     //
                         + hex("07 c8 01") + repeat('z', 200)                    //
                         + hex("00");                                            // empty payload
  CHECK(encode(m) == expected);
  auto d = decode(expected);
  REQUIRE(d.has_value());
  CHECK(*d == m);
  CHECK(d->ret[1].type() == 7);  // any type byte decodes; routing decides what it means
}

TEST_CASE("encode_to appends, so many messages batch into one buffer") {
  Bytes buf = hex("ee");
  encode_to(example_message(), buf);
  encode_to(TransportMessage{}, buf);
  CHECK(buf == hex("ee") + kExample + hex("01 00 00 00"));
  Bytes frames;
  REQUIRE(encode_frame_to(example_message(), frames).has_value());
  REQUIRE(encode_frame_to(TransportMessage{}, frames).has_value());
  CHECK(frames == hex("00 2e") + kExample + hex("00 04 01 00 00 00"));
}

TEST_CASE("round trips") {
  std::mt19937 rng(42);
  for (int iter = 0; iter < 200; ++iter) {
    TransportMessage m;
    const int hops = static_cast<int>(rng() % 6);
    for (int h = 0; h < hops; ++h) {
      std::string name(1 + rng() % 40, 'x');
      for (char& c : name) c = static_cast<char>(rng() % 256);  // any bytes
      m.onward.append(Address(static_cast<std::uint8_t>(rng() % 3), name));
      if (h % 2 == 0) m.ret.append(Address(static_cast<std::uint8_t>(rng()), name));
    }
    m.payload.resize(rng() % 3000);
    for (auto& b : m.payload) b = static_cast<std::uint8_t>(rng());
    const Bytes e = encode(m);
    CHECK(e.size() == encoded_size(m));
    auto d = decode(e);
    REQUIRE(d.has_value());
    CHECK(*d == m);
  }
}

// ------------------------------------------------------------ malformed ---

TEST_CASE("truncated at every byte offset of a valid message") {
  for (const Bytes& valid : {kExample, encode(TransportMessage{}),
                             hex("01 01 00 01") + ascii("a") + hex("00 c8 01") + repeat(0xab, 200)}) {
    for (std::size_t cut = 0; cut < valid.size(); ++cut) {
      CAPTURE(cut);
      auto d = decode(std::span<const std::uint8_t>(valid).first(cut));
      REQUIRE_FALSE(d.has_value());
      CHECK(d.error().code() == kMalformedMessage);
      CHECK(contains(d.error().message(), "malformed message"));
    }
    CHECK(decode(valid).has_value());
  }
}

TEST_CASE("truncation errors say where and what") {
  CHECK(error_of(decode(Bytes{})) == "malformed message: version at byte 0: truncated: the input ends here");
  const std::string e = error_of(decode(std::span<const std::uint8_t>(kExample).first(45)));
  CHECK(contains(e, "payload at byte 32"));
  CHECK(contains(e, "length 13 but only 12 byte(s) follow"));
}

TEST_CASE("length fields larger than the bytes that remain") {
  // Payload length 14 where 13 bytes follow.
  Bytes b = kExample;
  b[32] = 0x0e;
  CHECK(contains(error_of(decode(b)), "payload at byte 32: length 14 but only 13 byte(s) follow"));
  // First address length 0x20 where fewer bytes follow.
  b = kExample;
  b[3] = 0x7f;
  CHECK(contains(error_of(decode(b)), "onward route address name at byte 3: length 127 but only 42 byte(s) follow (address 0 of 2)"));
  // A route count the rest of the input cannot hold (each address needs >= 2 bytes).
  CHECK(contains(error_of(decode(hex("01 03 00 01 61 00 00"))), "3 addresses cannot fit in the 5 byte(s) left"));
  // The second address of the return route.
  CHECK(contains(error_of(decode(hex("01 00 02 00 01 61 00 05 62"))),
                 "return route address name at byte 7: length 5 but only 1 byte(s) follow (address 1 of 2)"));
  // Return route count past the end.
  CHECK(contains(error_of(decode(hex("01 00"))), "return route length at byte 2: truncated"));
}

TEST_CASE("oversized lengths are rejected before anything is allocated") {
  // 65 addresses: over the route limit of 64.
  CHECK(contains(error_of(decode(hex("01 41") + repeat(0, 200))), "65 addresses exceed the limit of 64"));
  // A 256-byte address name (80 02): over the 255-byte limit.
  CHECK(contains(error_of(decode(hex("01 01 00 80 02") + repeat('n', 256) + hex("00 00"))),
                 "length 256 exceeds the limit of 255"));
  // The largest uint there is (2^64-1) as a payload length.
  CHECK(contains(error_of(decode(hex("01 00 00 ff ff ff ff ff ff ff ff ff 01"))),
                 "length 18446744073709551615 exceeds the limit of 65535"));
  // A message larger than the limit as a whole.
  CHECK(contains(error_of(decode(repeat(1, 70000))), "70000 bytes exceed the message size limit of 65535"));
  // Tighter limits are honoured.
  Limits tight;
  tight.max_route_length = 1;
  CHECK(contains(error_of(decode(kExample, tight)), "2 addresses exceed the limit of 1"));
  tight = Limits{};
  tight.max_address_size = 13;
  CHECK(contains(error_of(decode(kExample, tight)), "length 14 exceeds the limit of 13"));
  tight = Limits{};
  tight.max_message_size = 45;
  CHECK(contains(error_of(decode(kExample, tight)), "46 bytes exceed the message size limit of 45"));
}

TEST_CASE("uints that overflow 64 bits, run past 10 bytes, or are not minimal") {
  const Bytes head = hex("01 00 00");  // version, empty routes; then the payload length
  CHECK(contains(error_of(decode(head + hex("ff ff ff ff ff ff ff ff ff 02"))), "uint overflows 64 bits"));
  CHECK(contains(error_of(decode(head + hex("ff ff ff ff ff ff ff ff ff ff 01"))), "uint overflows 64 bits"));
  CHECK(contains(error_of(decode(head + hex("ff ff ff ff ff ff ff ff ff ff ff ff"))), "uint overflows 64 bits"));
  CHECK(contains(error_of(decode(head + hex("80 00"))), "non-canonical uint"));
  CHECK(contains(error_of(decode(head + hex("81 80 00") + repeat(0, 1))), "non-canonical uint"));
  CHECK(contains(error_of(decode(head + hex("ff ff ff ff ff ff ff ff ff 00"))), "non-canonical uint"));
  // The route count too: 2 written as 82 00.
  CHECK(contains(error_of(decode(hex("01 82 00"))), "onward route length at byte 1: non-canonical uint"));
  // A uint cut off by the end of the input.
  CHECK(contains(error_of(decode(head + hex("ff ff"))), "truncated: the input ends inside this uint (after 2 byte(s))"));
}

TEST_CASE("versions other than 1 are rejected") {
  for (int v : {0, 2, 3, 127, 255}) {
    Bytes b = kExample;
    b[0] = static_cast<std::uint8_t>(v);
    const std::string e = error_of(decode(b));
    CHECK(contains(e, "version at byte 0: unsupported version " + std::to_string(v)));
  }
  TransportMessage m = example_message();
  m.version = 2;
  CHECK_FALSE(encode_frame(m).has_value());
}

TEST_CASE("trailing bytes are rejected") {
  CHECK(contains(error_of(decode(kExample + hex("00"))), "end of message at byte 46: 1 trailing byte(s)"));
  CHECK(contains(error_of(decode(hex("01 00 00 00 de ad"))), "2 trailing byte(s)"));
  // A second message glued on is trailing garbage too: framing separates messages.
  CHECK_FALSE(decode(kExample + kExample).has_value());
}

TEST_CASE("an empty address name is InvalidAddress") {
  auto d = decode(hex("01 01 00 00 00 00"));
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().code() == ErrorCode::InvalidAddress);
  CHECK(contains(d.error().message(), "onward route address name at byte 3: empty address (address 0 of 1)"));
}

TEST_CASE("encode_frame refuses what the other side would reject, leaving the buffer alone") {
  TransportMessage big;
  big.payload.resize(kMaxFrameSize);  // 1 + 1 + 1 + 3 + 65535 > 65535
  Bytes out = hex("aa");
  auto r = encode_frame_to(big, out);
  REQUIRE_FALSE(r.has_value());
  CHECK(contains(r.error().message(), "over the limit of 65535"));
  CHECK(out == hex("aa"));
  // The largest payload that fits: 65535 - 1 (version) - 2 (empty routes) - 3 (uint 65529).
  big.payload.resize(kMaxFrameSize - 6);
  auto f = encode_frame(big);
  REQUIRE(f.has_value());
  CHECK(f->size() == 2 + 65535);
  CHECK((*f)[0] == 0xff);
  CHECK((*f)[1] == 0xff);
  CHECK(decode(std::span<const std::uint8_t>(*f).subspan(2)).has_value());

  TransportMessage m;
  m.onward = Route{Address("")};
  auto bad = encode_frame(m);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code() == ErrorCode::InvalidAddress);
  m.onward = Route{Address(0, std::string(256, 'q'))};
  CHECK(encode_frame(m).error().code() == ErrorCode::InvalidAddress);
}

// --------------------------------------------------------- FrameDecoder ---

namespace {
// Frames of assorted messages, and the bodies a decoder must yield.
struct Stream {
  Bytes bytes;
  std::vector<Bytes> bodies;
};
Stream make_stream(int n) {
  Stream s;
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    TransportMessage m = example_message();
    m.payload.resize(rng() % (i % 5 == 0 ? 3000 : 40));
    for (auto& b : m.payload) b = static_cast<std::uint8_t>(rng());
    s.bodies.push_back(encode(m));
    REQUIRE(encode_frame_to(m, s.bytes).has_value());
  }
  return s;
}
}  // namespace

TEST_CASE("FrameDecoder fed byte by byte") {
  const Stream s = make_stream(20);
  FrameDecoder d;
  std::vector<Bytes> got;
  for (std::uint8_t b : s.bytes) {
    REQUIRE(d.feed(std::span<const std::uint8_t>(&b, 1), [&](auto body) { got.emplace_back(body.begin(), body.end()); })
                .has_value());
  }
  CHECK(got == s.bodies);
  CHECK(d.idle());
  CHECK(d.buffered() == 0);
  for (const Bytes& body : got) CHECK(decode(body).has_value());
}

TEST_CASE("FrameDecoder fed in random chunk sizes, queueing API") {
  const Stream s = make_stream(50);
  for (unsigned seed = 1; seed <= 30; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    FrameDecoder d;
    std::size_t at = 0;
    while (at < s.bytes.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % (seed < 10 ? 7 : 5000), s.bytes.size() - at);
      REQUIRE(d.feed(std::span<const std::uint8_t>(s.bytes).subspan(at, n)).has_value());
      at += n;
    }
    std::vector<Bytes> got;
    Bytes body;
    while (d.next(body)) got.push_back(body);
    CHECK(got == s.bodies);
    CHECK(d.idle());
  }
}

TEST_CASE("FrameDecoder keeps partial frames across calls and reports them buffered") {
  const Bytes f = hex("00 2e") + kExample;
  FrameDecoder d;
  REQUIRE(d.feed(std::span<const std::uint8_t>(f).first(1)).has_value());
  CHECK(d.buffered() == 1);
  CHECK_FALSE(d.idle());
  REQUIRE(d.feed(std::span<const std::uint8_t>(f).subspan(1, 10)).has_value());
  CHECK(d.buffered() == 2 + 9);  // header consumed, 9 body bytes held
  CHECK(d.queued() == 0);
  REQUIRE(d.feed(std::span<const std::uint8_t>(f).subspan(11)).has_value());
  Bytes body;
  REQUIRE(d.next(body));
  CHECK(body == kExample);
  CHECK_FALSE(d.next(body));
  CHECK(d.idle());
}

TEST_CASE("FrameDecoder rejects an oversized frame from its header alone, and stays failed") {
  FrameDecoder d(100);
  REQUIRE(d.feed(hex("00 64") + repeat(1, 100)).has_value());  // exactly 100: fine
  CHECK(d.queued() == 1);
  auto r = d.feed(hex("00 65"));  // 101: rejected before any body byte arrives
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == kMalformedMessage);
  CHECK(r.error().message() == "malformed frame: header announces 101 bytes, over the frame size limit of 100");
  CHECK(d.failed());
  CHECK(d.buffered() == 0);
  auto again = d.feed(hex("00 01 00"));
  REQUIRE_FALSE(again.has_value());
  CHECK(contains(again.error().message(), "failed earlier"));
  CHECK(d.queued() == 1);  // the good frame before it is still there

  FrameDecoder big;  // the default accepts the largest u16
  CHECK(big.feed(hex("ff ff")).has_value());
  CHECK(big.buffered() == 2);
}

TEST_CASE("FrameDecoder: frames of length 0 come out empty; decode rejects them") {
  FrameDecoder d;
  int frames = 0;
  REQUIRE(d.feed(hex("00 00 00 00"), [&](auto body) {
             CHECK(body.empty());
             CHECK_FALSE(decode(body).has_value());
             ++frames;
           }).has_value());
  CHECK(frames == 2);
}

TEST_CASE("FrameDecoder: a frame whose body is garbage still frames; decode rejects the body") {
  FrameDecoder d;
  REQUIRE(d.feed(hex("00 03 02 00 00") + hex("00 04 01 00 00 00")).has_value());
  Bytes body;
  REQUIRE(d.next(body));
  CHECK(contains(decode(body).error().message(), "unsupported version 2"));
  REQUIRE(d.next(body));
  CHECK(decode(body).has_value());
}

TEST_CASE("a body travels as a TransportMessage payload and back") {
  TransportMessage m;
  m.onward = ockam::Route{"1#127.0.0.1:4000", "echoer"};
  m.ret = ockam::Route{"app"};
  encode_body(std::string("Hello Ockam!"), m.payload);
  auto frame = encode_frame(m);
  REQUIRE(frame.has_value());
  FrameDecoder fd;
  REQUIRE(fd.feed(*frame).has_value());
  Bytes body;
  REQUIRE(fd.next(body));
  auto got = decode(body);
  REQUIRE(got.has_value());
  auto text = decode_body<std::string>(got->payload);
  REQUIRE(text.has_value());
  CHECK(*text == "Hello Ockam!");
}

TEST_CASE("FrameDecoder: feed_some stops right after the frame whose callback says stop, and the rest feeds later") {
  // Three frames in one buffer, the third split: "a", "bb", "ccc".
  const Bytes stream = hex("00 01 61  00 02 62 62  00 03 63 63 63");
  const std::span<const std::uint8_t> all(stream);
  FrameDecoder d;
  std::vector<std::string> got;
  auto take = [&](bool more) {
    return [&, more](std::span<const std::uint8_t> body) {
      got.emplace_back(body.begin(), body.end());
      return more;
    };
  };
  auto first = d.feed_some(all.first(10), take(false));  // stops after "a"
  REQUIRE(first.has_value());
  CHECK(*first == 3);
  CHECK(got == std::vector<std::string>{"a"});
  CHECK(d.idle());
  auto second = d.feed_some(all.subspan(3, 7), take(true));  // "bb", then half of "ccc"'s frame
  REQUIRE(second.has_value());
  CHECK(*second == 7);
  CHECK_FALSE(d.idle());
  auto third = d.feed_some(all.subspan(10), take(false));  // the assembled "ccc" stops, all consumed
  REQUIRE(third.has_value());
  CHECK(*third == 2);
  CHECK(got == std::vector<std::string>{"a", "bb", "ccc"});
  CHECK(d.idle());
}
