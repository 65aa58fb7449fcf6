// INTERNAL. The unit that travels through mailboxes: routes plus a body of
// any movable type. One allocation per message; forwarding reuses it.
#ifndef OCKAM_RUNTIME_INTERNAL_ENVELOPE_H_
#define OCKAM_RUNTIME_INTERNAL_ENVELOPE_H_

#include <memory>
#include <string>
#include <typeinfo>
#include <utility>

#include "mailbox/mpsc_mailbox.h"
#include "runtime/internal/allocator.h"
#include "runtime/route.h"

namespace ockam::detail {

// The demangled name of a type, for error messages only (never on a hot path).
std::string demangle(const std::type_info& type);

struct Envelope : mailbox::MailboxNode, PooledAllocation {
  explicit Envelope(const std::type_info* body_type) : type(body_type) {}
  virtual ~Envelope() = default;
  Envelope(const Envelope&) = delete;
  Envelope& operator=(const Envelope&) = delete;

  bool is_control() const { return type == nullptr; }

  Route onward;
  Route ret;
  const std::type_info* type;  // of the body; nullptr for a control envelope
};

template <class M>
struct TypedEnvelope final : Envelope {
  explicit TypedEnvelope(M&& b) : Envelope(&typeid(M)), body(std::move(b)) {}
  M body;
};

// Tells a worker's turn that the worker was stopped. Pushed once, last.
struct StopEnvelope final : Envelope {
  StopEnvelope() : Envelope(nullptr) {}
};

using EnvelopePtr = std::unique_ptr<Envelope>;

// Grants the runtime access to the envelope inside Routed<M> and Any.
struct EnvelopeAccess;

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_ENVELOPE_H_
