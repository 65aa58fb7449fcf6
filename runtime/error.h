// Error codes and the Error value every fallible call returns.
#ifndef OCKAM_RUNTIME_ERROR_H_
#define OCKAM_RUNTIME_ERROR_H_

#include <iosfwd>
#include <string>

namespace ockam {

enum class ErrorCode {
  AddressNotFound,   // no worker at the address (or no transport for its type)
  AddressInUse,      // start_worker on an address another worker holds
  InvalidAddress,    // empty address or route, or an unparsable "type#name"
  Timeout,           // receive() waited its whole timeout
  WrongMessageType,  // receive<T>() found a message of another type
  NodeStopped,       // the node is stopping or stopped
  AccessDenied,      // a call this context may not make (see the call's comment)
  WorkerFailed,      // a worker's initialize() failed, or a handler failed
  // Added for transports (after the fixed names, so their values stay put):
  MalformedMessage,  // bytes from a peer that do not decode (frame, message or body)
  QueueFull,         // a connection's bounded send queue is full: retry later
  TransportError,    // a socket failed: connect refused, peer gone, listen failed
};

// The enumerator's name, e.g. "AddressNotFound".
const char* to_string(ErrorCode code) noexcept;
std::ostream& operator<<(std::ostream& os, ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  explicit Error(ErrorCode code) : code_(code) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "AddressNotFound: no worker at address 'x'"
  std::string to_string() const;

 private:
  ErrorCode code_;
  std::string message_;
};

std::ostream& operator<<(std::ostream& os, const Error& error);

}  // namespace ockam

#endif  // OCKAM_RUNTIME_ERROR_H_
