#include "runtime/route.h"

#include <ostream>

namespace ockam {

const Address& Route::invalid() {
  static const Address kInvalid;
  return kInvalid;
}

Route& Route::prepend(Address address) {
  addresses_.push_back(std::move(address));
  return *this;
}

Route& Route::append(Address address) {
  addresses_.push_front(std::move(address));
  return *this;
}

Address Route::pop_front() {
  if (empty()) return Address();
  Address first = std::move(addresses_.back());
  addresses_.pop_back();
  return first;
}

std::string Route::to_string() const {
  std::string s;
  for (const Address& a : *this) {
    if (!s.empty()) s += " -> ";
    s += a.to_string();
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Route& route) { return os << route.to_string(); }

}  // namespace ockam
