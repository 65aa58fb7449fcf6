#include "runtime/error.h"

#include <ostream>

namespace ockam {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::AddressNotFound: return "AddressNotFound";
    case ErrorCode::AddressInUse: return "AddressInUse";
    case ErrorCode::InvalidAddress: return "InvalidAddress";
    case ErrorCode::Timeout: return "Timeout";
    case ErrorCode::WrongMessageType: return "WrongMessageType";
    case ErrorCode::NodeStopped: return "NodeStopped";
    case ErrorCode::AccessDenied: return "AccessDenied";
    case ErrorCode::WorkerFailed: return "WorkerFailed";
    case ErrorCode::MalformedMessage: return "MalformedMessage";
    case ErrorCode::QueueFull: return "QueueFull";
    case ErrorCode::TransportError: return "TransportError";
  }
  return "UnknownErrorCode";
}

std::ostream& operator<<(std::ostream& os, ErrorCode code) { return os << to_string(code); }

std::string Error::to_string() const {
  std::string s = ockam::to_string(code_);
  if (!message_.empty()) s += ": " + message_;
  return s;
}

std::ostream& operator<<(std::ostream& os, const Error& error) { return os << error.to_string(); }

}  // namespace ockam
