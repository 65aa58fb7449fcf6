// Secure channels between nodes (issue 10, items 3-5): the echo through a
// channel over TCP and over local hops, trust by static key, tampered and
// replayed messages, the listener's bound, identity files.
#include "secure_channel/secure_channel.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "crypto/hex.h"
#include "runtime/ockam.h"
#include "runtime/transport.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

using namespace ockam_test;
using ockam::Address;
using ockam::Identity;
using ockam::Result;
using ockam::Route;
using ockam::Routed;
using Bytes = std::vector<std::uint8_t>;

namespace {

Identity fresh() { return Identity::generate().value(); }

std::string told(ockam::Node& node, std::chrono::milliseconds timeout = kWait) {
  auto got = node.receive<std::string>(timeout);
  return got ? got.value().body() : describe(got);
}

// A hop on the channel's way, both directions: it keeps a copy of each
// Vec<u8> body (handshake messages 2 and 3, encrypted messages; the first
// message is another type and passes untouched) and, if told to, tampers
// with one, replays one, or sends a body of another type in place of one.
struct Wiretap : ockam::Worker<ockam::Any> {
  struct Log {
    std::mutex mu;
    std::vector<Bytes> seen;  // guarded by mu
  };
  Log* log;
  int tamper_at = -1;  // flips a bit in the message with this index
  int replay_at = -1;  // sends this one twice
  int string_at = -1;  // sends a std::string instead of this one
  int bool_at = -1;    // sends a bool instead of this one
  int index = 0;
  Wiretap(Log* l, int t = -1, int r = -1) : log(l), tamper_at(t), replay_at(r) {}
  Result<void> handle_message(ockam::Context& ctx, Routed<ockam::Any> msg) override {
    const Bytes* seen = msg.body().get_if<Bytes>();
    if (seen == nullptr) return ctx.forward(std::move(msg));
    Bytes body = *seen;
    {
      std::lock_guard lock(log->mu);
      log->seen.push_back(body);
    }
    Route rest = msg.onward_route();
    rest.pop_front();
    const int i = index++;
    if (i == tamper_at) {
      body.back() ^= 1;  // in the tag
      return ctx.send_from_address(rest, std::move(body), ctx.address());
    }
    if (i == string_at) return ctx.send_from_address(rest, std::string("not a Vec<u8>"), ctx.address());
    if (i == bool_at) return ctx.send_from_address(rest, true, ctx.address());
    if (i == replay_at) {
      if (auto r = ctx.send_from_address(rest, body, ctx.address()); !r) return r;
    }
    return ctx.forward(std::move(msg));
  }
};

bool contains_bytes(const Bytes& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// Two nodes over TCP: the responder listens, exposes its channel listener
// on TCP, and the echoer through the channel.
struct TcpPair {
  ockam::Node responder;
  ockam::Node initiator;
  ockam::TcpTransport responder_tcp = ockam::TcpTransport::create(responder).value();
  ockam::TcpTransport initiator_tcp = ockam::TcpTransport::create(initiator).value();
  Identity responder_id = fresh();
  Identity initiator_id = fresh();
  Address connection;
  explicit TcpPair(ockam::SecureChannelOptions listener_options = {.expose = {"echoer"}}) {
    auto listening = responder_tcp.listen("127.0.0.1:0", {.expose = {"listener"}});
    REQUIRE_OK(listening);
    REQUIRE_OK(responder.start_worker("echoer", Echoer{}));
    REQUIRE_OK(ockam::create_secure_channel_listener(responder, "listener", responder_id, listener_options));
    auto connected = initiator_tcp.connect(listening.value().name());
    REQUIRE_OK(connected);
    connection = connected.value();
  }
};

}  // namespace

TEST_CASE("the echo goes through a secure channel over TCP and back, with a return route through the channel") {
  TcpPair pair;
  const auto before = ockam::secure_channel_stats();
  auto channel = ockam::create_secure_channel(pair.initiator, Route{pair.connection, "listener"}, pair.initiator_id);
  REQUIRE_OK(channel);
  CHECK(channel.value().name().size() == 32);
  REQUIRE_OK(pair.initiator.send(Route{channel.value(), "echoer"}, std::string("Hello Ockam!")));
  auto reply = pair.initiator.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == "Hello Ockam!");
  CHECK(reply.value().return_route() == Route{channel.value(), "echoer"});
  const auto after = ockam::secure_channel_stats();
  CHECK(after.opened - before.opened == 2);  // both ends
  CHECK(after.encrypted - before.encrypted == 2);
  CHECK(after.decrypted - before.decrypted == 2);
}

TEST_CASE("a channel over local hops: the plaintext never appears in what the hop in between carries") {
  ockam::Node node;
  Wiretap::Log tap;
  REQUIRE_OK(node.start_worker("tap", Wiretap(&tap)));
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  auto responder_id = fresh();
  REQUIRE_OK(ockam::create_secure_channel_listener(node, "listener", responder_id, {.expose = {"echoer"}}));
  auto channel = ockam::create_secure_channel(node, Route{"tap", "listener"}, fresh());
  REQUIRE_OK(channel);
  CHECK(echoed(node, Route{channel.value(), "echoer"}, "a secret that stays in the channel") ==
        "a secret that stays in the channel");
  std::lock_guard lock(tap.mu);
  REQUIRE(tap.seen.size() == 4);  // handshake messages 2 and 3, the hello, the echo
  for (const Bytes& body : tap.seen) CHECK_FALSE(contains_bytes(body, "a secret"));
}

TEST_CASE("a worker behind the channel sees its origin: from_channel_peer admits that peer, and another is denied") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  auto alice = fresh();
  auto mallory = fresh();
  ockam::WorkerOptions only_alice;
  only_alice.incoming = ockam::AccessPolicy::from_channel_peer(alice.public_key());
  REQUIRE_OK(node.start_worker("vault", Echoer{}, only_alice));
  REQUIRE_OK(ockam::create_secure_channel_listener(node, "listener", fresh(), {.expose = {"echoer"}}));
  auto from_alice = ockam::create_secure_channel(node, Route{"listener"}, alice);
  auto from_mallory = ockam::create_secure_channel(node, Route{"listener"}, mallory);
  REQUIRE_OK(from_alice);
  REQUIRE_OK(from_mallory);
  CHECK(echoed(node, Route{from_alice.value(), "vault"}, "alice") == "alice");
  const auto denied = node.stats().denied;
  REQUIRE_OK(node.send(Route{from_mallory.value(), "vault"}, std::string("mallory")));
  CHECK(eventually([&] { return node.stats().denied == denied + 1; }));
  // Not exposed: a channel's peer cannot reach "app" or the listener's other workers.
  REQUIRE_OK(node.start_worker("private", Echoer{}));
  REQUIRE_OK(node.send(Route{from_alice.value(), "private"}, std::string("x")));
  CHECK(eventually([&] { return node.stats().denied == denied + 2; }));
}

TEST_CASE("trusted peers: an initiator refuses a responder it does not trust, and a responder never opens to an initiator it does not") {
  auto trusted = fresh();
  {
    TcpPair pair;
    const auto before = ockam::secure_channel_stats();
    auto channel = ockam::create_secure_channel(pair.initiator, Route{pair.connection, "listener"}, pair.initiator_id,
                                                {.trusted_peers = {trusted.public_key()}});
    CHECK(code_of(channel) == "AccessDenied");
    CHECK(contains(describe(channel), "not among the trusted peers"));
    CHECK(ockam::secure_channel_stats().refused_peers - before.refused_peers == 1);
  }
  {
    TcpPair pair({.trusted_peers = {trusted.public_key()}, .expose = {"echoer"}});
    const auto before = ockam::secure_channel_stats();
    // The initiator learns of the refusal only by silence: 007d435 sends none.
    auto channel = ockam::create_secure_channel(pair.initiator, Route{pair.connection, "listener"}, pair.initiator_id);
    REQUIRE_OK(channel);
    CHECK(eventually([&] { return ockam::secure_channel_stats().refused_peers - before.refused_peers == 1; }));
    REQUIRE_OK(pair.initiator.send(Route{channel.value(), "echoer"}, std::string("hello?")));
    CHECK(code_of(pair.initiator.receive<std::string>(std::chrono::milliseconds(300))) == "Timeout");
    // The same listener opens to the peer it trusts.
    auto good = ockam::create_secure_channel(pair.initiator, Route{pair.connection, "listener"}, trusted);
    REQUIRE_OK(good);
    CHECK(echoed(pair.initiator, Route{good.value(), "echoer"}, "trusted") == "trusted");
  }
}

namespace {

// Starts an echoer on `node` and opens a channel to it whose messages pass
// `wiretap` (at "tap") both ways; returns the channel's local address.
Address tapped_channel(ockam::Node& node, Wiretap wiretap) {
  REQUIRE_OK(node.start_worker("tap", std::move(wiretap)));
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(ockam::create_secure_channel_listener(node, "listener", fresh(), {.expose = {"echoer"}}));
  auto channel = ockam::create_secure_channel(node, Route{"tap", "listener"}, fresh());
  REQUIRE_OK(channel);
  return channel.value();
}

}  // namespace

TEST_CASE("a tampered message is dropped and counted, a replayed one too, and the channel goes on") {
  ockam::Node node;
  Wiretap::Log tap;
  // The Vec<u8> bodies the tap sees, in order: 0 message 2, 1 message 3,
  // 2 "tampered", 3 "replayed" (then its echo and "after", in either order).
  const Address channel = tapped_channel(node, Wiretap(&tap, /*tamper_at=*/2, /*replay_at=*/3));
  const auto before = ockam::secure_channel_stats();
  REQUIRE_OK(node.send(Route{channel, "echoer"}, std::string("tampered")));  // tap index 1
  REQUIRE_OK(node.send(Route{channel, "echoer"}, std::string("replayed")));  // tap index 2, twice
  REQUIRE_OK(node.send(Route{channel, "echoer"}, std::string("after")));
  CHECK(told(node) == "replayed");
  CHECK(told(node) == "after");
  CHECK(code_of(node.receive<std::string>(std::chrono::milliseconds(200))) == "Timeout");
  const auto after = ockam::secure_channel_stats();
  CHECK(after.rejected - before.rejected == 2);  // the bad tag, the repeated nonce
}

TEST_CASE("a body of another type from the peer's side is read as its wire form: dropped, counted, the channel goes on") {
  ockam::Node node;
  Wiretap::Log tap;
  Wiretap wiretap(&tap);
  wiretap.string_at = 2;  // as Vec<u8>, 13 bytes: shorter than a nonce and a tag
  wiretap.bool_at = 3;    // as Vec<u8>, a length of 1 and no byte: not a Vec<u8>
  const Address channel = tapped_channel(node, std::move(wiretap));
  const auto before = ockam::secure_channel_stats();
  REQUIRE_OK(node.send(Route{channel, "echoer"}, std::string("as a string")));  // tap index 2
  REQUIRE_OK(node.send(Route{channel, "echoer"}, std::string("as a bool")));    // tap index 3
  REQUIRE_OK(node.send(Route{channel, "echoer"}, std::string("after")));
  CHECK(told(node) == "after");
  CHECK(code_of(node.receive<std::string>(std::chrono::milliseconds(200))) == "Timeout");
  const auto after = ockam::secure_channel_stats();
  CHECK(after.rejected - before.rejected == 2);
}

TEST_CASE("the listener keeps at most max_channels: a newcomer replaces the oldest half-open handshake, else is refused") {
  ockam::Node node;
  REQUIRE_OK(node.start_worker("echoer", Echoer{}));
  REQUIRE_OK(ockam::create_secure_channel_listener(node, "listener", fresh(), {.expose = {"echoer"}, .max_channels = 2}));
  const auto before = ockam::secure_channel_stats();
  // Two half-open handshakes: a first message, then silence (their second
  // messages come to the app, which never answers).
  Bytes e(32, 9);
  Bytes create;
  ockam::bare::write_data(create, e);
  create.push_back(0);
  for (int i = 0; i < 2; ++i) {
    ockam::PeerMessage m{Route{"listener"}, Route{"app"}, create};
    REQUIRE_OK(ockam::deliver_from_peer(node.context(), m, nullptr,
                                        std::make_shared<ockam::Ingress>(ockam::Ingress::Kind::kTransport, "9#x",
                                                                         Address(), std::vector<Address>{"listener", "app"})));
    REQUIRE_OK(node.receive<Bytes>(kWait));
  }
  // A real channel still opens: it replaces the oldest half-open one.
  auto channel = ockam::create_secure_channel(node, Route{"listener"}, fresh());
  REQUIRE_OK(channel);
  CHECK(echoed(node, Route{channel.value(), "echoer"}, "in") == "in");
  CHECK(ockam::secure_channel_stats().evicted - before.evicted == 1);
  // Another one replaces the second half-open one; then the listener holds
  // two open channels, and a third newcomer is refused.
  REQUIRE_OK(ockam::create_secure_channel(node, Route{"listener"}, fresh()));
  CHECK(code_of(ockam::create_secure_channel(node, Route{"listener"}, fresh(), {.timeout = std::chrono::milliseconds(300)})) ==
        "Timeout");
  CHECK(ockam::secure_channel_stats().refused_channels - before.refused_channels == 1);
}

TEST_CASE("create_secure_channel refuses to block a pool thread, fails when its first message cannot go, and times out when nobody answers") {
  ockam::Node node;
  struct Creator : ockam::Worker<std::string> {
    Result<void> handle_message(ockam::Context& ctx, Routed<std::string>) override {
      auto made = ockam::create_secure_channel(ctx, Route{"nobody"}, Identity::generate().value());
      return ctx.send("app", made ? std::string("made") : made.error().to_string());
    }
  };
  REQUIRE_OK(node.start_worker("creator", Creator{}));
  REQUIRE_OK(node.send(Route{"creator"}, std::string("go")));
  CHECK(contains(told(node), "AccessDenied: create_secure_channel() waits for the handshake"));
  CHECK(code_of(ockam::create_secure_channel(node, Route{"void"}, fresh())) == "AddressNotFound");
  REQUIRE_OK(node.start_worker("strings_only", Echoer{}));  // drops the first message: not a string
  auto timed_out =
      ockam::create_secure_channel(node, Route{"strings_only"}, fresh(), {.timeout = std::chrono::milliseconds(200)});
  CHECK(code_of(timed_out) == "Timeout");
}

TEST_CASE("an identity saved to a file is owner-only, loads back the same key, and a file others can read is refused") {
  char dir_template[] = "/tmp/ockam_identity_XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/node.key";
  auto id = fresh();
  REQUIRE_OK(id.save(path));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = Identity::load(path);
  REQUIRE_OK(loaded);
  CHECK(loaded.value().public_key() == id.public_key());
  CHECK(code_of(id.save(path)) == "TransportError");  // never over an existing file
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  auto refused = Identity::load(path);
  CHECK(code_of(refused) == "TransportError");
  CHECK(contains(describe(refused), "chmod 600"));
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  { std::ofstream(path, std::ios::app) << "x"; }
  CHECK(contains(describe(Identity::load(path)), "not an identity file"));
  CHECK(contains(describe(Identity::load(dir + "/missing")), "No such file"));
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("the create-channel message decodes and re-encodes as the Rust initiator sent it (frame F1 of the capture)") {
  // F1's payload (after its own length, 22): BARE Vec<u8> of msg1 (32
  // bytes), then None.
  const auto f1 = ockam::crypto::from_hex(
      "20384afbfb7741818b9e473547ea0bdb2d9fcbc7f64dbc22f1d1b32e05a9f91c1e00").value();
  // Through the listener's body type, by the codec the worker uses.
  ockam::Node node;
  REQUIRE_OK(ockam::create_secure_channel_listener(node, "listener", fresh()));
  ockam::PeerMessage m{Route{"listener"}, Route{"app"}, f1};
  REQUIRE_OK(ockam::deliver_from_peer(node.context(), m, nullptr,
                                      std::make_shared<ockam::Ingress>(ockam::Ingress::Kind::kTransport, "9#x", Address(),
                                                                       std::vector<Address>{"listener", "app"})));
  auto msg2 = node.receive<Bytes>(kWait);  // the responder answered: F1's payload is a well-formed request
  REQUIRE_OK(msg2);
  CHECK(msg2.value().body().size() == 96);
}
