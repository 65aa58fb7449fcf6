// Address: a transport type (0 = local) and a name. "echoer" is local;
// "1#127.0.0.1:4000" is the TCP (type 1) address "127.0.0.1:4000".
#ifndef OCKAM_RUNTIME_ADDRESS_H_
#define OCKAM_RUNTIME_ADDRESS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace ockam {

class Address {
 public:
  using Type = std::uint8_t;
  static constexpr Type kLocal = 0;

  // Parses "name" or "<type>#name" with <type> a decimal 0..255. Construction
  // never fails: an empty name or a non-numeric type gives an address whose
  // valid() is false, and any send or start_worker on it returns
  // InvalidAddress.
  Address(std::string_view text);   // NOLINT: implicit, so "echoer" works everywhere
  Address(const char* text) : Address(std::string_view(text)) {}   // NOLINT
  Address(const std::string& text) : Address(std::string_view(text)) {}  // NOLINT
  Address(Type type, std::string name)
      : name_(std::move(name)), type_(type), valid_(!name_.empty()) {
    hash_ = compute_hash();
  }
  Address() = default;  // invalid until assigned

  // A fresh local address, unique with overwhelming probability (56 random
  // bits, short enough to stay inside std::string's inline buffer).
  static Address random();

  Type type() const { return type_; }
  bool is_local() const { return type_ == kLocal; }
  const std::string& name() const { return name_; }
  bool valid() const { return valid_; }
  // "echoer", "1#127.0.0.1:4000"; an invalid address prints as it was given.
  std::string to_string() const;

  friend bool operator==(const Address& a, const Address& b) {
    return a.hash_ == b.hash_ && a.type_ == b.type_ && a.valid_ == b.valid_ && a.name_ == b.name_;
  }
  // Computed once at construction and kept by copies: a send never hashes.
  std::size_t hash() const { return hash_; }

 private:
  std::size_t compute_hash() const;

  std::string name_;  // for an invalid address: the text as given
  std::size_t hash_ = 0;  // of name_ and type_
  Type type_ = kLocal;
  bool valid_ = false;
};

std::ostream& operator<<(std::ostream& os, const Address& address);

}  // namespace ockam

template <>
struct std::hash<ockam::Address> {
  std::size_t operator()(const ockam::Address& a) const noexcept { return a.hash(); }
};

#endif  // OCKAM_RUNTIME_ADDRESS_H_
