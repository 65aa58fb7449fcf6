#include "runtime/internal/packed_routes.h"

#include <cstring>
#include <string_view>

#include "runtime/internal/allocator.h"
#include "runtime/internal/dcheck.h"

namespace ockam::detail {
namespace {

constexpr std::uint8_t kLong = 255;  // len byte of a name of 255 bytes or more

std::size_t entry_size(const Address& a) {
  const std::size_t n = a.name().size();
  return n < kLong ? 2 + n : 6 + n;
}

// [type][len][name] at `at`; returns the end.
std::uint8_t* put_onward(std::uint8_t* at, const Address& a) {
  const std::string_view name = a.name();
  *at++ = a.type();
  if (name.size() < kLong) {
    *at++ = static_cast<std::uint8_t>(name.size());
  } else {
    *at++ = kLong;
    const auto n = static_cast<std::uint32_t>(name.size());
    std::memcpy(at, &n, 4);
    at += 4;
  }
  std::memcpy(at, name.data(), name.size());
  return at + name.size();
}

// [name][len][type] at `at`; returns the end.
std::uint8_t* put_ret(std::uint8_t* at, const Address& a) {
  const std::string_view name = a.name();
  std::memcpy(at, name.data(), name.size());
  at += name.size();
  if (name.size() >= kLong) {
    const auto n = static_cast<std::uint32_t>(name.size());
    std::memcpy(at, &n, 4);
    at += 4;
    *at++ = kLong;
  } else {
    *at++ = static_cast<std::uint8_t>(name.size());
  }
  *at++ = a.type();
  return at;
}

struct Entry {
  Address::Type type;
  std::string_view name;
  std::size_t size;  // bytes of the entry
};

// The onward entry that starts at `at`.
Entry read_onward(const std::uint8_t* at) {
  const Address::Type type = at[0];
  std::size_t n = at[1];
  std::size_t header = 2;
  if (n == kLong) {
    std::uint32_t big;
    std::memcpy(&big, at + 2, 4);
    n = big;
    header = 6;
  }
  return {type, std::string_view(reinterpret_cast<const char*>(at + header), n), header + n};
}

// The ret entry that ends at `end`.
Entry read_ret(const std::uint8_t* end) {
  const Address::Type type = end[-1];
  std::size_t n = end[-2];
  std::size_t trailer = 2;
  if (n == kLong) {
    std::uint32_t big;
    std::memcpy(&big, end - 6, 4);
    n = big;
    trailer = 6;
  }
  return {type, std::string_view(reinterpret_cast<const char*>(end - trailer - n), n), trailer + n};
}

Address address_of(const Entry& e) { return Address(e.type, e.name); }

}  // namespace

// Heap storage comes from the envelopes' allocator (a thread's cache of
// blocks): a message from a peer always has a transport address in its
// routes, too long to fit in place.
std::uint8_t* PackedRoutes::allocate_bytes(std::size_t& bytes) {
  bytes = (bytes + 63) / 64 * 64;
  return static_cast<std::uint8_t*>(allocate(bytes, alignof(std::max_align_t)));
}

void PackedRoutes::release() noexcept {
  deallocate(heap_storage_.data, heap_storage_.capacity, alignof(std::max_align_t));
  heap_ = false;
}

void PackedRoutes::take(PackedRoutes& other) noexcept {
  if (heap_) release();
  std::memcpy(static_cast<void*>(this), static_cast<const void*>(&other), sizeof(PackedRoutes));
  other.heap_ = false;
  other.begin_ = other.mid_ = other.end_ = 0;
  other.n_onward_ = 0;
  other.n_ret_ = 0;
}

bool PackedRoutes::reset(std::size_t bytes) {
  if (bytes > kMaxBytes) return false;
  if (bytes > capacity()) {
    // Rounded up, so a hop or two more rarely needs another.
    std::size_t want = bytes + bytes / 2;
    std::uint8_t* fresh = allocate_bytes(want);
    if (heap_) release();
    heap_storage_ = Heap{fresh, static_cast<std::uint32_t>(want)};
    heap_ = true;
  }
  begin_ = mid_ = end_ = 0;
  n_onward_ = 0;
  n_ret_ = 0;
  return true;
}

bool PackedRoutes::assign(const Address& to, const Address& from) {
  // Every send: one hop each way, short names. Both names are inline in
  // their Addresses (at most 12 bytes here, and an Address holds 23 in
  // place), so fixed 16-byte copies read only their own bytes, and the
  // compiler turns them into two vector moves instead of memcpy calls.
  if (!heap_) [[likely]] {
    const std::size_t a = to.name().size();
    const std::size_t b = from.name().size();
    if (a + b + 4 <= kInline) {
      std::uint8_t staged[48];
      std::memcpy(staged, from.name().data(), 16);
      staged[b] = static_cast<std::uint8_t>(b);
      staged[b + 1] = from.type();
      std::uint8_t* at = staged + b + 2;
      at[0] = to.type();
      at[1] = static_cast<std::uint8_t>(a);
      std::memcpy(at + 2, to.name().data(), 16);
      std::memcpy(inline_, staged, kInline);
      begin_ = 0;
      mid_ = static_cast<std::uint16_t>(b + 2);
      end_ = static_cast<std::uint16_t>(b + 4 + a);
      n_onward_ = 1;
      n_ret_ = 1;
      return true;
    }
  }
  return assign_onward(&to, &to + 1, 1, from);
}

bool PackedRoutes::assign(const Route& onward, const Address& from) {
  if (onward.size() == 1) [[likely]] return assign(onward[0], from);
  return assign_onward(onward.begin(), onward.end(), onward.size(), from);
}

template <class Hops>
bool PackedRoutes::assign_onward(Hops first, Hops last, std::size_t n, const Address& from) {
  if (n > kMaxHops) return false;
  std::size_t bytes = entry_size(from);
  for (Hops it = first; it != last; ++it) bytes += entry_size(*it);
  if (!reset(bytes)) return false;
  std::uint8_t* at = put_ret(data(), from);
  mid_ = static_cast<std::uint16_t>(at - data());
  for (Hops it = first; it != last; ++it) at = put_onward(at, *it);
  end_ = static_cast<std::uint16_t>(at - data());
  n_onward_ = static_cast<std::uint8_t>(n);
  n_ret_ = 1;
  return true;
}

bool PackedRoutes::assign(const Route& onward, const Route& ret) {
  if (onward.size() > kMaxHops || ret.size() > kMaxHops) return false;
  std::size_t bytes = 0;
  for (const Address& a : onward) bytes += entry_size(a);
  for (const Address& a : ret) bytes += entry_size(a);
  if (!reset(bytes)) return false;
  std::uint8_t* at = data();
  for (std::size_t i = ret.size(); i-- > 0;) at = put_ret(at, ret[i]);  // last hop first
  mid_ = static_cast<std::uint16_t>(at - data());
  for (const Address& a : onward) at = put_onward(at, a);
  end_ = static_cast<std::uint16_t>(at - data());
  n_onward_ = static_cast<std::uint8_t>(onward.size());
  n_ret_ = static_cast<std::uint8_t>(ret.size());
  return true;
}

bool PackedRoutes::hop(const Address& self) {
  OCKAM_DCHECK(n_onward_ >= 1, "hop() on an empty onward route");
  if (n_ret_ >= kMaxHops) return false;
  std::uint8_t* d = data();
  const std::size_t popped = read_onward(d + mid_).size;
  const std::size_t added = entry_size(self);
  if (added == popped) {  // the usual case: in place
    put_ret(d + mid_, self);
    mid_ = static_cast<std::uint16_t>(mid_ + popped);
  } else {
    const std::size_t ret_bytes = mid_ - begin_;
    const std::size_t rest = end_ - (mid_ + popped);  // onward after the popped entry
    const std::size_t total = ret_bytes + added + rest;
    if (total > kMaxBytes) return false;
    // Where the ret region would start if it moved and onward stayed.
    const std::ptrdiff_t moved_begin = static_cast<std::ptrdiff_t>(mid_ + popped) -
                                       static_cast<std::ptrdiff_t>(added + ret_bytes);
    const bool can_move_ret = moved_begin >= 0;
    const bool can_move_onward = begin_ + total <= capacity();
    if (can_move_ret && (ret_bytes <= rest || !can_move_onward)) {
      std::memmove(d + moved_begin, d + begin_, ret_bytes);
      begin_ = static_cast<std::uint16_t>(moved_begin);
      mid_ = static_cast<std::uint16_t>(mid_ + popped);
      put_ret(d + mid_ - added, self);
    } else if (can_move_onward) {
      // Onward's rest moves to just after the new entry.
      std::memmove(d + mid_ + added, d + mid_ + popped, rest);
      put_ret(d + mid_, self);
      mid_ = static_cast<std::uint16_t>(mid_ + added);
      end_ = static_cast<std::uint16_t>(mid_ + rest);
    } else {
      // Repacked into bigger storage.
      std::size_t want = total + total / 2;
      std::uint8_t* fresh = allocate_bytes(want);
      std::memcpy(fresh, d + begin_, ret_bytes);
      put_ret(fresh + ret_bytes, self);
      std::memcpy(fresh + ret_bytes + added, d + mid_ + popped, rest);
      if (heap_) release();
      heap_storage_ = Heap{fresh, static_cast<std::uint32_t>(want)};
      heap_ = true;
      begin_ = 0;
      mid_ = static_cast<std::uint16_t>(ret_bytes + added);
      end_ = static_cast<std::uint16_t>(total);
    }
  }
  n_onward_ = static_cast<std::uint8_t>(n_onward_ - 1);
  n_ret_ = static_cast<std::uint8_t>(n_ret_ + 1);
  return true;
}

Route PackedRoutes::onward() const {
  // Route::prepend is O(1): the hops go in last first.
  const std::uint8_t* d = data();
  std::uint16_t starts[kMaxHops];
  std::size_t at = mid_;
  for (std::size_t i = 0; i < n_onward_; ++i) {
    starts[i] = static_cast<std::uint16_t>(at);
    at += read_onward(d + at).size;
  }
  Route route;
  for (std::size_t i = n_onward_; i-- > 0;) route.prepend(address_of(read_onward(d + starts[i])));
  return route;
}

Route PackedRoutes::ret() const {
  // In memory the last hop comes first, but entries read backward: find the
  // ends from mid_ down, then prepend last hop first.
  const std::uint8_t* d = data();
  std::uint16_t ends[kMaxHops];
  std::size_t at = mid_;
  for (std::size_t i = 0; i < n_ret_; ++i) {
    ends[i] = static_cast<std::uint16_t>(at);
    at -= read_ret(d + at).size;
  }
  Route route;
  for (std::size_t i = n_ret_; i-- > 0;) route.prepend(address_of(read_ret(d + ends[i])));
  return route;
}

Address PackedRoutes::next() const {
  if (n_onward_ == 0) return Address();
  return address_of(read_onward(data() + mid_));
}

Address PackedRoutes::ret_next() const {
  if (n_ret_ == 0) return Address();
  return address_of(read_ret(data() + mid_));
}

}  // namespace ockam::detail
