#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <memory>

#include "crypto/errors.h"

namespace ockam::crypto {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

Result<Sha256Digest> sha256(std::span<const std::uint8_t> data) { return sha256({data}); }

Result<Sha256Digest> sha256(std::initializer_list<std::span<const std::uint8_t>> parts) {
  const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), EVP_sha256(), nullptr) != 1) return openssl_error("SHA-256 init");
  for (const auto& part : parts) {
    if (!part.empty() && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) {
      return openssl_error("SHA-256 update");
    }
  }
  Sha256Digest digest{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &len) != 1 || len != digest.size()) {
    return openssl_error("SHA-256 final");
  }
  return digest;
}

}  // namespace ockam::crypto
