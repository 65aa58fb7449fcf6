#include "transport/wire.h"

#include <string>

#include "runtime/escape.h"

namespace ockam::transport {
namespace {

std::size_t route_size(const Route& r) {
  std::size_t n = bare::uint_size(r.size());
  for (const Address& a : r) n += 1 + bare::uint_size(a.name().size()) + a.name().size();
  return n;
}

void write_route(std::vector<std::uint8_t>& out, const Route& r) {
  bare::write_uint(out, r.size());
  for (const Address& a : r) {
    out.push_back(a.type());
    bare::write_string(out, a.name());  // Vec<u8> and String share one layout
  }
}

// Field names for error messages, fixed per route so that decoding a valid
// message builds no strings.
struct RouteNames {
  std::string_view length, type, name;
};
constexpr RouteNames kOnward{"onward route length", "onward route address type", "onward route address name"};
constexpr RouteNames kReturn{"return route length", "return route address type", "return route address name"};

// Adds which address of the route failed (only on the error path).
Error at_address(const Error& e, std::uint64_t i, std::uint64_t count) {
  return Error(e.code(), e.message() + " (address " + std::to_string(i) + " of " + std::to_string(count) + ")");
}

Result<Route> read_route(bare::Reader& in, const Limits& limits, const RouteNames& names) {
  const std::size_t start = in.offset();
  auto count = in.read_uint(names.length);
  if (!count) return count.error();
  if (*count > limits.max_route_length) {
    return in.error_at(start, names.length,
                       std::to_string(*count) + " addresses exceed the limit of " +
                           std::to_string(limits.max_route_length));
  }
  // Each address takes at least 2 bytes (type, length): a count the input
  // cannot hold fails here, before any address is built.
  if (*count > in.remaining() / 2) {
    return in.error_at(start, names.length,
                       std::to_string(*count) + " addresses cannot fit in the " +
                           std::to_string(in.remaining()) + " byte(s) left");
  }
  // Read first hop first; a Route grows cheaply only at its front
  // (prepend), so collect the hops backwards and turn them round once.
  Route backwards;
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto type = in.read_u8(names.type);
    if (!type) return at_address(type.error(), i, *count);
    const std::size_t name_at = in.offset();
    auto name = in.read_data(names.name, limits.max_address_size);
    if (!name) return at_address(name.error(), i, *count);
    if (name->empty()) {
      // Ockam would accept it, but an empty name is not a valid Address here.
      Error e = at_address(in.error_at(name_at, names.name, "empty address"), i, *count);
      return Error(ErrorCode::InvalidAddress, e.message());
    }
    backwards.prepend(Address(*type, std::string_view(reinterpret_cast<const char*>(name->data()), name->size())));
  }
  Route route;
  while (!backwards.empty()) route.prepend(backwards.pop_front());
  return route;
}

}  // namespace

std::size_t encoded_size(const TransportMessage& m) {
  return 1 + route_size(m.onward) + route_size(m.ret) + bare::uint_size(m.payload.size()) + m.payload.size();
}

void encode_to(const TransportMessage& m, std::vector<std::uint8_t>& out) {
  out.reserve(out.size() + encoded_size(m));
  out.push_back(m.version);
  write_route(out, m.onward);
  write_route(out, m.ret);
  bare::write_data(out, m.payload);
}

std::vector<std::uint8_t> encode(const TransportMessage& m) {
  std::vector<std::uint8_t> out;
  encode_to(m, out);
  return out;
}

Result<TransportMessage> decode(std::span<const std::uint8_t> bytes, const Limits& limits) {
  if (bytes.size() > limits.max_message_size) {
    return Error(kMalformedMessage, "malformed message: " + std::to_string(bytes.size()) +
                                        " bytes exceed the message size limit of " +
                                        std::to_string(limits.max_message_size));
  }
  bare::Reader in(bytes);
  TransportMessage m;
  auto version = in.read_u8("version");
  if (!version) return version.error();
  if (*version != kTransportMessageVersion) {
    return in.error_at(0, "version", "unsupported version " + std::to_string(*version) + " (only 1 is defined)");
  }
  m.version = *version;
  auto onward = read_route(in, limits, kOnward);
  if (!onward) return onward.error();
  m.onward = std::move(*onward);
  auto ret = read_route(in, limits, kReturn);
  if (!ret) return ret.error();
  m.ret = std::move(*ret);
  // The payload is bounded by the bytes left, themselves bounded by the limit.
  auto payload = in.read_data("payload", limits.max_message_size);
  if (!payload) return payload.error();
  m.payload.assign(payload->begin(), payload->end());
  auto end = in.expect_end("end of message");
  if (!end) return end.error();
  return m;
}

namespace {

std::size_t encoded_size(const MessageRef& m) {
  return 1 + route_size(m.onward) + route_size(m.ret) + bare::uint_size(m.payload.size()) + m.payload.size();
}

Result<void> check_routes(const MessageRef& m, const Limits& limits) {
  for (const Route* r : {&m.onward, &m.ret}) {
    const char* which = r == &m.onward ? "onward" : "return";
    if (r->size() > limits.max_route_length) {
      return Error(kMalformedMessage, std::string(which) + " route has " + std::to_string(r->size()) +
                                          " addresses, over the limit of " +
                                          std::to_string(limits.max_route_length));
    }
    for (const Address& a : *r) {
      if (!a.valid()) {
        return Error(ErrorCode::InvalidAddress, std::string(which) + " route holds the invalid address " +
                                                    detail::quoted(a));
      }
      if (a.name().size() > limits.max_address_size) {
        return Error(ErrorCode::InvalidAddress, std::string(which) + " route address of " +
                                                    std::to_string(a.name().size()) +
                                                    " bytes is over the limit of " +
                                                    std::to_string(limits.max_address_size));
      }
    }
  }
  const std::size_t size = encoded_size(m);
  const std::size_t max = std::min(limits.max_message_size, kMaxFrameSize);
  if (size > max) {
    return Error(kMalformedMessage, "message encodes to " + std::to_string(size) + " bytes, over the limit of " +
                                        std::to_string(max));
  }
  return {};
}

MessageRef ref(const TransportMessage& m) { return MessageRef{m.onward, m.ret, m.payload}; }

}  // namespace

Result<void> check_encodable(const TransportMessage& m, const Limits& limits) {
  if (m.version != kTransportMessageVersion) {
    return Error(kMalformedMessage, "cannot encode version " + std::to_string(m.version) + " (only 1 is defined)");
  }
  return check_routes(ref(m), limits);
}

Result<void> encode_frame_to(const MessageRef& m, std::vector<std::uint8_t>& out, const Limits& limits) {
  auto ok = check_routes(m, limits);
  if (!ok) return ok.error();
  const std::size_t size = encoded_size(m);
  out.reserve(out.size() + kFrameHeaderSize + size);
  out.push_back(static_cast<std::uint8_t>(size >> 8));
  out.push_back(static_cast<std::uint8_t>(size & 0xff));
  out.push_back(kTransportMessageVersion);
  write_route(out, m.onward);
  write_route(out, m.ret);
  bare::write_data(out, m.payload);
  return {};
}

Result<void> encode_frame_to(const TransportMessage& m, std::vector<std::uint8_t>& out, const Limits& limits) {
  auto ok = check_encodable(m, limits);
  if (!ok) return ok.error();
  return encode_frame_to(ref(m), out, limits);
}

Result<std::vector<std::uint8_t>> encode_frame(const TransportMessage& m, const Limits& limits) {
  std::vector<std::uint8_t> out;
  auto ok = encode_frame_to(m, out, limits);
  if (!ok) return ok.error();
  return out;
}

Error FrameDecoder::oversized(std::size_t len) const {
  return Error(kMalformedMessage, "malformed frame: header announces " + std::to_string(len) +
                                      " bytes, over the frame size limit of " + std::to_string(max_frame_));
}

Error FrameDecoder::failure() const {
  return Error(kMalformedMessage, "frame decoder failed earlier (" + oversized(failed_len_).message() +
                                      "); the stream has lost its framing");
}

Result<void> FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  return feed(bytes, [this](std::span<const std::uint8_t> body) { ready_.emplace_back(body.begin(), body.end()); });
}

bool FrameDecoder::next(std::vector<std::uint8_t>& body) {
  if (ready_.empty()) return false;
  body = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

}  // namespace ockam::transport
