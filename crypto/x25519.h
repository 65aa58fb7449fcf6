// X25519 Diffie-Hellman (RFC 7748), through OpenSSL's EVP_PKEY interface.
//
// A private key is any 32 bytes (X25519 clamps it itself), kept in a
// self-wiping SecretBytes; a public key is 32 plain bytes.
//
// Loading a private key into OpenSSL derives its public key, which costs as
// much as a Diffie-Hellman. So a key pair from x25519_generate() or
// x25519_from_private() keeps its key loaded (X25519KeyPair::loaded), and
// x25519(pair, peer) uses that: each DH then costs one scalar
// multiplication, not two. x25519(private_key, peer) loads the key each time.
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
#include <memory>

#include "crypto/secret.h"
#include "runtime/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace ockam::crypto {

inline constexpr std::size_t kX25519KeySize = 32;

using X25519PrivateKey = SecretKey32;
using X25519PublicKey = std::array<std::uint8_t, kX25519KeySize>;
using X25519SharedSecret = SecretKey32;

// INVARIANT (loaded is private_key): `loaded`, when set, holds exactly
//   `private_key`: only x25519_generate() and x25519_from_private() set it,
//   and wipe_private() drops it with the key. Change private_key in no
//   other way in a pair that has it.
// Concurrency contract: `loaded` is immutable once made and is shared by the
// copies of a pair (a node's static key, by every channel it opens), which
// may use it in x25519() on any threads at once (each DH has its own
// EVP_PKEY_CTX, as OpenSSL allows). It is freed, and the key in it
// cleansed, with the last copy.
struct X25519KeyPair {
  X25519PrivateKey private_key;
  X25519PublicKey public_key{};
  // private_key loaded into OpenSSL; empty in a pair put together by hand
  // (x25519(pair, peer) then loads private_key).
  std::shared_ptr<const evp_pkey_st> loaded;

  // Wipes the private key and lets go of the loaded one; the public key
  // stays.
  void wipe_private() noexcept {
    private_key.clear();
    loaded.reset();
  }
};

// A fresh key pair from OpenSSL's random generator.
Result<X25519KeyPair> x25519_generate();
// The key pair of a given private key (tests, vectors, a key loaded from a
// file).
Result<X25519KeyPair> x25519_from_private(const X25519PrivateKey& private_key);
// The shared secret X25519(private_key, peer_public). An all-zero result is
// refused with kRejectedInput (crypto/errors.h), naming the public key.
Result<X25519SharedSecret> x25519(const X25519PrivateKey& private_key, const X25519PublicKey& peer_public);
// The same with ours.private_key, through ours.loaded when it is set.
Result<X25519SharedSecret> x25519(const X25519KeyPair& ours, const X25519PublicKey& peer_public);

}  // namespace ockam::crypto

#endif  // OCKAM_CRYPTO_X25519_H_
