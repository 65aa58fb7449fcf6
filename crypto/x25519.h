// X25519 Diffie-Hellman (RFC 7748), through OpenSSL's EVP_PKEY interface.
//
// A private key is any 32 bytes (X25519 clamps it itself), kept in a
// self-wiping SecretBytes; a public key is 32 plain bytes.
//
// INVARIANT (no zero secret): x25519() never returns the all-zero shared
//   secret. A peer that sends a public key of small order (or a few other
//   crafted values) forces that result whatever our private key is, which
//   would make every key derived from it public; Noise leaves the check to
//   the implementation, and Ockam's issue 10 (item 5) asks for it.
#ifndef OCKAM_CRYPTO_X25519_H_
#define OCKAM_CRYPTO_X25519_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "crypto/secret.h"
#include "runtime/result.h"

namespace ockam::crypto {

inline constexpr std::size_t kX25519KeySize = 32;

using X25519PrivateKey = SecretKey32;
using X25519PublicKey = std::array<std::uint8_t, kX25519KeySize>;
using X25519SharedSecret = SecretKey32;

struct X25519KeyPair {
  X25519PrivateKey private_key;
  X25519PublicKey public_key{};
};

// A fresh key pair from OpenSSL's random generator.
Result<X25519KeyPair> x25519_generate();
// The key pair of a given private key (tests, vectors, a key loaded from a
// file).
Result<X25519KeyPair> x25519_from_private(const X25519PrivateKey& private_key);
// The shared secret X25519(private_key, peer_public). An all-zero result is
// refused with kRejectedInput (crypto/errors.h), naming the public key.
Result<X25519SharedSecret> x25519(const X25519PrivateKey& private_key, const X25519PublicKey& peer_public);

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_X25519_H_
