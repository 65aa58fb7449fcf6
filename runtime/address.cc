#include "runtime/address.h"

#include <ostream>
#include <random>

namespace ockam {

Address::Address(std::string_view text) {
  const std::size_t hash_at = text.find('#');
  if (hash_at == std::string_view::npos) {
    name_ = std::string(text);
    valid_ = !name_.empty();
    hash_ = compute_hash();
    return;
  }
  const std::string_view type = text.substr(0, hash_at);
  unsigned value = 0;
  bool numeric = !type.empty() && type.size() <= 3;
  for (char c : type) {
    if (c < '0' || c > '9') numeric = false;
    else value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (!numeric || value > 255 || hash_at + 1 == text.size()) {
    name_ = std::string(text);
    valid_ = false;
    hash_ = compute_hash();
    return;
  }
  type_ = static_cast<Type>(value);
  name_ = std::string(text.substr(hash_at + 1));
  valid_ = true;
  hash_ = compute_hash();
}

std::size_t Address::compute_hash() const {
  return std::hash<std::string_view>{}(name_) ^ (std::size_t{type_} * 0x9e3779b97f4a7c15ULL);
}

Address Address::random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = rng();
  std::string name(14, '0');
  for (char& c : name) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return Address(kLocal, std::move(name));
}

std::string Address::to_string() const {
  if (!valid_ || type_ == kLocal) return name_;
  return std::to_string(type_) + "#" + name_;
}

std::ostream& operator<<(std::ostream& os, const Address& address) { return os << address.to_string(); }

}  // namespace ockam
