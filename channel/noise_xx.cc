#include "channel/noise_xx.h"

#include <array>
#include <utility>

#include "crypto/errors.h"

namespace ockam::channel {
namespace {

using crypto::kRefusedCall;
using crypto::kRejectedInput;

// The tokens of XX; a message is a list of them, then its payload.
enum class Token { kE, kS, kEE, kES, kSE };

constexpr Token kMessage1[] = {Token::kE};
constexpr Token kMessage2[] = {Token::kE, Token::kEE, Token::kS, Token::kES};
constexpr Token kMessage3[] = {Token::kS, Token::kSE};
constexpr std::array<std::span<const Token>, NoiseXX::kMessageCount> kPattern = {kMessage1, kMessage2, kMessage3};

constexpr std::size_t kKeySize = crypto::kX25519KeySize;
constexpr std::size_t kTagSize = crypto::kAesGcmTagSize;

bool is_dh(Token t) { return t == Token::kEE || t == Token::kES || t == Token::kSE; }

// Which keys a DH token takes on this side: ee both ephemerals; es the
// initiator's ephemeral and the responder's static; se the initiator's
// static and the responder's ephemeral. Each side holds one half of each
// pair and the peer's public half of the other.
bool our_key_is_ephemeral(Token t, bool initiator) { return t == Token::kEE || (t == Token::kES) == initiator; }
bool their_key_is_ephemeral(Token t, bool initiator) { return t == Token::kEE || (t == Token::kSE) == initiator; }

std::string ordinal(int index) { return "handshake message " + std::to_string(index + 1); }

}  // namespace

ChannelCiphers noise_ciphers(Role role, NoiseSplit split) {
  if (role == Role::kInitiator) return {std::move(split.first), std::move(split.second)};
  return {std::move(split.second), std::move(split.first)};
}

ChannelCiphers ockam_007d435_ciphers(Role role, NoiseSplit split) {
  if (role == Role::kInitiator) return {std::move(split.second), std::move(split.first)};
  return {std::move(split.first), std::move(split.second)};
}

std::size_t NoiseXX::min_message_size(int index) {
  // Walk the pattern up to `index`: a key exists from the first DH on, and
  // from then s travels encrypted (+16) and every payload carries a tag.
  bool has_key = false;
  std::size_t size = 0;
  for (int m = 0; m <= index; ++m) {
    size = 0;
    for (Token t : kPattern[static_cast<std::size_t>(m)]) {
      if (t == Token::kE) size += kKeySize;
      if (t == Token::kS) size += kKeySize + (has_key ? kTagSize : 0);
      if (is_dh(t)) has_key = true;
    }
    if (has_key) size += kTagSize;
  }
  return size;
}

Result<NoiseXX> NoiseXX::create(Role role, crypto::X25519KeyPair static_keys, Options options) {
  crypto::X25519KeyPair ephemeral;
  if (options.fixed_ephemeral) {
    ephemeral = std::move(*options.fixed_ephemeral);
  } else {
    auto fresh = crypto::x25519_generate();
    if (!fresh) return fresh.error();
    ephemeral = std::move(*fresh);
  }
  auto symmetric = SymmetricState::initialize(kProtocolName);
  if (!symmetric) return symmetric.error();
  // XX has no pre-messages: the prologue is all that is hashed before
  // message 1.
  if (auto mixed = symmetric->mix_hash(options.prologue); !mixed) return mixed.error();
  return NoiseXX(role, std::move(static_keys), std::move(ephemeral), std::move(*symmetric));
}

NoiseXX::NoiseXX(Role role, crypto::X25519KeyPair s, crypto::X25519KeyPair e, SymmetricState symmetric)
    : role_(role), s_(std::move(s)), e_(std::move(e)), symmetric_(std::move(symmetric)) {
  h_ = symmetric_->handshake_hash();
}

bool NoiseXX::next_is_write() const {
  if (failed_ || done_ >= kMessageCount) return false;
  return (done_ % 2 == 0) == (role_ == Role::kInitiator);
}

Result<void> NoiseXX::check_turn(bool writing) const {
  if (failed_) return Error(kRefusedCall, "the handshake failed earlier (" + failure_ + "): it cannot be used");
  if (done_ >= kMessageCount) {
    return Error(kRefusedCall, "the handshake is complete: no more handshake messages to " +
                                   std::string(writing ? "write" : "read"));
  }
  if (next_is_write() != writing) {
    return Error(kRefusedCall, writing ? "cannot write " + ordinal(done_) + ": the peer sends it"
                                       : "cannot read " + ordinal(done_) + ": this side writes it");
  }
  return {};
}

Error NoiseXX::fail(Error error) {
  failed_ = true;
  failure_ = error.to_string();
  // Nothing of this handshake may be used again: wipe every key now rather
  // than when the object goes.
  symmetric_.reset();
  e_.wipe_private();
  s_.wipe_private();
  return error;
}

Result<void> NoiseXX::mix_dh(bool our_ephemeral, bool their_ephemeral) {
  // The pattern guarantees the peer's key was read before a DH needs it.
  auto shared = crypto::x25519(our_ephemeral ? e_ : s_, their_ephemeral ? *re_ : *rs_);
  if (!shared) return shared.error();
  return symmetric_->mix_key(shared->bytes());
}

Result<void> NoiseXX::run_tokens(bool writing, std::span<const std::uint8_t>& in, std::vector<std::uint8_t>& out) {
  const bool initiator = role_ == Role::kInitiator;
  for (Token t : kPattern[static_cast<std::size_t>(done_)]) {
    Result<void> step;
    switch (t) {
      case Token::kE:
        if (writing) {
          out.insert(out.end(), e_.public_key.begin(), e_.public_key.end());
          step = symmetric_->mix_hash(e_.public_key);
        } else {
          re_.emplace();
          std::copy(in.begin(), in.begin() + kKeySize, re_->begin());
          in = in.subspan(kKeySize);
          step = symmetric_->mix_hash(*re_);
        }
        break;
      case Token::kS:
        if (writing) {
          step = symmetric_->encrypt_and_hash(s_.public_key, out);
        } else {
          const std::size_t len = kKeySize + (symmetric_->has_key() ? kTagSize : 0);
          std::vector<std::uint8_t> rs;
          step = symmetric_->decrypt_and_hash(in.first(len), rs);
          in = in.subspan(len);
          if (step) {
            rs_.emplace();
            std::copy(rs.begin(), rs.end(), rs_->begin());
          }
        }
        break;
      case Token::kEE:
      case Token::kES:
      case Token::kSE:
        step = mix_dh(our_key_is_ephemeral(t, initiator), their_key_is_ephemeral(t, initiator));
        break;
    }
    if (!step) return step;
  }
  return {};
}

Result<std::vector<std::uint8_t>> NoiseXX::write_message(std::span<const std::uint8_t> payload) {
  if (auto ok = check_turn(true); !ok) return ok.error();
  const std::size_t size = min_message_size(done_) + payload.size();
  if (size > kMaxMessageSize) {
    return Error(kRejectedInput, ordinal(done_) + " with a payload of " + std::to_string(payload.size()) +
                                     " bytes would be " + std::to_string(size) + " bytes, over Noise's limit of " +
                                     std::to_string(kMaxMessageSize));
  }
  std::vector<std::uint8_t> out;
  out.reserve(size);
  std::span<const std::uint8_t> no_input;
  if (auto tokens = run_tokens(true, no_input, out); !tokens) {
    return fail(Error(tokens.error().code(), "writing " + ordinal(done_) + ": " + tokens.error().message()));
  }
  if (auto sealed = symmetric_->encrypt_and_hash(payload, out); !sealed) return fail(sealed.error());
  ++done_;
  h_ = symmetric_->handshake_hash();
  return out;
}

Result<std::vector<std::uint8_t>> NoiseXX::read_message(std::span<const std::uint8_t> message) {
  if (auto ok = check_turn(false); !ok) return ok.error();
  const std::size_t min = min_message_size(done_);
  if (message.size() < min || message.size() > kMaxMessageSize) {
    return fail(Error(kRejectedInput, ordinal(done_) + " of " + std::to_string(message.size()) +
                                          " bytes: it takes " + std::to_string(min) + " to " +
                                          std::to_string(kMaxMessageSize) + " bytes"));
  }
  std::span<const std::uint8_t> rest = message;
  std::vector<std::uint8_t> unused;
  if (auto tokens = run_tokens(false, rest, unused); !tokens) {
    return fail(Error(tokens.error().code(), ordinal(done_) + ": " + tokens.error().message()));
  }
  std::vector<std::uint8_t> payload;
  if (auto opened = symmetric_->decrypt_and_hash(rest, payload); !opened) {
    return fail(Error(opened.error().code(), ordinal(done_) + " payload: " + opened.error().message()));
  }
  ++done_;
  h_ = symmetric_->handshake_hash();
  return payload;
}

Result<NoiseSplit> NoiseXX::split() {
  if (failed_) return Error(kRefusedCall, "the handshake failed earlier (" + failure_ + "): nothing to split");
  if (split_done_) return Error(kRefusedCall, "the handshake was split already: its transport keys were handed out");
  if (done_ < kMessageCount) {
    return Error(kRefusedCall, "the handshake is not complete (" + std::to_string(done_) + " of 3 messages)");
  }
  auto split = symmetric_->split();
  if (!split) return split.error();
  split_done_ = true;
  symmetric_.reset();
  e_.wipe_private();
  s_.wipe_private();
  return split;
}

}  // namespace ockam::channel
