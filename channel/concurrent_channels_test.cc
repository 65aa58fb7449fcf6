// Independent handshakes and channels on several threads at once, as the
// node's pool will run them: every one completes and talks, so nothing in
// the crypto core (or in how it uses OpenSSL) is shared without a lock.
// Under --config=tsan this is the test that would show a race. And one
// channel's ciphers (each an OpenSSL context keyed once) used from one
// thread after another, as a worker's turns move between pool threads; and
// one static key pair (its OpenSSL key shared) in handshakes at once.
#include <doctest/doctest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "channel/noise_xx.h"
#include "channel/ockam_channel_cipher.h"
#include "crypto/testing/bytes.h"
#include "crypto/x25519.h"

namespace {

using namespace ockam::channel;
using namespace ockam::crypto;
using namespace ockam::crypto::testing;

struct CipherPair {
  std::optional<OckamChannelCipher> initiator, responder;
};

// A complete handshake between two static key pairs (fresh ones by
// default), split; empty if anything failed.
CipherPair handshake(X25519KeyPair initiator = x25519_generate().value(),
                     X25519KeyPair responder = x25519_generate().value()) {
  auto i = NoiseXX::create(Role::kInitiator, std::move(initiator));
  auto r = NoiseXX::create(Role::kResponder, std::move(responder));
  if (!i || !r) return {};
  auto m1 = i->write_message();
  if (!m1 || !r->read_message(*m1)) return {};
  auto m2 = r->write_message();
  if (!m2 || !i->read_message(*m2)) return {};
  auto m3 = i->write_message();
  if (!m3 || !r->read_message(*m3)) return {};
  if (i->handshake_hash() != r->handshake_hash()) return {};
  auto ic = OckamChannelCipher::from_handshake(*i);
  auto rc = OckamChannelCipher::from_handshake(*r);
  if (!ic || !rc) return {};
  return CipherPair{std::move(*ic), std::move(*rc)};
}

// One channel from handshake to an exchange of messages; true if all worked.
bool one_channel() {
  CipherPair c = handshake();
  if (!c.initiator || !c.responder) return false;
  auto& ic = c.initiator;
  auto& rc = c.responder;
  for (int k = 0; k < 20; ++k) {
    auto body = ic->encrypt(ascii("hello"));
    if (!body) return false;
    auto plain = rc->decrypt(*body);
    if (!plain || *plain != ascii("hello")) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("handshakes and channels on four threads at once all complete and talk") {
  constexpr int kThreads = 4;
  constexpr int kChannelsEach = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&good] {
      for (int c = 0; c < kChannelsEach; ++c) {
        if (one_channel()) good.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(good.load() == kThreads * kChannelsEach);
}

TEST_CASE("one responder key pair, its key loaded once, in handshakes on four threads at once") {
  // As a listener's channels share its identity's loaded key.
  const X25519KeyPair listener = x25519_generate().value();
  REQUIRE(listener.loaded);
  constexpr int kThreads = 4;
  constexpr int kHandshakesEach = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&good, &listener] {
      for (int c = 0; c < kHandshakesEach; ++c) {
        CipherPair pair = handshake(x25519_generate().value(), listener);
        if (!pair.initiator || !pair.responder) continue;
        auto body = pair.initiator->encrypt(ascii("shared"));
        if (!body) continue;
        auto plain = pair.responder->decrypt(*body);
        if (plain && *plain == ascii("shared")) good.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(good.load() == kThreads * kHandshakesEach);
}

TEST_CASE("one channel's ciphers used from one thread after another, both ways") {
  CipherPair c = handshake();
  REQUIRE(c.initiator);
  REQUIRE(c.responder);
  int good = 0;  // written by one thread at a time; each join orders it
  for (int turn = 0; turn < 8; ++turn) {
    std::thread([&c, &good, turn] {
      OckamChannelCipher& sender = turn % 2 == 0 ? *c.initiator : *c.responder;
      OckamChannelCipher& receiver = turn % 2 == 0 ? *c.responder : *c.initiator;
      for (int k = 0; k < 10; ++k) {
        auto body = sender.encrypt(ascii("turn"));
        if (!body) return;
        auto plain = receiver.decrypt(*body);
        if (!plain || *plain != ascii("turn")) return;
      }
      ++good;
    }).join();
  }
  CHECK(good == 8);
}
