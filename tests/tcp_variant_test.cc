// A variant worker over TCP: its body on the wire is a BARE union, how
// serde_bare writes a Rust enum, so a C++ node and a raw peer speaking the
// Rust layout reach it with each alternative, and its answers go back the
// same way.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "runtime/ockam.h"
#include "tests/tcp_test_util.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

namespace {

using namespace ockam_test;
using ockam::Address;
using ockam::Route;

// A Rust `enum Msg { Count(u32), Text(String) }`.
using Msg = std::variant<std::uint32_t, std::string>;

// Answers each message with the same message: count + 1, the text shouted.
struct Answerer : ockam::Worker<Msg> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<Msg> msg) override {
    if (const auto* count = std::get_if<std::uint32_t>(&msg.body())) return ctx.send(msg.return_route(), Msg(*count + 1));
    return ctx.send(msg.return_route(), Msg(std::get<std::string>(msg.body()) + "!"));
  }
};

// A node connected to a ListeningNode whose worker "w" is an Answerer.
struct AnswererPair : ConnectedPair {
  AnswererPair() : ConnectedPair("w", Answerer{}) {}
};

}  // namespace

TEST_CASE("a variant worker gets both alternatives from another node over TCP, and its variant answers come back") {
  LogCapture log;
  AnswererPair pair;
  ockam::Node& client = pair.client;
  const Address& connection = pair.connection;

  // Over the wire the sender sends the variant: the bytes must carry the tag.
  REQUIRE_OK(client.send(Route{connection, "w"}, Msg(std::uint32_t{41})));
  auto count = client.receive<Msg>(kWait);
  REQUIRE_OK(count);
  REQUIRE(count.value().body().index() == 0);
  CHECK(std::get<0>(count.value().body()) == 42u);
  REQUIRE_OK(client.send(Route{connection, "w"}, Msg(std::string("hi"))));
  auto text = client.receive<Msg>(kWait);
  REQUIRE_OK(text);
  REQUIRE(text.value().body().index() == 1);
  CHECK(std::get<1>(text.value().body()) == "hi!");
  CHECK(str(text.value().return_route()) == connection.to_string() + " -> w");
  CHECK_MESSAGE(pair.server.node.stats().wrong_type == 0, log.dump());
}

TEST_CASE("a raw peer's BARE union bytes (a Rust enum under serde_bare) reach a variant worker as each alternative") {
  ListeningNode server;
  REQUIRE(server.node.start_worker("w", Answerer{}));
  RawPeer peer(server.address);
  // Onward ["w"], return ["raw"]; the payload: tag 0, then the u32 41 little-endian.
  peer.send(frame(message_to("w", {0x00, 41, 0, 0, 0})));
  // The answer: onward ["raw"], return ["w"], payload tag 0 then 42.
  CHECK(peer.read_frame() == std::vector<std::uint8_t>{1, 1, 0, 3, 'r', 'a', 'w', 1, 0, 1, 'w', 5, 0x00, 42, 0, 0, 0});
  // Tag 1, then the string "hi" (uint length, UTF-8).
  peer.send(frame(message_to("w", {0x01, 0x02, 'h', 'i'})));
  CHECK(peer.read_frame() == std::vector<std::uint8_t>{1, 1, 0, 3, 'r', 'a', 'w', 1, 0, 1, 'w', 5, 0x01, 0x03, 'h',
                                                       'i', '!'});
  CHECK(server.node.stats().wrong_type == 0);
}

TEST_CASE("a body from a peer that is no alternative of the union is counted as wrong_type and logged, and the worker goes on") {
  LogCapture log;
  ListeningNode server;
  REQUIRE(server.node.start_worker("w", Answerer{}));
  RawPeer peer(server.address);
  peer.send(frame(message_to("w", {0x02, 0x00})));                 // tag 2: the union has two
  peer.send(frame(message_to("w", {0x00, 41, 0, 0, 0, 0})));       // a trailing byte
  peer.send(frame(message_to("w", {41, 0, 0, 0})));                // a bare u32, no tag: tag 41
  peer.send(frame(message_to("w", {0x01, 0x02, 'o', 'k'})));
  CHECK(peer.read_frame() == std::vector<std::uint8_t>{1, 1, 0, 3, 'r', 'a', 'w', 1, 0, 1, 'w', 5, 0x01, 0x03, 'o',
                                                       'k', '!'});
  CHECK(server.node.stats().wrong_type == 3);
  CHECK_MESSAGE(log.wait_for({"'w'", "tag 2"}), log.dump());
  CHECK_MESSAGE(log.wait_for({"'w'", "trailing"}), log.dump());
}

TEST_CASE("an alternative sent over TCP on its own carries no tag, so a remote variant worker counts it as wrong_type") {
  LogCapture log;
  AnswererPair pair;
  // The sender cannot know the remote worker's type: a u32 goes as 4 bytes.
  REQUIRE_OK(pair.client.send(Route{pair.connection, "w"}, std::uint32_t{7}));
  CHECK(eventually([&] { return pair.server.node.stats().wrong_type == 1; }));
  CHECK(code_of(pair.client.receive<Msg>(std::chrono::milliseconds(50))) == "Timeout");
}
