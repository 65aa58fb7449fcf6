// INTERNAL. An envelope's two routes, packed into bytes while the message
// is queued.
//
// Why: a queued message is mostly its routes. As two Route objects (each an
// inline array of two 40-byte Addresses) they made TypedEnvelope<int> 224
// bytes, and 5,000,000 queued increments took 1,099 MiB (CAF: 215). Packed,
// a local message's routes ("counter" back to "app") take 14 bytes in place,
// and the envelope is one 64-byte line (envelope.h checks it).
//
// Contract:
//   - assign() packs an onward and a return route; hop() is forward(): it
//     pops onward's first address and puts another in front of the return
//     route, in O(1) when the two names are the same length (a worker
//     forwarding from the address it was sent to, the usual case), else by
//     moving the smaller of the two regions.
//   - onward(), ret(), next(), ret_next() build Route / Address objects
//     again (a name copy and its hash each): only where a caller needs one.
//   - Owned by one thread at a time, as the envelope is: no synchronisation.
//
// Layout of the bytes [begin_, end_):
//
//   begin_            mid_                         end_
//   | ret, last hop .. first hop | onward, first hop .. last hop |
//
// Both routes start at mid_, so forward() touches only the bytes there. An
// onward entry reads forward from its start: [type][len][name], a ret entry
// backward from its end: [name][len][type] (the mirror image, the same
// size). A name of 255 bytes or more has len 255 and its length in 4 bytes
// after it (onward) or before it (ret).
//
// INVARIANT bounded: at most kMaxHops hops a route and kMaxBytes bytes in
// all (offsets are 16 bits); assign() and hop() refuse more, and leave the
// routes as they were.
#ifndef OCKAM_RUNTIME_INTERNAL_PACKED_ROUTES_H_
#define OCKAM_RUNTIME_INTERNAL_PACKED_ROUTES_H_

#include <cstddef>
#include <cstdint>

#include "runtime/address.h"
#include "runtime/route.h"

namespace ockam::detail {

class PackedRoutes {
 public:
  // Bytes held in place: a local send's two routes ("counter", "app": 14).
  static constexpr std::size_t kInline = 16;
  static constexpr std::size_t kMaxHops = 127;
  static constexpr std::size_t kMaxBytes = UINT16_MAX;

  PackedRoutes() noexcept : begin_(0), mid_(0), end_(0), n_onward_(0), heap_(false), n_ret_(0) {}
  PackedRoutes(const PackedRoutes&) = delete;
  PackedRoutes& operator=(const PackedRoutes&) = delete;
  ~PackedRoutes() {
    if (heap_) [[unlikely]] release();
  }
  // Takes `other`'s routes (this one's first released); `other` is left empty.
  void take(PackedRoutes& other) noexcept;

  // False (routes unchanged) past the bounds above.
  [[nodiscard]] bool assign(const Route& onward, const Address& from);
  // The same for a one-hop onward route: a send to an Address.
  [[nodiscard]] bool assign(const Address& to, const Address& from);
  [[nodiscard]] bool assign(const Route& onward, const Route& ret);
  // forward(): pops onward's first address, puts `self` in front of the
  // return route. False (unchanged) past the bounds. Precondition:
  // onward_size() >= 1.
  [[nodiscard]] bool hop(const Address& self);

  std::size_t onward_size() const { return n_onward_; }
  std::size_t ret_size() const { return n_ret_; }
  Route onward() const;
  Route ret() const;
  // The first hop of onward / of ret; an invalid Address when it is empty.
  Address next() const;
  Address ret_next() const;
  // The bytes held (both routes' entries): for charging a message's size.
  std::size_t bytes() const { return static_cast<std::size_t>(end_ - begin_); }

 private:
  struct Heap {
    std::uint8_t* data;
    std::uint32_t capacity;
  };
  std::uint8_t* data() { return heap_ ? heap_storage_.data : inline_; }
  const std::uint8_t* data() const { return heap_ ? heap_storage_.data : inline_; }
  std::size_t capacity() const { return heap_ ? heap_storage_.capacity : kInline; }
  static std::uint8_t* allocate_bytes(std::size_t& bytes);  // rounds `bytes` up
  void release() noexcept;
  // Packs into fresh storage of at least `bytes`; false past kMaxBytes.
  bool reset(std::size_t bytes);
  // assign()'s general case: `n` onward hops, first hop first.
  template <class Hops>
  bool assign_onward(Hops first, Hops last, std::size_t n, const Address& from);

  union {
    std::uint8_t inline_[kInline];
    Heap heap_storage_;  // alive exactly while heap_
  };
  std::uint16_t begin_, mid_, end_;
  std::uint8_t n_onward_ : 7;
  bool heap_ : 1;
  std::uint8_t n_ret_;
};
static_assert(sizeof(PackedRoutes) == 24, "16 bytes in place and 8 of header: keep an envelope one line");

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_PACKED_ROUTES_H_
