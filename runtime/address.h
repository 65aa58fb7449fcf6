// Address: a transport type (0 = local) and a name. "echoer" is local;
// "1#127.0.0.1:4000" is the TCP (type 1) address "127.0.0.1:4000".
#ifndef OCKAM_RUNTIME_ADDRESS_H_
#define OCKAM_RUNTIME_ADDRESS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
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
  Address(Type type, std::string_view name) : type_(type), valid_(!name.empty()) { set_name(name); }
  Address() : inline_{} {}  // invalid until assigned

  Address(const Address& other) { copy_from(other); }
  Address(Address&& other) noexcept { steal_from(other); }
  Address& operator=(const Address& other) {
    if (this != &other) {
      release();
      copy_from(other);
    }
    return *this;
  }
  Address& operator=(Address&& other) noexcept {
    if (this != &other) {
      release();
      steal_from(other);
    }
    return *this;
  }
  ~Address() { release(); }

  // A fresh local address, unique with overwhelming probability (64 random
  // bits as 16 hex digits: short enough to be stored inline).
  static Address random();

  Type type() const { return type_; }
  bool is_local() const { return type_ == kLocal; }
  std::string_view name() const {
    return on_heap() ? std::string_view(heap_data(), heap_size()) : std::string_view(inline_, small_);
  }
  bool valid() const { return valid_; }
  // "echoer", "1#127.0.0.1:4000"; an invalid address prints as it was given.
  std::string to_string() const;

  friend bool operator==(const Address& a, const Address& b) {
    // Two inline names: every byte is defined (the unused name bytes are
    // zero, and there is no padding), so the objects are equal exactly when
    // their 32 bytes are: four word compares, no call.
    if (!a.on_heap() && !b.on_heap()) return std::memcmp(&a, &b, sizeof(Address)) == 0;
    return a.hash_ == b.hash_ && a.type_ == b.type_ && a.valid_ == b.valid_ && a.name() == b.name();
  }
  // Computed once at construction and kept by copies: a send never hashes.
  std::size_t hash() const { return hash_; }

 private:
  // Names of up to kInline bytes live inside the object, so copying an
  // address (every send copies one into the return route) is a fixed-size
  // copy with no call and no allocation; longer names go to the heap.
  static constexpr std::size_t kInline = 21;
  static constexpr std::uint8_t kOnHeap = 0xff;  // small_ of a name on the heap

  bool on_heap() const { return small_ == kOnHeap; }
  // A name on the heap: its pointer and length, kept in inline_'s bytes
  // (unaligned, so that the name gets all 21 when it is inline).
  char* heap_data() const {
    char* p;
    std::memcpy(&p, inline_, sizeof p);
    return p;
  }
  std::uint32_t heap_size() const {
    std::uint32_t n;
    std::memcpy(&n, inline_ + sizeof(char*), sizeof n);
    return n;
  }
  void set_heap(char* p, std::uint32_t n) {
    std::memcpy(inline_, &p, sizeof p);
    std::memcpy(inline_ + sizeof(char*), &n, sizeof n);
  }
  void set_name(std::string_view name);
  void copy_from(const Address& other) {
    if (!other.on_heap()) {
      std::memcpy(static_cast<void*>(this), static_cast<const void*>(&other), sizeof(Address));
    } else {
      copy_heap(other);
    }
  }
  void copy_heap(const Address& other);
  void steal_from(Address& other) noexcept {
    std::memcpy(static_cast<void*>(this), static_cast<const void*>(&other), sizeof(Address));
    if (other.on_heap()) {  // the heap name is ours now; `other` is "", zeros and all
      std::memset(other.inline_, 0, kInline);
      other.small_ = 0;
    }
  }
  void release() noexcept {
    if (on_heap()) delete[] heap_data();
  }

  // The name, or where it is on the heap (heap_data()); zero past it, so
  // that equality may compare the whole object (operator==). Not zeroed by
  // a default member initializer: a copy (every send makes one) memcpys
  // all of it anyway; set_name() and Address() zero it.
  char inline_[kInline];
  std::uint8_t small_ = 0;  // the name's length when inline, else kOnHeap
  Type type_ = kLocal;
  bool valid_ = false;
  std::size_t hash_ = 0;  // of the name and the type
};
static_assert(sizeof(Address) == 32, "an Address is 32 bytes: keep routes and cells small");
static_assert(sizeof(Address) == 21 + 3 + sizeof(std::size_t), "no padding: operator== compares the bytes");

std::ostream& operator<<(std::ostream& os, const Address& address);

}  // namespace ockam

template <>
struct std::hash<ockam::Address> {
  std::size_t operator()(const ockam::Address& a) const noexcept { return a.hash(); }
};

#endif  // OCKAM_RUNTIME_ADDRESS_H_
