// A node's identity for secure channels: a static X25519 key pair, as
// Ockam 007d435's channels use (no identity layer over it yet), generated
// fresh or kept in a file that only its owner can read.
//
// The file is text, one line: "ockam-x25519-private-key " and the private
// key's 64 hex digits. save() creates it with mode 0600 and refuses to
// overwrite a file; load() refuses a file that its owner does not own or
// that anyone else may read or write (as ssh does with private keys), and
// anything but exactly that line.
//
// Keys are wiped from memory when the Identity goes (crypto/secret.h).
// Each copy holds its own copy of the key's bytes; all share the one
// OpenSSL object the key is loaded in (crypto::X25519KeyPair::loaded,
// immutable, so every channel's handshake skips loading it again), which is
// freed and cleansed with the last copy and the last channel using it.
#ifndef OCKAM_SECURE_CHANNEL_IDENTITY_H_
#define OCKAM_SECURE_CHANNEL_IDENTITY_H_

#include <string>

#include "crypto/x25519.h"
#include "runtime/access_control.h"
#include "runtime/result.h"

namespace ockam {

class Identity {
 public:
  // A fresh key pair from OpenSSL's random generator.
  static Result<Identity> generate();
  // The key pair of a private key (tests, vectors).
  static Result<Identity> from_private_key(const crypto::X25519PrivateKey& private_key);
  // TransportError naming the path and the cause
  // (missing, unreadable, permissions too open, not owned, malformed).
  static Result<Identity> load(const std::string& path);
  // Writes the private key to a new file `path` (mode 0600). TransportError if
  // it exists or cannot be written.
  Result<void> save(const std::string& path) const;

  // What peers know this node by (AccessPolicy::from_channel_peer, trusted
  // peer lists): the static public key.
  const PeerIdentity& public_key() const { return keys_.public_key; }
  // The public key as 64 hex digits, for logs and configuration.
  std::string public_key_hex() const;
  const crypto::X25519KeyPair& keys() const { return keys_; }

 private:
  explicit Identity(crypto::X25519KeyPair keys) : keys_(std::move(keys)) {}
  crypto::X25519KeyPair keys_;
};

}  // namespace ockam

#endif  // OCKAM_SECURE_CHANNEL_IDENTITY_H_
