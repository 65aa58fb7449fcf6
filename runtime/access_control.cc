#include "runtime/access_control.h"

#include <algorithm>

namespace ockam {

bool Ingress::exposes(const Address& address) const {
  // The exposed list is fixed at creation (a handful of names): no lock.
  if (std::find(exposed_.begin(), exposed_.end(), address) != exposed_.end()) return true;
  std::lock_guard<std::mutex> lock(mu_);
  return replies_.count(address) != 0;
}

void Ingress::add_reply_address(const Address& address) {
  std::lock_guard<std::mutex> lock(mu_);
  if (address == last_reply_) return;  // the steady state: one sender talks on a connection
  last_reply_ = address;
  if (!replies_.insert(address).second) return;
  reply_order_.push_back(address);
  if (reply_order_.size() > kMaxReplyAddresses) {
    replies_.erase(reply_order_.front());
    reply_order_.pop_front();
  }
}

namespace {
AccessPolicy::Predicate always(bool answer) {
  return [answer](const Delivery&) { return answer; };
}
// The hash first, inline: a miss costs a comparison, not a call.
bool listed(const std::vector<Address>& set, const Address& a) {
  const std::size_t h = a.hash();
  for (const Address& x : set) {
    if (x.hash() == h && x == a) return true;
  }
  return false;
}
}  // namespace

AccessPolicy AccessPolicy::allow_all() { return custom(always(true)); }
AccessPolicy AccessPolicy::deny_all() { return custom(always(false)); }

AccessPolicy AccessPolicy::local_only() {
  return custom([](const Delivery& d) { return d.origin == nullptr; });
}

AccessPolicy AccessPolicy::exposed() {
  return custom(static_cast<bool (*)(const Delivery&)>(&detail::exposed_or_local));
}

AccessPolicy AccessPolicy::from_connection(Address entry) {
  return custom([entry = std::move(entry)](const Delivery& d) { return d.origin != nullptr && d.origin->entry() == entry; });
}

AccessPolicy AccessPolicy::from_listener(Address listener) {
  return custom([listener = std::move(listener)](const Delivery& d) {
    return d.origin != nullptr && d.origin->listener().valid() && d.origin->listener() == listener;
  });
}

AccessPolicy AccessPolicy::from_channel() {
  return custom([](const Delivery& d) { return d.origin != nullptr && d.origin->kind() == Ingress::Kind::kChannel; });
}

AccessPolicy AccessPolicy::from_channel_peer(PeerIdentity peer) {
  return custom([peer](const Delivery& d) {
    return d.origin != nullptr && d.origin->kind() == Ingress::Kind::kChannel && d.origin->peer() == peer;
  });
}

AccessPolicy AccessPolicy::source_in(std::vector<Address> sources) {
  return custom([sources = std::move(sources)](const Delivery& d) { return !d.ret.empty() && listed(sources, d.ret.next()); });
}

AccessPolicy AccessPolicy::onward_in(std::vector<Address> onward) {
  return custom([onward = std::move(onward)](const Delivery& d) { return !d.onward.empty() && listed(onward, d.onward.next()); });
}

AccessPolicy AccessPolicy::all_of(std::vector<AccessPolicy> policies) {
  return custom([policies = std::move(policies)](const Delivery& d) {
    return std::all_of(policies.begin(), policies.end(), [&](const AccessPolicy& p) { return p.admits(d); });
  });
}

AccessPolicy AccessPolicy::any_of(std::vector<AccessPolicy> policies) {
  return custom([policies = std::move(policies)](const Delivery& d) {
    return std::any_of(policies.begin(), policies.end(), [&](const AccessPolicy& p) { return p.admits(d); });
  });
}

AccessPolicy AccessPolicy::custom(Predicate predicate) {
  if (!predicate) return deny_all();  // an empty function admits nothing rather than crash
  return AccessPolicy(std::make_shared<const Predicate>(std::move(predicate)));
}

bool AccessPolicy::admits(const Delivery& delivery) const {
  if (predicate_ == nullptr) return detail::exposed_or_local(delivery);
  return (*predicate_)(delivery);
}

}  // namespace ockam
