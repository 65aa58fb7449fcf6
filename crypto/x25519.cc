#include "crypto/x25519.h"

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "crypto/errors.h"
#include "crypto/hex.h"

namespace ockam::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

Result<X25519PublicKey> public_of(EVP_PKEY* key) {
  X25519PublicKey pub{};
  std::size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key, pub.data(), &len) != 1 || len != pub.size()) {
    return openssl_error("reading an X25519 public key");
  }
  return pub;
}

Result<Pkey> private_pkey(const X25519PrivateKey& private_key) {
  // OpenSSL copies the bytes into its own key object and cleanses them when
  // the EVP_PKEY is freed.
  Pkey key(EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, private_key.data(), private_key.size()));
  if (!key) return openssl_error("loading an X25519 private key");
  return key;
}

// A key pair keeps its loaded key shared (X25519KeyPair::loaded).
std::shared_ptr<const evp_pkey_st> shared(Pkey key) { return std::shared_ptr<const evp_pkey_st>(key.release(), PkeyFree{}); }

// X25519(ours, peer_public), `ours` a loaded private key. OpenSSL only reads
// it (each call has its own EVP_PKEY_CTX), through a non-const pointer.
Result<X25519SharedSecret> derive(const EVP_PKEY* ours, const X25519PublicKey& peer_public) {
  Pkey theirs(EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, peer_public.data(), peer_public.size()));
  if (!theirs) return openssl_error("loading an X25519 public key");

  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, const_cast<EVP_PKEY*>(ours), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), theirs.get()) != 1) {
    return openssl_error("setting up X25519");
  }
  X25519SharedSecret shared;
  std::size_t len = shared.size();
  const bool derived = EVP_PKEY_derive(ctx.get(), shared.data(), &len) == 1 && len == shared.size();
  // OpenSSL 3's X25519 derivation fails exactly when the result is all zero
  // (both keys are set and the buffer is large enough, its only other
  // failures); is_zero() keeps the invariant whatever a later version does.
  if (!derived || shared.is_zero()) {
    shared.clear();
    clear_openssl_errors();
    return Error(kRejectedInput, "X25519 with the public key " + to_hex(peer_public) +
                                     " gives the all-zero shared secret (a point of small order): refused");
  }
  return shared;
}

}  // namespace

Result<X25519KeyPair> x25519_generate() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (!key) return openssl_error("generating an X25519 key pair");
  X25519KeyPair pair;
  std::size_t len = pair.private_key.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), pair.private_key.data(), &len) != 1 || len != pair.private_key.size()) {
    return openssl_error("reading an X25519 private key");
  }
  auto pub = public_of(key.get());
  if (!pub) return pub.error();
  pair.public_key = *pub;
  pair.loaded = shared(std::move(key));
  return pair;
}

Result<X25519KeyPair> x25519_from_private(const X25519PrivateKey& private_key) {
  auto key = private_pkey(private_key);
  if (!key) return key.error();
  auto pub = public_of(key->get());
  if (!pub) return pub.error();
  return X25519KeyPair{private_key, *pub, shared(std::move(*key))};
}

Result<X25519SharedSecret> x25519(const X25519PrivateKey& private_key, const X25519PublicKey& peer_public) {
  auto ours = private_pkey(private_key);
  if (!ours) return ours.error();
  return derive(ours->get(), peer_public);
}

Result<X25519SharedSecret> x25519(const X25519KeyPair& ours, const X25519PublicKey& peer_public) {
  if (ours.loaded) return derive(ours.loaded.get(), peer_public);
  return x25519(ours.private_key, peer_public);
}

}  // namespace ockam::crypto
