#include "channel/cipher_state.h"

#include <string>
#include <utility>

#include "crypto/errors.h"

namespace ockam::channel {

CipherState::CipherState(CipherState&& other) noexcept : key_(std::move(other.key_)), nonce_(other.nonce_) {
  other.key_.reset();
  other.nonce_ = 0;
}

CipherState& CipherState::operator=(CipherState&& other) noexcept {
  if (this != &other) {
    key_ = std::move(other.key_);
    nonce_ = other.nonce_;
    other.key_.reset();
    other.nonce_ = 0;
  }
  return *this;
}

void CipherState::initialize_key(crypto::SecretKey32 key) {
  key_.reset();  // the old schedule is cleansed before the new one is made
  key_.emplace(crypto::Aes256Gcm::create(key));
  nonce_ = 0;
}  // `key` wipes itself here: the context holds the only copy

crypto::AesGcmNonce CipherState::aesgcm_nonce(std::uint64_t n) {
  crypto::AesGcmNonce nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
  return nonce;
}

Result<void> CipherState::check_nonce() const {
  if (nonce_ > kMaxNonce) {
    return Error(crypto::kRefusedCall,
                 "cipher state nonce exhausted: 2^64-1 is reserved by Noise, so this key can seal or open no more "
                 "messages");
  }
  return {};
}

Result<void> CipherState::encrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> plaintext,
                                          std::vector<std::uint8_t>& out) {
  if (!key_) {
    out.insert(out.end(), plaintext.begin(), plaintext.end());
    return {};
  }
  if (auto ok = check_nonce(); !ok) return ok;
  if (!*key_) return key_->error();
  if (auto sealed = (*key_)->seal(aesgcm_nonce(nonce_), ad, plaintext, out); !sealed) return sealed;
  ++nonce_;
  return {};
}

Result<void> CipherState::decrypt_with_ad(std::span<const std::uint8_t> ad, std::span<const std::uint8_t> ciphertext,
                                          std::vector<std::uint8_t>& out) {
  if (!key_) {
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    return {};
  }
  if (auto ok = check_nonce(); !ok) return ok;
  if (!*key_) return key_->error();
  if (auto opened = (*key_)->open(aesgcm_nonce(nonce_), ad, ciphertext, out); !opened) return opened;
  ++nonce_;
  return {};
}

Result<std::vector<std::uint8_t>> CipherState::encrypt_with_ad(std::span<const std::uint8_t> ad,
                                                               std::span<const std::uint8_t> plaintext) {
  std::vector<std::uint8_t> out;
  if (auto r = encrypt_with_ad(ad, plaintext, out); !r) return r.error();
  return out;
}

Result<std::vector<std::uint8_t>> CipherState::decrypt_with_ad(std::span<const std::uint8_t> ad,
                                                               std::span<const std::uint8_t> ciphertext) {
  std::vector<std::uint8_t> out;
  if (auto r = decrypt_with_ad(ad, ciphertext, out); !r) return r.error();
  return out;
}

}  // namespace ockam::channel
