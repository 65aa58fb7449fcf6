// Route: an ordered list of addresses. The first is where a message goes
// next; the last is its final recipient.
#ifndef OCKAM_RUNTIME_ROUTE_H_
#define OCKAM_RUNTIME_ROUTE_H_

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
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
  Route() = default;
  Route(std::initializer_list<Address> addresses) : addresses_(addresses) {}
  explicit Route(const std::vector<Address>& addresses) {
    for (const Address& a : addresses) addresses_.push_back(a);
  }
  // A one-hop route, from an address in any spelling.
  Route(Address address) { addresses_.push_back(std::move(address)); }  // NOLINT
  Route(const char* address) : Route(Address(address)) {}               // NOLINT
  Route(const std::string& address) : Route(Address(address)) {}       // NOLINT
  Route(std::string_view address) : Route(Address(address)) {}         // NOLINT

  std::size_t size() const { return addresses_.size(); }
  bool empty() const { return addresses_.empty(); }
  // The first hop; an invalid Address when the route is empty.
  const Address& next() const { return empty() ? invalid() : addresses_.front(); }
  // The last hop; an invalid Address when the route is empty.
  const Address& recipient() const { return empty() ? invalid() : addresses_.back(); }
  const Address& operator[](std::size_t i) const { return addresses_[i]; }
  auto begin() const { return addresses_.begin(); }
  auto end() const { return addresses_.end(); }

  Route& prepend(Address address);
  Route& append(Address address);
  // Removes and returns the first hop; an invalid Address when empty.
  Address pop_front();

  // "h1 -> h2 -> echoer"
  std::string to_string() const;
  friend bool operator==(const Route& a, const Route& b) { return a.addresses_ == b.addresses_; }

 private:
  static const Address& invalid();
  // Up to two hops inline: a send or a reply allocates nothing for its routes.
  detail::SmallVector<Address, 2> addresses_;
};

std::ostream& operator<<(std::ostream& os, const Route& route);

}  // namespace ockam

#endif  // OCKAM_RUNTIME_ROUTE_H_
