#include "channel/symmetric_state.h"

#include <algorithm>
#include <utility>

#include "crypto/errors.h"
#include "crypto/hkdf.h"

namespace ockam::channel {

Result<SymmetricState> SymmetricState::initialize(std::string_view protocol_name) {
  SymmetricState state;
  if (protocol_name.size() <= state.h_.size()) {
    std::copy(protocol_name.begin(), protocol_name.end(), state.h_.begin());  // the rest stays zero
  } else {
    auto digest = crypto::sha256(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(protocol_name.data()), protocol_name.size()));
    if (!digest) return digest.error();
    state.h_ = *digest;
  }
  state.ck_ = crypto::SecretKey32(std::span<const std::uint8_t, 32>(state.h_));
  return state;
}

Result<void> SymmetricState::check_usable() const {
  if (split_done_) return Error(crypto::kRefusedCall, "the symmetric state was split: its keys are gone");
  return {};
}

Result<void> SymmetricState::mix_key(std::span<const std::uint8_t> input_key_material) {
  if (auto ok = check_usable(); !ok) return ok;
  auto outputs = crypto::noise_hkdf2(ck_, input_key_material);
  if (!outputs) return outputs.error();
  ck_ = std::move((*outputs)[0]);
  // HASHLEN is 32, the key size of AESGCM: temp_k is used whole.
  cipher_.initialize_key(std::move((*outputs)[1]));
  return {};
}

Result<void> SymmetricState::mix_hash(std::span<const std::uint8_t> data) {
  if (auto ok = check_usable(); !ok) return ok;
  auto digest = crypto::sha256({h_, data});
  if (!digest) return digest.error();
  h_ = *digest;
  return {};
}

Result<void> SymmetricState::encrypt_and_hash(std::span<const std::uint8_t> plaintext,
                                              std::vector<std::uint8_t>& out) {
  if (auto ok = check_usable(); !ok) return ok;
  const std::size_t start = out.size();
  if (auto sealed = cipher_.encrypt_with_ad(h_, plaintext, out); !sealed) return sealed;
  if (auto mixed = mix_hash(std::span<const std::uint8_t>(out).subspan(start)); !mixed) {
    out.resize(start);
    return mixed;
  }
  return {};
}

Result<void> SymmetricState::decrypt_and_hash(std::span<const std::uint8_t> ciphertext,
                                              std::vector<std::uint8_t>& out) {
  if (auto ok = check_usable(); !ok) return ok;
  if (auto opened = cipher_.decrypt_with_ad(h_, ciphertext, out); !opened) return opened;
  return mix_hash(ciphertext);
}

Result<NoiseSplit> SymmetricState::split() {
  if (auto ok = check_usable(); !ok) return ok.error();
  auto outputs = crypto::noise_hkdf2(ck_, {});
  if (!outputs) return outputs.error();
  split_done_ = true;
  ck_.clear();
  cipher_ = CipherState();  // the handshake key is wiped with it
  return NoiseSplit{CipherState(std::move((*outputs)[0])), CipherState(std::move((*outputs)[1]))};
}

}  // namespace ockam::channel
