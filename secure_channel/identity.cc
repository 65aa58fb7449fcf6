#include "secure_channel/identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "crypto/hex.h"
#include "crypto/secret.h"
#include "runtime/escape.h"

namespace ockam {

namespace {

constexpr std::string_view kPrefix = "ockam-x25519-private-key ";
// The prefix, 64 hex digits and a newline: nothing longer is read.
constexpr std::size_t kFileSize = kPrefix.size() + 64 + 1;

Error file_error(const std::string& path, const std::string& why) {
  return Error(ErrorCode::TransportError, "identity file " + detail::quoted(std::string_view(path)) + ": " + why);
}

// Wipes what it holds when it goes: the key's text passes through it.
struct WipedBuffer {
  char bytes[kFileSize + 1] = {};
  ~WipedBuffer() { crypto::wipe(bytes, sizeof bytes); }
};

}  // namespace

std::string Identity::public_key_hex() const { return crypto::to_hex(keys_.public_key); }

Result<Identity> Identity::generate() {
  Result<crypto::X25519KeyPair> keys = crypto::x25519_generate();
  if (!keys) return keys.error();
  return Identity(std::move(keys).value());
}

Result<Identity> Identity::from_private_key(const crypto::X25519PrivateKey& private_key) {
  Result<crypto::X25519KeyPair> keys = crypto::x25519_from_private(private_key);
  if (!keys) return keys.error();
  return Identity(std::move(keys).value());
}

Result<void> Identity::save(const std::string& path) const {
  // O_EXCL: never over an existing file (it may be another identity, or a
  // link someone planted); O_NOFOLLOW: never through a symbolic link.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return file_error(path, std::strerror(errno));
  WipedBuffer text;
  std::string hex = crypto::to_hex(keys_.private_key.bytes());
  const int n = std::snprintf(text.bytes, sizeof text.bytes, "%.*s%s\n", static_cast<int>(kPrefix.size()),
                              kPrefix.data(), hex.c_str());
  crypto::wipe(hex.data(), hex.size());
  bool ok = n == static_cast<int>(kFileSize);
  for (std::size_t done = 0; ok && done < kFileSize;) {
    const ssize_t w = ::write(fd, text.bytes + done, kFileSize - done);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) done += static_cast<std::size_t>(w);
  }
  ok = ::fsync(fd) == 0 && ok;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return file_error(path, std::string("cannot write it: ") + std::strerror(saved_errno));
  }
  return {};
}

Result<Identity> Identity::load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return file_error(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return file_error(path, std::strerror(errno));
  }
  auto refuse = [&](const std::string& why) {
    ::close(fd);
    return file_error(path, why);
  };
  if (!S_ISREG(st.st_mode)) return refuse("not a regular file");
  if (st.st_uid != ::geteuid()) return refuse("owned by another user");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return refuse(std::string("its mode is ") + mode + ": a private key must be readable by its owner alone (chmod 600)");
  }
  WipedBuffer text;
  std::size_t have = 0;
  for (;;) {
    const ssize_t r = ::read(fd, text.bytes + have, kFileSize + 1 - have);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return refuse(std::string("cannot read it: ") + std::strerror(errno));
    if (r == 0) break;
    have += static_cast<std::size_t>(r);
    if (have > kFileSize) break;
  }
  ::close(fd);
  const std::string_view content(text.bytes, have);
  if (have != kFileSize || content.substr(0, kPrefix.size()) != kPrefix || content.back() != '\n') {
    return file_error(path, "not an identity file (expected one line: \"" + std::string(kPrefix) +
                                "\" and 64 hex digits)");
  }
  std::optional<std::vector<std::uint8_t>> bytes = crypto::from_hex(content.substr(kPrefix.size(), 64));
  if (!bytes || bytes->size() != 32) return file_error(path, "its key is not 64 hex digits");
  std::optional<crypto::X25519PrivateKey> key = crypto::X25519PrivateKey::from(*bytes);
  crypto::wipe(bytes->data(), bytes->size());
  if (!key) return file_error(path, "its key is not 32 bytes");
  return from_private_key(*key);
}

}  // namespace ockam
