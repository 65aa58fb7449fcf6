// INTERNAL. Fresh addresses: the names start_worker(W) picks for the workers
// it starts (Context::start_worker(W, WorkerOptions)).
//
// The reserved form: a local address whose name begins with '~'. A fresh
// address is '~' and a number in lowercase hex without leading zeros
// ("~0", "~1f", at most "~ffffffffffffffff": 17 bytes, stored inline in the
// Address). No one else may start a worker at an address of the reserved form:
// NodeCore::start() refuses it (InvalidAddress), so a user cannot take a
// name the node will hand out later.
//
// INVARIANT (once): next_fresh_address() returns each number at most once
//   in the life of the process. Every number comes from one process-wide
//   64-bit counter, handed out in blocks of 1,024 to one thread each (one
//   fetch_add per block: no two blocks overlap), and a thread hands out each
//   number of its own block once. The counter only grows; at 10^9 fresh
//   addresses a second it would wrap after 584 years.
// INVARIANT (reserved): no worker holds an address of the reserved form but
//   one started by start_fresh() at a number next_fresh_address() drew.
//   Explicit starts refuse the form; a fresh address is local, so no
//   connection ("1#host:port") or other transport address has it either;
//   Address::random() draws 16 hex digits, never a '~'.
// Together: a fresh address is held by no other worker, now or later.
//
// Cost: formatting at most 17 bytes and hashing them (the Address does that
// for every name); one relaxed fetch_add on a shared line every 1,024
// addresses. No lock, no retry, no registry lookup.
//
// Concurrency contract: next_fresh_address() from any thread, at once.
#ifndef OCKAM_RUNTIME_INTERNAL_FRESH_ADDRESS_H_
#define OCKAM_RUNTIME_INTERNAL_FRESH_ADDRESS_H_

#include "runtime/address.h"

namespace ockam::detail {

inline constexpr char kFreshPrefix = '~';

// True for a local address of the reserved form (a name beginning with '~').
inline bool is_reserved(const Address& address) {
  return address.is_local() && !address.name().empty() && address.name().front() == kFreshPrefix;
}

// A local address of the reserved form that no call in this process has
// returned before (INVARIANT once).
Address next_fresh_address();

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_FRESH_ADDRESS_H_
