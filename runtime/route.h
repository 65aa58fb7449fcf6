// Route: an ordered list of addresses. The first is where a message goes
// next; the last is its final recipient.
#ifndef OCKAM_RUNTIME_ROUTE_H_
#define OCKAM_RUNTIME_ROUTE_H_

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/address.h"
#include "runtime/internal/small_vector.h"

namespace ockam {

// The most hops a route may have: the wire's limit (docs/wire-format.md),
// so that anything sent can cross to another node. send() and forward()
// refuse a longer onward or return route with InvalidAddress.
inline constexpr std::size_t kMaxRouteLength = 64;

class Route {
 public:
  using const_iterator = std::reverse_iterator<const Address*>;

  Route() = default;
  Route(std::initializer_list<Address> addresses) {
    addresses_.reserve(addresses.size());
    for (auto it = addresses.end(); it != addresses.begin();) addresses_.push_back(*--it);
  }
  explicit Route(const std::vector<Address>& addresses) {
    addresses_.reserve(addresses.size());
    for (auto it = addresses.rbegin(); it != addresses.rend(); ++it) addresses_.push_back(*it);
  }
  // A one-hop route, from an address in any spelling.
  Route(Address address) { addresses_.push_back(std::move(address)); }  // NOLINT
  Route(const char* address) : Route(Address(address)) {}               // NOLINT
  Route(const std::string& address) : Route(Address(address)) {}       // NOLINT
  Route(std::string_view address) : Route(Address(address)) {}         // NOLINT

  std::size_t size() const { return addresses_.size(); }
  bool empty() const { return addresses_.empty(); }
  // The first hop; an invalid Address when the route is empty.
  const Address& next() const { return empty() ? invalid() : addresses_.back(); }
  // The last hop; an invalid Address when the route is empty.
  const Address& recipient() const { return empty() ? invalid() : addresses_.front(); }
  const Address& operator[](std::size_t i) const { return addresses_[addresses_.size() - 1 - i]; }
  const_iterator begin() const { return const_iterator(addresses_.end()); }
  const_iterator end() const { return const_iterator(addresses_.begin()); }

  // O(1) (amortised): a hop's forward() pops its own address off the onward
  // route and prepends it to the return route, whatever their lengths.
  Route& prepend(Address address);
  // O(size()): building a route, not routing.
  Route& append(Address address);
  // Removes and returns the first hop; an invalid Address when empty. O(1).
  Address pop_front();

  // "h1 -> h2 -> echoer"
  std::string to_string() const;
  friend bool operator==(const Route& a, const Route& b) { return a.addresses_ == b.addresses_; }

 private:
  static const Address& invalid();
  // Last hop first, so that the first hop (the end that routing changes) is
  // at the back. Up to two hops inline: a send or a reply allocates nothing
  // for its routes.
  detail::SmallVector<Address, 2> addresses_;
};

std::ostream& operator<<(std::ostream& os, const Route& route);

}  // namespace ockam

#endif  // OCKAM_RUNTIME_ROUTE_H_
