#include "channel/ockam_channel_cipher.h"

#include <string>
#include <utility>

#include "crypto/errors.h"

namespace ockam::channel {

OckamChannelCipher::OckamChannelCipher(ChannelCiphers ciphers)
    : encrypt_(std::move(ciphers.encrypt)), decrypt_(std::move(ciphers.decrypt)) {}

Result<OckamChannelCipher> OckamChannelCipher::from_handshake(NoiseXX& handshake) {
  auto split = handshake.split();
  if (!split) return split.error();
  return OckamChannelCipher(ockam_007d435_ciphers(handshake.role(), std::move(*split)));
}

Result<std::vector<std::uint8_t>> OckamChannelCipher::encrypt(std::span<const std::uint8_t> plaintext) {
  if (next_send_ > kLastNonce) {
    return Error(crypto::kRefusedCall,
                 "secure channel cannot send: all 65535 nonces of this direction are used (Ockam 007d435 stops at "
                 "65534 and never rekeys); open a new channel");
  }
  const auto nonce = static_cast<std::uint16_t>(next_send_);
  std::vector<std::uint8_t> body;
  body.reserve(kOverhead + plaintext.size());
  body.push_back(static_cast<std::uint8_t>(nonce >> 8));
  body.push_back(static_cast<std::uint8_t>(nonce & 0xff));
  encrypt_.set_nonce(nonce);
  if (auto sealed = encrypt_.encrypt_with_ad({}, plaintext, body); !sealed) return sealed.error();
  ++next_send_;
  return body;
}

Result<std::vector<std::uint8_t>> OckamChannelCipher::decrypt(std::span<const std::uint8_t> body) {
  if (body.size() < kOverhead) {
    return Error(crypto::kRejectedInput, "secure channel message of " + std::to_string(body.size()) +
                                             " bytes is shorter than its nonce and tag (18 bytes)");
  }
  const auto nonce = static_cast<std::uint16_t>(body[0] << 8 | body[1]);
  if (nonce > kLastNonce) {
    return Error(crypto::kRejectedInput, "secure channel message with nonce 65535, which no sender uses");
  }
  if (last_received_ && nonce <= *last_received_) {
    return Error(crypto::kRejectedInput, "secure channel message with nonce " + std::to_string(nonce) +
                                             (nonce == *last_received_ ? ", a replay" : ", older than the last") +
                                             " (the last accepted was " + std::to_string(*last_received_) + ")");
  }
  decrypt_.set_nonce(nonce);
  auto plaintext = decrypt_.decrypt_with_ad({}, body.subspan(kNonceSize));
  if (!plaintext) return plaintext.error();
  last_received_ = nonce;
  return plaintext;
}

}  // namespace ockam::channel
