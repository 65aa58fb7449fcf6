// One side of a Noise_XX_25519_AESGCM_SHA256 handshake (the Noise Protocol
// Framework, revision 34: HandshakeState, section 5.3, for the pattern XX):
//
//   -> e
//   <- e, ee, s, es
//   -> s, se
//
// The initiator writes messages 1 and 3 and reads 2; the responder reads 1
// and 3 and writes 2. Once complete, split() gives the transport
// CipherStates in the standard order, and noise_ciphers() /
// ockam_007d435_ciphers() say which of them a side encrypts with.
//
// Bounded and adversarial:
// INVARIANT (sizes): a message read is at most 65535 bytes and at least the
//   pattern's minimum (32, 96, 64 bytes: keys and tags, empty payload);
//   anything else is refused before any work, with kRejectedInput.
// INVARIANT (fail once, fail for good): a message that does not read (wrong
//   length, bad tag, a low-order key), or a write that fails, puts the
//   handshake in the failed state: its keys are wiped and every later call
//   returns kRefusedCall naming the first failure. No retry with other bytes
//   can probe the same ephemeral key.
// INVARIANT (turns): write_message() and read_message() each work only when
//   it is that side's turn (next_is_write()); out of turn is kRefusedCall
//   and does not fail the handshake (the caller's bug, not the peer's).
// Keys (static, ephemeral, ck, k) are wiped when the object is destroyed
// (the static key's loaded OpenSSL copy, shared with the key pair it came
// from, is let go of then: see crypto::X25519KeyPair).
//
// Ockam 007d435 (ockam_key_exchange_xx) runs exactly this handshake with an
// empty prologue and empty payloads: msg1 is 32 bytes, msg2 96, msg3 64.
#ifndef OCKAM_CHANNEL_NOISE_XX_H_
#define OCKAM_CHANNEL_NOISE_XX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "channel/cipher_state.h"
#include "channel/symmetric_state.h"
#include "crypto/sha256.h"
#include "crypto/x25519.h"
#include "runtime/result.h"

namespace ockam::channel {

enum class Role { kInitiator, kResponder };

// The CipherStates one side uses after a handshake.
struct ChannelCiphers {
  CipherState encrypt;
  CipherState decrypt;
};

// Standard Noise: the initiator encrypts with split.first and decrypts with
// split.second; the responder the other way round.
ChannelCiphers noise_ciphers(Role role, NoiseSplit split);
// Ockam 007d435's use, swapped against the spec: its initiator encrypts with
// split.second and decrypts with split.first (state.rs, finalize_initiator);
// its responder encrypts with split.first. Talking to such a peer needs
// these.
ChannelCiphers ockam_007d435_ciphers(Role role, NoiseSplit split);

class NoiseXX {
 public:
  static constexpr std::string_view kProtocolName = "Noise_XX_25519_AESGCM_SHA256";
  // Noise's limit on any handshake or transport message.
  static constexpr std::size_t kMaxMessageSize = 65535;
  static constexpr int kMessageCount = 3;

  struct Options {
    std::vector<std::uint8_t> prologue;  // both sides must use the same
    // For tests and vectors only: the ephemeral key pair to use instead of a
    // fresh one. Reusing an ephemeral key across handshakes breaks their
    // security.
    std::optional<crypto::X25519KeyPair> fixed_ephemeral;
  };

  // A fresh handshake for `role` with this side's static key pair. Fails
  // only if OpenSSL does (drawing the ephemeral key, hashing the prologue).
  static Result<NoiseXX> create(Role role, crypto::X25519KeyPair static_keys, Options options);
  static Result<NoiseXX> create(Role role, crypto::X25519KeyPair static_keys) {
    return create(role, std::move(static_keys), Options{});
  }

  NoiseXX(NoiseXX&&) noexcept = default;
  NoiseXX& operator=(NoiseXX&&) noexcept = default;
  NoiseXX(const NoiseXX&) = delete;
  NoiseXX& operator=(const NoiseXX&) = delete;

  // The next handshake message, carrying `payload` (encrypted in messages 2
  // and 3, in clear in message 1, as Noise has it). A payload that would make
  // the message longer than 65535 bytes is kRejectedInput (not a failure).
  Result<std::vector<std::uint8_t>> write_message(std::span<const std::uint8_t> payload = {});
  // Reads the peer's next handshake message and returns its payload.
  Result<std::vector<std::uint8_t>> read_message(std::span<const std::uint8_t> message);

  Role role() const { return role_; }
  // True when the next call must be write_message() (false once complete
  // or failed).
  bool next_is_write() const;
  // Messages written or read so far (0..3).
  int messages_done() const { return done_; }
  // The minimum size of handshake message `index` (0..2) with an empty
  // payload: 32, 96, 64.
  static std::size_t min_message_size(int index);

  bool is_complete() const { return done_ == kMessageCount && !failed_; }
  bool has_failed() const { return failed_; }
  // Why the handshake failed (empty if it did not).
  const std::string& failure() const { return failure_; }

  // Noise's GetHandshakeHash(): h so far; once complete, the value both sides
  // share (Ockam's "auth hash"), which binds the channel to this handshake.
  const crypto::Sha256Digest& handshake_hash() const { return h_; }
  // The peer's static public key, once the message carrying it was read.
  const std::optional<crypto::X25519PublicKey>& remote_static() const { return rs_; }
  const crypto::X25519PublicKey& local_static_public() const { return s_.public_key; }

  // Split(): the transport CipherStates in the standard order, once, after
  // is_complete(). The handshake's own keys are wiped then; handshake_hash()
  // and remote_static() stay readable.
  Result<NoiseSplit> split();

 private:
  NoiseXX(Role role, crypto::X25519KeyPair s, crypto::X25519KeyPair e, SymmetricState symmetric);

  Result<void> check_turn(bool writing) const;
  Error fail(Error error);
  // The tokens of the next message: written to `out`, or read from `in`
  // (which moves past what they took), leaving the payload.
  Result<void> run_tokens(bool writing, std::span<const std::uint8_t>& in, std::vector<std::uint8_t>& out);
  // MixKey(DH(ours, theirs)), each the ephemeral or the static key.
  Result<void> mix_dh(bool our_ephemeral, bool their_ephemeral);

  Role role_;
  crypto::X25519KeyPair s_;
  crypto::X25519KeyPair e_;
  std::optional<crypto::X25519PublicKey> rs_;
  std::optional<crypto::X25519PublicKey> re_;
  std::optional<SymmetricState> symmetric_;  // empty after split() or a failure
  crypto::Sha256Digest h_{};                 // the symmetric state's h after each message
  int done_ = 0;
  bool failed_ = false;
  bool split_done_ = false;
  std::string failure_;
};

}  // namespace ockam::channel

#endif  // OCKAM_CHANNEL_NOISE_XX_H_
