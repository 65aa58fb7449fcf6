#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <memory>
#include <string>

#include "crypto/errors.h"
#include "crypto/hmac.h"

namespace ockam::crypto {
namespace {

struct KdfFree {
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

// OSSL_PARAM takes non-const pointers even for inputs it only reads.
void* in(std::span<const std::uint8_t> bytes) { return const_cast<std::uint8_t*>(bytes.data()); }

template <std::size_t Count>
Result<std::array<SecretKey32, Count>> noise_hkdf(const SecretKey32& chaining_key,
                                                   std::span<const std::uint8_t> ikm) {
  SecretBytes<32 * Count> okm;  // wiped when it goes out of scope
  if (auto r = hkdf_sha256(chaining_key.bytes(), ikm, {}, okm.mutable_bytes()); !r) return r.error();
  std::array<SecretKey32, Count> outputs;
  for (std::size_t i = 0; i < Count; ++i) {
    outputs[i] = SecretKey32(std::span<const std::uint8_t, 32>(okm.data() + 32 * i, 32));
  }
  return outputs;
}

}  // namespace

Result<void> hkdf_sha256(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
                         std::span<const std::uint8_t> info, std::span<std::uint8_t> out) {
  if (out.empty() || out.size() > 255 * 32) {
    return Error(kRefusedCall, "HKDF-SHA256 gives 1 to 8160 bytes, not " + std::to_string(out.size()));
  }
  // Extract with HMAC ourselves: OpenSSL's HKDF refuses an empty input key
  // (its "missing key" check), and Noise's Split() is HKDF(ck, empty). An
  // empty salt is HashLen zeros (RFC 5869, 2.2).
  static constexpr std::array<std::uint8_t, 32> kZeroSalt{};
  auto prk_digest = hmac_sha256(salt.empty() ? std::span<const std::uint8_t>(kZeroSalt) : salt, ikm);
  if (!prk_digest) return prk_digest.error();
  const SecretKey32 prk(*prk_digest);
  wipe(prk_digest->data(), prk_digest->size());

  const std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return openssl_error("fetching HKDF");
  const std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return openssl_error("HKDF context");

  char digest_name[] = "SHA256";
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0);
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, in(prk.bytes()), prk.size());
  // An empty info is left out (the same as no info; OpenSSL rejects a
  // zero-length octet string here).
  if (!info.empty()) params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, in(info), info.size());
  params[n] = OSSL_PARAM_construct_end();

  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    wipe(out);
    return openssl_error("HKDF-SHA256 expand");
  }
  return {};
}

Result<std::array<SecretKey32, 2>> noise_hkdf2(const SecretKey32& chaining_key, std::span<const std::uint8_t> ikm) {
  return noise_hkdf<2>(chaining_key, ikm);
}

Result<std::array<SecretKey32, 3>> noise_hkdf3(const SecretKey32& chaining_key, std::span<const std::uint8_t> ikm) {
  return noise_hkdf<3>(chaining_key, ikm);
}

}  // namespace ockam::crypto
