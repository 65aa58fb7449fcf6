// The encrypted data messages of Ockam's secure channel at build-trust/ockam
// 007d435 (ockam_channel's SecureChannelWorker, handle_encrypt and
// handle_decrypt), one message body at a time, both directions of one side.
//
// What the crate sends as the payload of a TransportMessage is a BARE
// Vec<u8> (Codec<std::vector<std::uint8_t>> here) holding
//
//   nonce:u16 big-endian  ||  AES-256-GCM(key, 10 zero bytes || nonce, aad = "", plaintext) || tag
//
// where the plaintext is the BARE TransportMessage v1 of the inner message.
// encrypt() and decrypt() take and give the Vec<u8>'s contents (what is
// between the BARE length and the end). Each direction counts its nonce from
// 0 on its own. The 12-byte nonce equals Noise's AESGCM nonce for the same
// counter (4 zero bytes, 8 big-endian), so a Noise CipherState set to the
// received nonce opens it.
//
// INVARIANT (last nonce): encrypt() uses 0, 1, ..., 65534 and then refuses
//   (kRefusedCall), as the crate does (it refuses 65535 and never rekeys);
//   sends_left() says how close that is, so a channel can warn before.
// INVARIANT (never backwards): decrypt() accepts a nonce only if it is
//   greater than every nonce it accepted before, and never 65535 (which a
//   conforming sender never uses): a replayed, reordered or stale message is
//   kRejectedInput. The crate checks neither (issue 10, item 5).
// INVARIANT (failure changes nothing): a decrypt that fails (too short, a
//   bad nonce, a bad tag) leaves the cipher as it was, so a channel can drop
//   the message, count it and go on.
#ifndef OCKAM_CHANNEL_OCKAM_CHANNEL_CIPHER_H_
#define OCKAM_CHANNEL_OCKAM_CHANNEL_CIPHER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "channel/cipher_state.h"
#include "channel/noise_xx.h"
#include "runtime/result.h"

namespace ockam::channel {

class OckamChannelCipher {
 public:
  static constexpr std::size_t kNonceSize = 2;
  // The crate refuses to send with nonce 65535 (u16::MAX).
  static constexpr std::uint16_t kLastNonce = 65534;
  // Bytes encrypt() adds to the plaintext: the nonce and the tag.
  static constexpr std::size_t kOverhead = kNonceSize + crypto::kAesGcmTagSize;

  explicit OckamChannelCipher(ChannelCiphers ciphers);
  // Splits a complete handshake with Ockam 007d435's swap
  // (ockam_007d435_ciphers for the handshake's role).
  static Result<OckamChannelCipher> from_handshake(NoiseXX& handshake);

  // The body for the next message: the 2-byte nonce, the ciphertext, the tag.
  Result<std::vector<std::uint8_t>> encrypt(std::span<const std::uint8_t> plaintext);
  // The plaintext of a body the peer's encrypt() made.
  Result<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> body);

  // How many more messages encrypt() will seal (65535 at first, 0 at the end).
  std::uint32_t sends_left() const { return kLastNonce + 1u - next_send_; }
  // The highest nonce decrypt() accepted, if any.
  std::optional<std::uint16_t> last_received_nonce() const { return last_received_; }

 private:
  CipherState encrypt_;
  CipherState decrypt_;
  std::uint32_t next_send_ = 0;  // up to kLastNonce + 1
  std::optional<std::uint16_t> last_received_;
};

}  // namespace ockam::channel

#endif  // OCKAM_CHANNEL_OCKAM_CHANNEL_CIPHER_H_
