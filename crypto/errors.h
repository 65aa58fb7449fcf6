// The ErrorCodes of crypto and channel errors, and OpenSSL's errors as Errors.
//
// runtime/error.h has no code for cryptography (yet), so these three names
// say which existing code each kind of failure carries; moving them to a
// dedicated code later is one edit here.
#ifndef OCKAM_CRYPTO_ERRORS_H_
#define OCKAM_CRYPTO_ERRORS_H_

#include <string_view>

#include "runtime/error.h"

namespace ockam::crypto {

// Bytes (from a peer, usually) that are malformed or do not authenticate: a
// bad tag, a message of the wrong length, a low-order public key, a nonce
// that repeats. The same code as the wire's malformed frames: the caller
// drops what it got.
inline constexpr ErrorCode kRejectedInput = ErrorCode::MalformedMessage;
// A call the object's state forbids: out of turn, after a failure, after
// completion, past the last nonce.
inline constexpr ErrorCode kRefusedCall = ErrorCode::AccessDenied;
// OpenSSL itself failed (out of memory, an algorithm missing from the
// installed providers): nothing the caller passed was wrong.
inline constexpr ErrorCode kCryptoLibraryFailure = ErrorCode::WorkerFailed;

// "<what> failed (OpenSSL: <its first queued reason>)", code
// kCryptoLibraryFailure. Empties OpenSSL's per-thread error queue, so a
// failure never leaks into the message of a later, unrelated one.
Error openssl_error(std::string_view what);
// Empties OpenSSL's per-thread error queue after an expected failure (a bad
// tag), which the caller reports in its own words.
void clear_openssl_errors() noexcept;

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_ERRORS_H_
