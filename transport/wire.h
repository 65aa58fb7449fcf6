// Ockam's TransportMessage v1 on the wire, and its TCP framing.
// docs/wire-format.md gives the format byte by byte and the Rust sources it
// was read from. In short (BARE, as serde_bare writes Ockam's Rust structs):
//
//   message  = version:u8  onward:route  return:route  payload:data
//   route    = count:uint  address*count
//   address  = transport_type:u8  name:data
//   data     = length:uint  bytes*length
//   frame    = length:u16 big-endian  message
//
// decode() is strict: every length is bounded by Limits and by the bytes
// left, uints must be canonical, the version must be 1, and nothing may
// follow the payload. Errors have code kMalformedMessage (codec/bare.h), or
// InvalidAddress for an address this runtime cannot hold (empty).
#ifndef OCKAM_TRANSPORT_WIRE_H_
#define OCKAM_TRANSPORT_WIRE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "codec/bare.h"
#include "runtime/address.h"
#include "runtime/error.h"
#include "runtime/result.h"
#include "runtime/route.h"

namespace ockam::transport {

// The only TransportMessage version Ockam defines (TransportMessage::v1).
inline constexpr std::uint8_t kTransportMessageVersion = 1;
// Ockam's TCP transport prefixes each message with its length as a
// big-endian u16, so an encoded message is at most 65535 bytes.
inline constexpr std::size_t kFrameHeaderSize = 2;
inline constexpr std::size_t kMaxFrameSize = 65535;

struct TransportMessage {
  std::uint8_t version = kTransportMessageVersion;
  Route onward;
  Route ret;
  std::vector<std::uint8_t> payload;

  friend bool operator==(const TransportMessage&, const TransportMessage&) = default;
};

// What decode() accepts. Ockam itself has no limits but the frame size; these
// keep a hostile peer from making us build huge routes or addresses.
struct Limits {
  std::size_t max_message_size = kMaxFrameSize;  // whole encoded message
  std::size_t max_route_length = 64;             // addresses per route
  std::size_t max_address_size = 255;            // bytes of an address name
};

// Bytes encode(m) produces.
std::size_t encoded_size(const TransportMessage& m);
// Appends the encoding of m to out (for batching many messages in a buffer).
void encode_to(const TransportMessage& m, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(const TransportMessage& m);

// The whole span must be exactly one message.
Result<TransportMessage> decode(std::span<const std::uint8_t> bytes, const Limits& limits = {});

// Success if m is within `limits` (so decode() on the other side, with the
// same limits, accepts it) and its addresses are valid.
Result<void> check_encodable(const TransportMessage& m, const Limits& limits = {});

// Appends a frame (u16 big-endian length, then the message) to out. Fails,
// leaving out unchanged, if m does not pass check_encodable (in particular if
// it encodes to more than 65535 bytes: Ockam's sender would silently
// truncate the length there; we refuse).
Result<void> encode_frame_to(const TransportMessage& m, std::vector<std::uint8_t>& out,
                             const Limits& limits = {});
Result<std::vector<std::uint8_t>> encode_frame(const TransportMessage& m, const Limits& limits = {});

// A version-1 message by reference: what a transport encodes straight from
// an envelope's routes and a body's bytes, without building a
// TransportMessage. Same bytes and checks as the overload above.
struct MessageRef {
  const Route& onward;
  const Route& ret;
  std::span<const std::uint8_t> payload;
};
Result<void> encode_frame_to(const MessageRef& m, std::vector<std::uint8_t>& out, const Limits& limits = {});

// Splits a byte stream into frame bodies. Feed it bytes in chunks of any
// size; each complete frame body comes out once, in order. A header that
// announces more than max_frame_size bytes fails the decoder before any of
// that frame's body is buffered, and the failure is sticky: the stream has
// lost its framing, so the connection should be closed.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame_size = kMaxFrameSize) : max_frame_(max_frame_size) {}

  // Calls on_frame(std::span<const std::uint8_t> body) for each frame that
  // completes within these bytes. A frame lying whole inside `bytes` is
  // passed without a copy; one split across calls is assembled internally.
  // The span is valid only during the call.
  template <class OnFrame>
  Result<void> feed(std::span<const std::uint8_t> bytes, OnFrame&& on_frame);
  // As feed(), but on_frame returns bool: false stops the feed right after
  // that frame (a reader that must wait before it takes more). Returns how
  // many of `bytes` were consumed; the rest is the caller's to feed later.
  template <class OnFrame>
  Result<std::size_t> feed_some(std::span<const std::uint8_t> bytes, OnFrame&& on_frame);

  // The same, queueing copies of the bodies for next().
  Result<void> feed(std::span<const std::uint8_t> bytes);
  // The oldest queued frame body, or false if none is queued.
  bool next(std::vector<std::uint8_t>& body);
  std::size_t queued() const { return ready_.size(); }

  bool failed() const { return failed_; }
  // Bytes held of an incomplete frame (header included).
  std::size_t buffered() const { return in_body_ ? kFrameHeaderSize + body_.size() : header_have_; }
  // True between frames: no partial header or body is held.
  bool idle() const { return header_have_ == 0 && !in_body_; }
  std::size_t max_frame_size() const { return max_frame_; }

 private:
  Error oversized(std::size_t len) const;
  Error failure() const;

  std::size_t max_frame_;
  std::uint8_t header_[kFrameHeaderSize] = {};
  std::size_t header_have_ = 0;
  bool in_body_ = false;
  std::size_t body_len_ = 0;
  std::vector<std::uint8_t> body_;
  bool failed_ = false;
  std::size_t failed_len_ = 0;
  std::deque<std::vector<std::uint8_t>> ready_;
};

template <class OnFrame>
Result<void> FrameDecoder::feed(std::span<const std::uint8_t> bytes, OnFrame&& on_frame) {
  Result<std::size_t> fed = feed_some(bytes, [&](std::span<const std::uint8_t> body) {
    on_frame(body);
    return true;
  });
  if (!fed) return fed.error();
  return {};
}

template <class OnFrame>
Result<std::size_t> FrameDecoder::feed_some(std::span<const std::uint8_t> bytes, OnFrame&& on_frame) {
  if (failed_) return failure();
  const std::size_t total = bytes.size();
  while (!bytes.empty()) {
    if (!in_body_) {
      // Complete the 2-byte header, possibly across calls.
      while (header_have_ < kFrameHeaderSize && !bytes.empty()) {
        header_[header_have_++] = bytes.front();
        bytes = bytes.subspan(1);
      }
      if (header_have_ < kFrameHeaderSize) return total;
      header_have_ = 0;
      const std::size_t len = (std::size_t{header_[0]} << 8) | header_[1];
      if (len > max_frame_) {
        failed_ = true;
        failed_len_ = len;
        return oversized(len);
      }
      if (bytes.size() >= len) {  // fast path: the whole body is here
        const std::span<const std::uint8_t> body = bytes.first(len);
        bytes = bytes.subspan(len);
        if (!on_frame(body)) return total - bytes.size();
        continue;
      }
      in_body_ = true;
      body_len_ = len;
      body_.clear();
      body_.reserve(len);
    }
    const std::size_t take = std::min(body_len_ - body_.size(), bytes.size());
    body_.insert(body_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (body_.size() == body_len_) {
      in_body_ = false;
      if (!on_frame(std::span<const std::uint8_t>(body_))) return total - bytes.size();
    }
  }
  return total;
}

}  // namespace ockam::transport

#endif  // OCKAM_TRANSPORT_WIRE_H_
