// Independent handshakes and channels on several threads at once, as the
// node's pool will run them: every one completes and talks, so nothing in
// the crypto core (or in how it uses OpenSSL) is shared without a lock.
// Under --config=tsan this is the test that would show a race.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "channel/noise_xx.h"
#include "channel/ockam_channel_cipher.h"
#include "crypto/testing/bytes.h"
#include "crypto/x25519.h"

namespace {

using namespace ockam::channel;
using namespace ockam::crypto;
using namespace ockam::crypto::testing;

// One channel from handshake to an exchange of messages; true if all worked.
bool one_channel() {
  auto i = NoiseXX::create(Role::kInitiator, x25519_generate().value());
  auto r = NoiseXX::create(Role::kResponder, x25519_generate().value());
  if (!i || !r) return false;
  auto m1 = i->write_message();
  if (!m1 || !r->read_message(*m1)) return false;
  auto m2 = r->write_message();
  if (!m2 || !i->read_message(*m2)) return false;
  auto m3 = i->write_message();
  if (!m3 || !r->read_message(*m3)) return false;
  if (i->handshake_hash() != r->handshake_hash()) return false;
  auto ic = OckamChannelCipher::from_handshake(*i);
  auto rc = OckamChannelCipher::from_handshake(*r);
  if (!ic || !rc) return false;
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
