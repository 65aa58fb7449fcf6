#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstddef>

#include "crypto/errors.h"

namespace ockam::crypto {

Result<Sha256Digest> hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  Sha256Digest tag{};
  std::size_t len = 0;
  // EVP_Q_mac: fetch, init, update and final in one call; the key is copied
  // into the MAC context, which OpenSSL cleanses when it frees it.
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, nullptr, params, key.data(), key.size(), data.data(), data.size(),
                tag.data(), tag.size(), &len) == nullptr ||
      len != tag.size()) {
    return openssl_error("HMAC-SHA256");
  }
  return tag;
}

}  // namespace ockam::crypto
