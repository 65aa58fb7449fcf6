#include "crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "crypto/errors.h"

namespace ockam::crypto {
namespace {

struct CipherFree {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};

int as_int(std::size_t n) { return static_cast<int>(n); }  // callers checked n <= kAesGcmMaxInput

Error too_long(const char* what, std::size_t n) {
  return Error(kRefusedCall, std::string("AES-256-GCM ") + what + " of " + std::to_string(n) +
                                 " bytes is over the limit of " + std::to_string(kAesGcmMaxInput));
}

}  // namespace

void Aes256Gcm::ContextFree::operator()(evp_cipher_ctx_st* ctx) const noexcept {
  // EVP_CIPHER_CTX_free cleanses the key schedule before freeing it.
  EVP_CIPHER_CTX_free(ctx);
}

Result<Aes256Gcm> Aes256Gcm::create(const Aes256GcmKey& key) {
  // Fetched explicitly: EVP_aes_256_gcm() would make OpenSSL 3 fetch the
  // provider's implementation again at every init.
  std::unique_ptr<EVP_CIPHER, CipherFree> cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  if (!cipher) return openssl_error("fetching AES-256-GCM");
  std::unique_ptr<evp_cipher_ctx_st, ContextFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return openssl_error("AES-256-GCM context");
  // The key alone: each message sets its nonce. The context takes its own
  // reference to the cipher, so ours is freed on return. The default IV
  // length of AES-GCM in OpenSSL is 12 bytes, ours.
  if (EVP_CipherInit_ex2(ctx.get(), cipher.get(), key.data(), nullptr, 1, nullptr) != 1) {
    return openssl_error("AES-256-GCM init");
  }
  return Aes256Gcm(std::move(ctx));
}

Result<void> Aes256Gcm::set_nonce(const AesGcmNonce& nonce, bool encrypt) {
  if (!ctx_) return Error(kRefusedCall, "AES-256-GCM context was moved from: it has no key");
  // No cipher and no key: the context keeps both, and GCM takes the new IV
  // (and the direction) for the next message. The key schedule is the same
  // for both directions.
  if (EVP_CipherInit_ex2(ctx_.get(), nullptr, nullptr, nonce.data(), encrypt ? 1 : 0, nullptr) != 1) {
    return openssl_error("AES-256-GCM nonce");
  }
  return {};
}

Result<void> Aes256Gcm::seal(const AesGcmNonce& nonce, std::span<const std::uint8_t> aad,
                             std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out) {
  if (plaintext.size() > kAesGcmMaxInput) return too_long("plaintext", plaintext.size());
  if (aad.size() > kAesGcmMaxInput) return too_long("associated data", aad.size());
  if (auto set = set_nonce(nonce, true); !set) return set;
  EVP_CIPHER_CTX* ctx = ctx_.get();
  const std::size_t start = out.size();
  out.resize(start + plaintext.size() + kAesGcmTagSize);
  std::uint8_t* dst = out.data() + start;
  int len = 0;
  bool ok = aad.empty() || EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), as_int(aad.size())) == 1;
  ok = ok && (plaintext.empty() || EVP_EncryptUpdate(ctx, dst, &len, plaintext.data(), as_int(plaintext.size())) == 1);
  ok = ok && EVP_EncryptFinal_ex(ctx, dst + plaintext.size(), &len) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, as_int(kAesGcmTagSize), dst + plaintext.size()) == 1;
  if (!ok) {
    out.resize(start);
    return openssl_error("AES-256-GCM seal");
  }
  return {};
}

Result<void> Aes256Gcm::open(const AesGcmNonce& nonce, std::span<const std::uint8_t> aad,
                             std::span<const std::uint8_t> ciphertext_and_tag, std::vector<std::uint8_t>& out) {
  if (ciphertext_and_tag.size() < kAesGcmTagSize) {
    return Error(kRejectedInput, "AES-256-GCM input of " + std::to_string(ciphertext_and_tag.size()) +
                                     " bytes is shorter than its 16-byte tag");
  }
  if (ciphertext_and_tag.size() > kAesGcmMaxInput) return too_long("ciphertext", ciphertext_and_tag.size());
  if (aad.size() > kAesGcmMaxInput) return too_long("associated data", aad.size());
  const std::size_t text_size = ciphertext_and_tag.size() - kAesGcmTagSize;
  const std::span<const std::uint8_t> text = ciphertext_and_tag.first(text_size);
  const std::span<const std::uint8_t> tag = ciphertext_and_tag.subspan(text_size);

  if (auto set = set_nonce(nonce, false); !set) return set;
  EVP_CIPHER_CTX* ctx = ctx_.get();
  // OpenSSL only reads the expected tag, through a non-const pointer.
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, as_int(kAesGcmTagSize), const_cast<std::uint8_t*>(tag.data())) !=
      1) {
    return openssl_error("AES-256-GCM set tag");
  }
  const std::size_t start = out.size();
  out.resize(start + text_size);
  std::uint8_t* dst = out.data() + start;
  int len = 0;
  bool ok = aad.empty() || EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), as_int(aad.size())) == 1;
  ok = ok && (text.empty() || EVP_DecryptUpdate(ctx, dst, &len, text.data(), as_int(text_size)) == 1);
  // Final verifies the tag (in constant time); until it has, what Update
  // wrote is unauthenticated and must not escape.
  ok = ok && EVP_DecryptFinal_ex(ctx, dst + text_size, &len) == 1;
  if (!ok) {
    wipe(dst, text_size);
    out.resize(start);
    clear_openssl_errors();
    return Error(kRejectedInput, "AES-256-GCM tag does not verify: the message was altered, or the key, nonce or "
                                 "associated data differ from the sender's");
  }
  return {};
}

Result<void> aes256gcm_seal(const Aes256GcmKey& key, const AesGcmNonce& nonce, std::span<const std::uint8_t> aad,
                            std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out) {
  auto keyed = Aes256Gcm::create(key);
  if (!keyed) return keyed.error();
  return keyed->seal(nonce, aad, plaintext, out);
}

Result<void> aes256gcm_open(const Aes256GcmKey& key, const AesGcmNonce& nonce, std::span<const std::uint8_t> aad,
                            std::span<const std::uint8_t> ciphertext_and_tag, std::vector<std::uint8_t>& out) {
  auto keyed = Aes256Gcm::create(key);
  if (!keyed) return keyed.error();
  return keyed->open(nonce, aad, ciphertext_and_tag, out);
}

Result<std::vector<std::uint8_t>> aes256gcm_seal(const Aes256GcmKey& key, const AesGcmNonce& nonce,
                                                 std::span<const std::uint8_t> aad,
                                                 std::span<const std::uint8_t> plaintext) {
  std::vector<std::uint8_t> out;
  if (auto r = aes256gcm_seal(key, nonce, aad, plaintext, out); !r) return r.error();
  return out;
}

Result<std::vector<std::uint8_t>> aes256gcm_open(const Aes256GcmKey& key, const AesGcmNonce& nonce,
                                                 std::span<const std::uint8_t> aad,
                                                 std::span<const std::uint8_t> ciphertext_and_tag) {
  std::vector<std::uint8_t> out;
  if (auto r = aes256gcm_open(key, nonce, aad, ciphertext_and_tag, out); !r) return r.error();
  return out;
}

}  // namespace ockam::crypto
