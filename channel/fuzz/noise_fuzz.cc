// libFuzzer target: arbitrary bytes as a peer's handshake messages and
// secure-channel data messages. Byte 0 picks where they arrive (mod 5):
//
//   0  a fresh responder reads them as message 1 (then writes message 2)
//   1  an initiator that wrote message 1 reads them as message 2
//   2  a responder that read message 1 and wrote message 2 reads message 3
//   3  a channel's receiving side decrypts them as data messages: the rest
//      is a list of [u16 big-endian length][body]
//   4  a side out of turn, or after completion, is handed them
//
// The sides use the private keys of the Rust capture
// (channel/testdata/secure-channel-007d435/), so the capture's messages are
// valid seeds and the fuzzer starts next to real traffic. A crash, a
// sanitizer report or a failed check is a bug; a rejected message is the
// expected answer to garbage, and must leave the state the contract says.
#include "channel/fuzz/noise_fuzz.h"

#include <cstdlib>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "channel/noise_xx.h"
#include "channel/ockam_channel_cipher.h"
#include "crypto/errors.h"
#include "crypto/hex.h"
#include "crypto/x25519.h"

namespace ockam::channel::fuzz {
namespace {

using Bytes = std::vector<std::uint8_t>;

void check(bool ok) {
  if (!ok) std::abort();
}

crypto::X25519KeyPair key(std::string_view hex) {
  auto bytes = crypto::from_hex(hex);
  check(bytes.has_value());
  auto secret = crypto::SecretKey32::from(*bytes);
  check(secret.has_value());
  auto pair = crypto::x25519_from_private(*secret);
  check(pair.has_value());
  return std::move(*pair);
}

// one-hop-keys.json of the capture; their public halves are computed once,
// not for every input.
const crypto::X25519KeyPair& capture_key(int which) {
  static const crypto::X25519KeyPair keys[] = {
      key("7ade89d86ba0a42cf9439a3a80c7ee1453a5c753f804690cad5c036e67083744"),  // i_s
      key("1bed7a94539d22852a0cc0ac1cddbdc424c2de5d2a390924d1e9e572c15f245c"),  // i_e
      key("a23f15df0eab718017b8702c865e57459ef7c45979a930795e409f2c221dd43a"),  // r_s
      key("1dc3cd972f7e4e1884ad215b6d7319509122612cc596aa20acebcd9886b17f48"),  // r_e
  };
  return keys[which];
}

NoiseXX side(Role role) {
  const int base = role == Role::kInitiator ? 0 : 2;
  auto hs = NoiseXX::create(role, capture_key(base), {{}, capture_key(base + 1)});
  check(hs.has_value());
  return std::move(*hs);
}
NoiseXX initiator() { return side(Role::kInitiator); }
NoiseXX responder() { return side(Role::kResponder); }

// After a rejected message the handshake is failed for good.
void check_failed_for_good(NoiseXX& hs) {
  check(hs.has_failed());
  check(!hs.is_complete());
  check(!hs.failure().empty());
  check(!hs.next_is_write());
  auto read = hs.read_message(Bytes(96, 0));
  check(!read && read.error().code() == crypto::kRefusedCall);
  auto write = hs.write_message();
  check(!write && write.error().code() == crypto::kRefusedCall);
  check(!hs.split().has_value());
}

// Reads `message` as handshake message `hs.messages_done()`; true if read.
bool read_checked(NoiseXX& hs, std::span<const std::uint8_t> message) {
  const int before = hs.messages_done();
  auto payload = hs.read_message(message);
  if (!payload) {
    check(!payload.error().message().empty());
    check(payload.error().code() == crypto::kRejectedInput);
    check(hs.messages_done() == before);
    check_failed_for_good(hs);
    return false;
  }
  check(hs.messages_done() == before + 1);
  check(message.size() == NoiseXX::min_message_size(before) + payload->size());
  return true;
}

bool as_message_1(std::span<const std::uint8_t> in) {
  NoiseXX r = responder();
  if (!read_checked(r, in)) return false;
  // e alone involves no DH: the first DH is the responder's own ee, which
  // refuses a small-order key and fails the handshake.
  auto m2 = r.write_message();
  if (m2) {
    check(m2->size() == NoiseXX::min_message_size(1));
  } else {
    check_failed_for_good(r);
  }
  return true;
}

bool as_message_2(std::span<const std::uint8_t> in) {
  NoiseXX i = initiator();
  check(i.write_message().has_value());
  if (!read_checked(i, in)) return false;
  check(i.remote_static().has_value());
  auto m3 = i.write_message();
  check(m3.has_value() && i.is_complete());
  return true;
}

bool as_message_3(std::span<const std::uint8_t> in) {
  // The responder reads the initiator's real message 1 first.
  NoiseXX i = initiator();
  NoiseXX r = responder();
  auto m1 = i.write_message();
  check(m1.has_value() && r.read_message(*m1).has_value() && r.write_message().has_value());
  if (!read_checked(r, in)) return false;
  check(r.is_complete());
  check(r.split().has_value());
  return true;
}

bool as_data_messages(std::span<const std::uint8_t> in) {
  NoiseXX i = initiator();
  NoiseXX r = responder();
  auto m1 = i.write_message();
  check(m1 && r.read_message(*m1));
  auto m2 = r.write_message();
  check(m2 && i.read_message(*m2));
  auto m3 = i.write_message();
  check(m3 && r.read_message(*m3));
  auto receiver = OckamChannelCipher::from_handshake(r);
  check(receiver.has_value());

  bool all = true;
  bool any = false;
  while (!in.empty()) {
    std::span<const std::uint8_t> body = in;
    if (in.size() >= 2) {
      const std::size_t len = std::size_t{in[0]} << 8 | in[1];
      body = in.subspan(2, std::min(len, in.size() - 2));
    }
    in = in.subspan(std::min(in.size(), (in.size() >= 2 ? 2 : 0) + body.size()));
    const auto before = receiver->last_received_nonce();
    auto plain = receiver->decrypt(body);
    any = true;
    if (plain) {
      check(plain->size() + OckamChannelCipher::kOverhead == body.size());
      const auto after = receiver->last_received_nonce();
      check(after.has_value() && (!before || *after > *before));
    } else {
      all = false;
      check(plain.error().code() == crypto::kRejectedInput);
      check(receiver->last_received_nonce() == before);  // a rejection changes nothing
    }
  }
  return any && all;
}

bool out_of_turn(std::span<const std::uint8_t> in) {
  // The initiator never reads message 1: out of turn, refused, not failed.
  NoiseXX i = initiator();
  auto early = i.read_message(in);
  check(!early && early.error().code() == crypto::kRefusedCall && !i.has_failed());
  return false;
}

}  // namespace

bool run_noise_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return false;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      return as_message_1(rest);
    case 1:
      return as_message_2(rest);
    case 2:
      return as_message_3(rest);
    case 3:
      return as_data_messages(rest);
    default:
      return out_of_turn(rest);
  }
}

}  // namespace ockam::channel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ockam::channel::fuzz::run_noise_input(data, size);
  return 0;
}
