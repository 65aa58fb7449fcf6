// Golden vectors from real Ockam peers (build-trust/ockam 007d435, recorded
// in testdata/interop/, README.md there): every message and body the Rust
// encoders produced and every message of the Elixir tests decodes and
// re-encodes to the same bytes, and the frames two Rust nodes exchanged
// decode to the routes and body they carry.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "codec/codec.h"
#include "transport/wire.h"

namespace {

using ockam::decode_body;
using ockam::decode_peer_body;
using ockam::encode_body;
using namespace ockam::transport;
using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view kDir = "transport/testdata/interop/";

Bytes unhex(std::string_view s) {
  REQUIRE_MESSAGE(s.size() % 2 == 0, "odd hex length ", s.size());
  Bytes out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(s.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::vector<std::string> lines_of(std::string_view file) {
  const std::string path = std::string(kDir) + std::string(file);
  std::ifstream in(path);
  REQUIRE_MESSAGE(in, "cannot read ", path, " (a data dependency of this test)");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// rust-007d435-vectors.txt: "NAME HEX" per line.
std::map<std::string, Bytes> rust_vectors() {
  std::map<std::string, Bytes> vectors;
  for (const std::string& line : lines_of("rust-007d435-vectors.txt")) {
    std::istringstream fields(line);
    std::string name, hex;
    fields >> name >> hex;
    REQUIRE_MESSAGE(!hex.empty(), "not NAME HEX: ", line);
    vectors[name] = unhex(hex);
  }
  return vectors;
}

// elixir-007d435-vectors.txt: a "MATCH name" line, then "  expected HEX".
std::vector<std::pair<std::string, Bytes>> elixir_vectors() {
  std::vector<std::pair<std::string, Bytes>> vectors;
  std::string name;
  for (const std::string& line : lines_of("elixir-007d435-vectors.txt")) {
    if (line.rfind("MATCH", 0) == 0) name = line.substr(line.find_first_not_of(' ', 5));
    constexpr std::string_view kExpected = "  expected ";
    if (line.rfind(kExpected, 0) == 0) {
      vectors.emplace_back(name, unhex(std::string_view(line).substr(kExpected.size())));
    }
  }
  return vectors;
}

std::string body_text(const Bytes& payload) {
  auto s = decode_peer_body<std::string>(payload);
  REQUIRE_MESSAGE(s.has_value(), s.error().message());
  return *s;
}

// A body vector decodes, leniently and strictly, to `want`, and encodes back.
template <class T>
void check_body(const std::map<std::string, Bytes>& vectors, const std::string& name, const T& want) {
  CAPTURE(name);
  REQUIRE(vectors.count(name) == 1);
  const Bytes& bytes = vectors.at(name);
  auto peer = decode_peer_body<T>(bytes);
  REQUIRE_MESSAGE(peer.has_value(), peer.error().message());
  CHECK(*peer == want);
  auto strict = decode_body<T>(bytes);
  REQUIRE_MESSAGE(strict.has_value(), strict.error().message());
  CHECK(*strict == want);
  CHECK(encode_body(*peer) == bytes);
}

}  // namespace

TEST_CASE("every TransportMessage a Rust node encoded decodes and re-encodes to the same bytes") {
  const auto vectors = rust_vectors();
  std::size_t messages = 0;
  for (const auto& [name, bytes] : vectors) {
    if (name.rfind("msg_", 0) != 0) continue;
    CAPTURE(name);
    ++messages;
    auto m = decode(bytes);
    REQUIRE_MESSAGE(m.has_value(), m.error().message());
    CHECK(encode(*m) == bytes);
  }
  CHECK(messages == 14);

  auto worked = decode(vectors.at("msg_worked_example")).value();
  CHECK(worked.onward.to_string() == "1#127.0.0.1:4000 -> echoer");
  CHECK(worked.ret.to_string() == "app");
  CHECK(body_text(worked.payload) == "Hello Ockam!");
  CHECK(decode(vectors.at("msg_heartbeat")).value() == TransportMessage{});
  CHECK(decode(vectors.at("msg_payload_len16384")).value().payload.size() == 16384);
  CHECK(vectors.at("msg_max_frame").size() == kMaxFrameSize);
  auto mixed = decode(vectors.at("msg_mixed_routes")).value();
  CHECK(mixed.onward.to_string() == "1#127.0.0.1:4001 -> hop -> 1#127.0.0.1:4000 -> echoer");
  CHECK(mixed.ret.to_string() == "1#127.0.0.1:55555 -> app");
  CHECK(mixed.payload == Bytes{1, 2, 3});
  CHECK(decode(vectors.at("msg_utf8_name")).value().onward.to_string() == "\xc3\xa9" "cho");
  CHECK(decode(vectors.at("msg_type255")).value().onward.to_string() == "255#z");
}

TEST_CASE("every body a Rust node encoded decodes to its value, as a peer's body and strictly, and re-encodes to the same bytes") {
  const auto v = rust_vectors();
  check_body(v, "body_string_hello", std::string("Hello Ockam!"));
  check_body(v, "body_string_empty", std::string());
  check_body(v, "body_string_200", std::string(200, 'y'));
  check_body(v, "body_vec_u8", Bytes{1, 2, 3});
  check_body(v, "body_bool_true", true);
  check_body(v, "body_bool_false", false);
  check_body(v, "body_u8", std::uint8_t{0xfe});
  check_body(v, "body_u16", std::uint16_t{0x1234});
  check_body(v, "body_u32", std::uint32_t{0x12345678});
  check_body(v, "body_u64", std::uint64_t{0x0102030405060708});
  check_body(v, "body_i8", std::int8_t{-1});
  check_body(v, "body_i16", std::int16_t{-2});
  check_body(v, "body_i32", std::int32_t{-3});
  check_body(v, "body_i64", std::int64_t{-4});
  std::size_t bodies = 0;
  for (const auto& entry : v) bodies += entry.first.rfind("body_", 0) == 0;
  CHECK(bodies == 14);  // each one checked above
}

TEST_CASE("every message of the Elixir tests decodes and re-encodes, and its raw payload reads as the string Elixir meant") {
  const auto vectors = elixir_vectors();
  REQUIRE(vectors.size() == 5);
  for (const auto& [name, bytes] : vectors) {
    CAPTURE(name);
    auto m = decode(bytes);
    REQUIRE_MESSAGE(m.has_value(), m.error().message());
    CHECK(encode(*m) == bytes);
    CHECK(m->onward.next().to_string().find(":4000") != std::string::npos);
    // Elixir puts a string's bytes in the payload raw: "hello", or nothing.
    const bool minimal = name.find("minimal") != std::string::npos || name.find("address_test") == 0;
    CHECK(body_text(m->payload) == (minimal ? "" : "hello"));
    if (!minimal) CHECK_FALSE(decode_body<std::string>(m->payload).has_value());
  }
  auto tcp = decode(vectors[0].second).value();
  CHECK(tcp.onward.to_string() == "1#127.0.0.1:4000 -> printer");
  CHECK(tcp.ret.to_string() == "1#127.0.0.1:3000");
  CHECK(decode(vectors[1].second).value().onward.next().to_string() == "2#127.0.0.1:4000");
}

TEST_CASE("the frames two Rust nodes exchanged decode to the routes and body they carry, and encode back to the same frames") {
  // testdata/interop/README.md, "On the wire between Rust nodes".
  const Bytes request = unhex("001e010100066563686f65720100036170700d0c48656c6c6f204f636b616d21");
  const Bytes echo = unhex("001e010100036170700100066563686f65720d0c48656c6c6f204f636b616d21");
  const Bytes heartbeat = unhex("000401000000");
  Bytes stream = request;
  stream.insert(stream.end(), echo.begin(), echo.end());
  stream.insert(stream.end(), heartbeat.begin(), heartbeat.end());

  FrameDecoder frames;
  REQUIRE(frames.feed(stream));
  std::vector<TransportMessage> got;
  for (Bytes body; frames.next(body);) got.push_back(decode(body).value());
  REQUIRE(got.size() == 3);
  CHECK(got[0].onward.to_string() == "echoer");
  CHECK(got[0].ret.to_string() == "app");
  CHECK(body_text(got[0].payload) == "Hello Ockam!");
  CHECK(got[1].onward.to_string() == "app");
  CHECK(got[1].ret.to_string() == "echoer");
  CHECK(body_text(got[1].payload) == "Hello Ockam!");
  CHECK(got[2] == TransportMessage{});  // the heartbeat
  CHECK(encode_frame(got[0]).value() == request);
  CHECK(encode_frame(got[1]).value() == echo);
  CHECK(encode_frame(got[2]).value() == heartbeat);
}

TEST_CASE("the two lenient readings the recording shows: a raw payload and trailing bytes are the String \"Hello Ockam!\"") {
  CHECK(body_text(unhex("48656c6c6f204f636b616d21")) == "Hello Ockam!");
  CHECK(body_text(unhex("0c48656c6c6f204f636b616d21ff")) == "Hello Ockam!");
  // What we send for it is the proper form, as Rust's reply is.
  CHECK(encode_body(std::string("Hello Ockam!")) == unhex("0c48656c6c6f204f636b616d21"));
}
