#include "runtime/address.h"

#include <ostream>
#include <random>

namespace ockam {

Address::Address(std::string_view text) {
  const std::size_t hash_at = text.find('#');
  if (hash_at == std::string_view::npos) {
    valid_ = !text.empty();
    set_name(text);
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
    valid_ = false;
    set_name(text);  // kept as given, for error messages
    return;
  }
  type_ = static_cast<Type>(value);
  valid_ = true;
  set_name(text.substr(hash_at + 1));
}

void Address::set_name(std::string_view name) {
  std::memset(inline_, 0, kInline);  // operator== compares every byte
  if (name.size() <= kInline) {
    small_ = static_cast<std::uint8_t>(name.size());
    std::memcpy(inline_, name.data(), name.size());
  } else {
    small_ = kOnHeap;
    char* heap = new char[name.size()];
    std::memcpy(heap, name.data(), name.size());
    set_heap(heap, static_cast<std::uint32_t>(name.size()));
  }
  hash_ = std::hash<std::string_view>{}(name) ^ (std::size_t{type_} * 0x9e3779b97f4a7c15ULL);
}

void Address::copy_heap(const Address& other) {
  small_ = kOnHeap;
  type_ = other.type_;
  valid_ = other.valid_;
  hash_ = other.hash_;
  const std::uint32_t n = other.heap_size();
  char* heap = new char[n];
  std::memcpy(heap, other.heap_data(), n);
  set_heap(heap, n);
}

Address Address::random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = rng();
  char name[16];
  for (char& c : name) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return Address(kLocal, std::string_view(name, sizeof name));
}

std::string Address::to_string() const {
  if (!valid_ || type_ == kLocal) return std::string(name());
  return std::to_string(type_) + "#" + std::string(name());
}

std::ostream& operator<<(std::ostream& os, const Address& address) { return os << address.to_string(); }

}  // namespace ockam
