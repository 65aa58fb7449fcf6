#include "crypto/errors.h"

#include <openssl/err.h>

#include <string>

namespace ockam::crypto {

Error openssl_error(std::string_view what) {
  std::string message(what);
  message += " failed";
  const unsigned long code = ERR_get_error();
  if (code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    message += " (OpenSSL: ";
    message += reason;
    message += ")";
  }
  ERR_clear_error();
  return Error(kCryptoLibraryFailure, std::move(message));
}

void clear_openssl_errors() noexcept { ERR_clear_error(); }

}  // namespace ockam::crypto
