#include "secure_channel/secure_channel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "channel/noise_xx.h"
#include "channel/ockam_channel_cipher.h"
#include "codec/bare.h"
#include "codec/codec.h"
#include "crypto/hex.h"
#include "runtime/escape.h"
#include "runtime/log.h"
#include "runtime/transport.h"
#include "runtime/worker.h"
#include "transport/wire.h"

namespace ockam {

// The listener's request (ockam_channel's CreateResponderChannelMessage):
// BARE { payload: Vec<u8> (Noise message 1), completed_callback_address:
// Option<Address> }. We send None; a peer's Some is read and ignored.
struct CreateResponderChannel {
  std::vector<std::uint8_t> payload;

  friend void ockam_encode(codec_tag<CreateResponderChannel>, const CreateResponderChannel& m,
                           std::vector<std::uint8_t>& out) {
    bare::write_data(out, m.payload);
    out.push_back(0);  // None
  }
  friend Result<CreateResponderChannel> ockam_decode(codec_tag<CreateResponderChannel>,
                                                     std::span<const std::uint8_t> in) {
    bare::Reader r(in);
    auto payload = r.read_data("create-channel payload", channel::NoiseXX::kMaxMessageSize);
    if (!payload) return payload.error();
    auto some = r.read_u8("completed_callback_address tag");
    if (!some) return some.error();
    if (*some > 1) return r.error_at(r.offset() - 1, "completed_callback_address tag", "neither None nor Some");
    if (*some == 1) {  // Address { tt: u8, inner: Vec<u8> }
      if (auto tt = r.read_u8("callback address type"); !tt) return tt.error();
      if (auto inner = r.read_data("callback address", 255); !inner) return inner.error();
    }
    if (auto end = r.expect_end("create-channel message"); !end) return end.error();
    return CreateResponderChannel{std::vector<std::uint8_t>(payload->begin(), payload->end())};
  }
};

namespace {

using channel::NoiseXX;
using channel::OckamChannelCipher;
using channel::Role;
using detail::log;

struct Counters {
  std::atomic<std::uint64_t> opened{0}, refused_peers{0}, failed_handshakes{0};
  // One cache line each: every message through any channel adds to one of
  // these, the sending side's and the receiving side's on different threads,
  // which would otherwise pass one line back and forth.
  alignas(64) std::atomic<std::uint64_t> encrypted{0};
  alignas(64) std::atomic<std::uint64_t> decrypted{0};
  alignas(64) std::atomic<std::uint64_t> rejected{0}, undeliverable{0}, evicted{0}, refused_channels{0};
  static void add(std::atomic<std::uint64_t>& c) {
    c.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic; no data hangs on it
  }
};
Counters& counters() {
  static Counters c;
  return c;
}

// Shared by a channel worker and whoever waits for it (the initiator's
// caller) or keeps count of it (its listener).
struct ChannelState {
  std::mutex mu;
  std::condition_variable cv;
  bool settled = false;        // guarded by mu: the handshake completed or failed
  std::optional<Error> error;  // guarded by mu: why it failed
  // The handshake completed / the worker stopped. seq_cst (the default):
  // written once by the channel's turn, read by its listener's turns; they
  // order nothing else.
  std::atomic<bool> complete{false};
  std::atomic<bool> closed{false};

  void settle(std::optional<Error> failure) {
    std::lock_guard<std::mutex> lock(mu);
    if (settled) return;
    settled = true;
    error = std::move(failure);
    cv.notify_all();
  }
};

// "0#" and 32 hex digits, as Ockam's channels name theirs.
Address channel_address() {
  return Address(Address::kLocal, std::string(Address::random().name()) + std::string(Address::random().name()));
}

std::string hex_key(const PeerIdentity& key) { return crypto::to_hex(key); }

// The contents of the Vec<u8> whose wire form is `wire`, checked as
// decode_body<std::vector<std::uint8_t>> checks it, without the copy.
Result<std::span<const std::uint8_t>> vec_contents(std::span<const std::uint8_t> wire) {
  bare::Reader r(wire);
  auto data = r.read_data("byte vector body", std::numeric_limits<std::size_t>::max());
  if (!data) return data.error();
  if (auto end = r.expect_end("byte vector body"); !end) return end.error();
  return *data;
}

struct ChannelSetup {
  Role role;
  Address local, remote;
  crypto::X25519KeyPair keys;
  std::vector<PeerIdentity> trusted;
  std::vector<Address> expose;
  Address listener;                 // the responder's listener (for its ingress); empty for an initiator
  Route route;                      // initiator: to the listener; responder: to the initiator's remote address
  std::vector<std::uint8_t> msg1;   // responder: the initiator's first message
  std::shared_ptr<ChannelState> state;
};

// One channel end: a worker at the local and the remote address.
class ChannelWorker final : public Worker<Any> {
 public:
  explicit ChannelWorker(ChannelSetup setup) : s_(std::move(setup)) {}

  Result<void> initialize(Context& ctx) override {
    Result<NoiseXX> hs = NoiseXX::create(s_.role, s_.keys);
    if (!hs) return fail(hs.error(), "cannot start its handshake");
    hs_.emplace(std::move(hs).value());
    if (s_.role == Role::kInitiator) {
      Result<std::vector<std::uint8_t>> msg1 = hs_->write_message();
      if (!msg1) return fail(msg1.error(), "cannot write handshake message 1");
      Result<void> sent = ctx.send_from_address(s_.route, CreateResponderChannel{std::move(msg1).value()}, s_.remote);
      if (!sent) return fail(sent.error(), "cannot send handshake message 1");
      return {};
    }
    Result<std::vector<std::uint8_t>> read = hs_->read_message(s_.msg1);
    s_.msg1.clear();
    if (!read) return handshake_failed(read.error());
    Result<std::vector<std::uint8_t>> msg2 = hs_->write_message();
    if (!msg2) return fail(msg2.error(), "cannot write handshake message 2");
    Result<void> sent = ctx.send_from_address(s_.route, std::move(msg2).value(), s_.remote);
    if (!sent) return fail(sent.error(), "cannot send handshake message 2");
    return {};
  }

  Result<void> handle_message(Context& ctx, Routed<Any> msg) override {
    if (msg.onward_route().next() == s_.remote) return from_peer_side(ctx, std::move(msg));
    std::vector<std::uint8_t> payload;
    Result<PeerRoutes> routes = encode_for_peer(std::move(msg), payload);
    if (!routes) return routes.error();
    return to_peer(ctx, std::move(routes).value(), std::move(payload));
  }

  Result<void> shutdown(Context&) override {
    s_.state->closed.store(true);  // seq_cst: see ChannelState
    s_.state->settle(Error(ErrorCode::WorkerFailed, "the channel stopped before its handshake completed"));
    return {};
  }

 private:
  // A message from the peer: a handshake message, or an encrypted one.
  Result<void> from_peer_side(Context& ctx, Routed<Any> msg) {
    std::optional<Route> ret;  // each side answers a handshake message on its return route
    if (!cipher_) ret = msg.return_route();
    // The contents of the Vec<u8> the message carries, read where they are:
    // a Vec<u8> sent on this node as it is, one from another node in its
    // wire form. Any other body is encoded as encode_for_peer would.
    std::span<const std::uint8_t> body;
    std::vector<std::uint8_t> encoded;
    if (const auto* local = msg.body().get_if<std::vector<std::uint8_t>>()) {
      body = *local;
    } else {
      std::optional<std::span<const std::uint8_t>> wire = peer_bytes(msg);
      if (!wire) {
        if (Result<PeerRoutes> routes = encode_for_peer(std::move(msg), encoded); !routes) return routes.error();
        wire = std::span<const std::uint8_t>(encoded);
      }
      Result<std::span<const std::uint8_t>> contents = vec_contents(*wire);
      if (!contents) {
        Counters::add(counters().rejected);
        return Error(ErrorCode::MalformedMessage, "channel " + detail::quoted(s_.local) +
                                                      ": a message from its peer is not a Vec<u8>: " +
                                                      contents.error().message());
      }
      body = *contents;
    }
    if (!cipher_) return handshake_step(ctx, std::move(*ret), body);
    Result<std::vector<std::uint8_t>> plain = cipher_->decrypt(body);
    if (!plain) {
      // Dropped and counted; the channel stays (a forger must not close it).
      Counters::add(counters().rejected);
      log(LogLevel::Warn, "channel " + detail::quoted(s_.local) + " dropped a message: " + plain.error().message());
      return {};
    }
    Result<transport::TransportMessage> inner = transport::decode(*plain);
    if (!inner || inner->onward.empty()) {
      Counters::add(counters().rejected);
      log(LogLevel::Warn, "channel " + detail::quoted(s_.local) + " dropped a decrypted message: " +
                              (inner ? std::string("its onward route is empty") : inner.error().message()));
      return {};
    }
    Counters::add(counters().decrypted);
    inner->ret.prepend(s_.local);  // replies go back through the channel
    PeerMessage delivered{std::move(inner->onward), std::move(inner->ret), std::move(inner->payload)};
    if (Result<void> r = deliver_from_peer(ctx, delivered, nullptr, ingress_); !r) {
      Counters::add(counters().undeliverable);
      log(LogLevel::Warn, "channel " + detail::quoted(s_.local) + ": a decrypted message was dropped: " +
                              r.error().to_string());
    }
    return {};
  }

  Result<void> handshake_step(Context& ctx, Route ret, std::span<const std::uint8_t> message) {
    if (hs_->is_complete() || hs_->has_failed() || hs_->next_is_write()) {
      Counters::add(counters().failed_handshakes);
      return Error(ErrorCode::MalformedMessage,
                   "channel " + detail::quoted(s_.local) + ": a handshake message out of turn; dropped");
    }
    Result<std::vector<std::uint8_t>> read = hs_->read_message(message);
    if (!read) {
      Result<void> failed = handshake_failed(read.error());
      (void)ctx.stop_worker(s_.local);
      return failed;
    }
    if (Result<void> trusted = check_trusted(); !trusted) {
      (void)ctx.stop_worker(s_.local);
      return trusted;
    }
    s_.route = std::move(ret);  // each side answers on the return route of what it got, as the crate does
    if (s_.role == Role::kInitiator) {
      Result<std::vector<std::uint8_t>> msg3 = hs_->write_message();
      if (!msg3) return fail(msg3.error(), "cannot write handshake message 3");
      if (Result<void> sent = ctx.send_from_address(s_.route, std::move(msg3).value(), s_.remote); !sent) {
        return fail(sent.error(), "cannot send handshake message 3");
      }
    }
    return establish();
  }

  Result<void> check_trusted() {
    const auto& peer = hs_->remote_static();
    if (s_.trusted.empty() || (peer && std::find(s_.trusted.begin(), s_.trusted.end(), *peer) != s_.trusted.end())) {
      return {};
    }
    Counters::add(counters().refused_peers);
    Error refused(ErrorCode::AccessDenied, "channel " + detail::quoted(s_.local) + ": the peer's static key " +
                                               (peer ? hex_key(*peer) : std::string("(none)")) +
                                               " is not among the trusted peers; the channel does not open");
    log(LogLevel::Warn, refused.message());
    s_.state->settle(refused);
    return refused;
  }

  Result<void> establish() {
    Result<OckamChannelCipher> cipher = OckamChannelCipher::from_handshake(*hs_);
    if (!cipher) return fail(cipher.error(), "cannot derive its keys");
    cipher_.emplace(std::move(cipher).value());
    ingress_ = std::make_shared<Ingress>(Ingress::Kind::kChannel, s_.local, s_.listener, std::move(s_.expose),
                                         *hs_->remote_static());
    hs_.reset();  // the handshake's keys are wiped with it
    Counters::add(counters().opened);
    s_.state->complete.store(true);  // seq_cst: see ChannelState
    s_.state->settle(std::nullopt);
    return {};
  }

  // A local message for the peer: encrypted, sent from the remote address.
  Result<void> to_peer(Context& ctx, PeerRoutes routes, std::vector<std::uint8_t> payload) {
    if (!cipher_) {
      return Error(ErrorCode::TransportError,
                   "channel " + detail::quoted(s_.local) + " is not open yet: its handshake has not completed");
    }
    routes.onward.pop_front();  // the channel itself
    if (routes.onward.empty()) {
      return Error(ErrorCode::InvalidAddress, "the onward route ends at channel " + detail::quoted(s_.local));
    }
    transport::TransportMessage inner{transport::kTransportMessageVersion, std::move(routes.onward),
                                      std::move(routes.ret), std::move(payload)};
    if (Result<void> ok = transport::check_encodable(inner); !ok) return ok.error();
    // The peer may answer whoever sent this (access_control.h).
    if (!inner.ret.empty() && inner.ret.next().is_local()) ingress_->add_reply_address(inner.ret.next());
    Result<std::vector<std::uint8_t>> sealed = cipher_->encrypt(transport::encode(inner));
    if (!sealed) {
      return Error(sealed.error().code(), "channel " + detail::quoted(s_.local) + ": " + sealed.error().message() +
                                              "; open a new channel");
    }
    if (cipher_->sends_left() == kWarnAt) {
      log(LogLevel::Warn, "channel " + detail::quoted(s_.local) + " can send " + std::to_string(kWarnAt) +
                              " more messages before its last nonce (65534; Ockam 007d435 never rekeys): "
                              "open a new channel soon");
    }
    Counters::add(counters().encrypted);
    return ctx.send_from_address(s_.route, std::move(sealed).value(), s_.remote);
  }

  Result<void> handshake_failed(const Error& error) {
    Counters::add(counters().failed_handshakes);
    Error failed(error.code(), "channel " + detail::quoted(s_.local) + ": the handshake failed: " + error.message());
    log(LogLevel::Warn, failed.message());
    s_.state->settle(failed);
    return failed;
  }

  // A failed initialize() runs no shutdown(): whoever waits learns it here.
  Result<void> fail(const Error& error, const std::string& what) {
    Error failed(error.code(), "channel " + detail::quoted(s_.local) + " " + what + ": " + error.message());
    s_.state->settle(failed);
    return failed;
  }

  static constexpr std::uint32_t kWarnAt = 1000;

  ChannelSetup s_;
  std::optional<NoiseXX> hs_;
  std::optional<OckamChannelCipher> cipher_;
  std::shared_ptr<Ingress> ingress_;
};

// Opens a responder channel for each request, within max_channels.
class ListenerWorker final : public Worker<CreateResponderChannel> {
 public:
  ListenerWorker(Address address, crypto::X25519KeyPair keys, SecureChannelOptions options)
      : address_(std::move(address)), keys_(std::move(keys)), options_(std::move(options)) {}

  Result<void> handle_message(Context& ctx, Routed<CreateResponderChannel> msg) override {
    channels_.erase(std::remove_if(channels_.begin(), channels_.end(),
                                   [](const Open& c) { return c.state->closed.load(); }),  // seq_cst: see ChannelState
                    channels_.end());
    if (channels_.size() >= options_.max_channels && !make_room(ctx)) {
      Counters::add(counters().refused_channels);
      log(LogLevel::Warn, "secure channel listener " + detail::quoted(address_) + " refused a channel: " +
                              std::to_string(channels_.size()) +
                              " are open and every handshake completed (SecureChannelOptions::max_channels)");
      return {};
    }
    ChannelSetup setup{Role::kResponder,  channel_address(), channel_address(),
                       keys_,             options_.trusted_peers, options_.expose,
                       address_,          msg.return_route(),    std::move(msg).into_body().payload,
                       std::make_shared<ChannelState>()};
    const Address local = setup.local;
    const Address remote = setup.remote;
    auto state = setup.state;
    Result<void> started = ctx.start_worker(std::vector<Address>{local, remote}, ChannelWorker(std::move(setup)));
    if (!started) return started;
    channels_.push_back(Open{local, std::move(state)});
    return {};
  }

 private:
  struct Open {
    Address local;
    std::shared_ptr<ChannelState> state;
  };
  // Stops the oldest channel whose handshake has not completed.
  bool make_room(Context& ctx) {
    auto half_open = std::find_if(channels_.begin(), channels_.end(),
                                  [](const Open& c) { return !c.state->complete.load(); });  // seq_cst: see ChannelState
    if (half_open == channels_.end()) return false;
    Counters::add(counters().evicted);
    (void)ctx.stop_worker(half_open->local);
    channels_.erase(half_open);
    return true;
  }

  Address address_;
  crypto::X25519KeyPair keys_;
  SecureChannelOptions options_;
  std::deque<Open> channels_;  // oldest first
};

}  // namespace

SecureChannelStats secure_channel_stats() {
  const Counters& c = counters();
  auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };  // relaxed: statistics
  return SecureChannelStats{get(c.opened),    get(c.refused_peers), get(c.failed_handshakes),
                            get(c.encrypted), get(c.decrypted),     get(c.rejected),
                            get(c.undeliverable), get(c.evicted),   get(c.refused_channels)};
}

Result<Address> create_secure_channel_listener(Context& ctx, Address address, const Identity& identity,
                                               SecureChannelOptions options) {
  if (!address.is_local()) {
    return Error(ErrorCode::InvalidAddress, "a secure channel listener's address is local, not " + detail::quoted(address));
  }
  if (options.max_channels == 0) return Error(ErrorCode::InvalidAddress, "SecureChannelOptions::max_channels is 0");
  Result<void> started = ctx.start_worker(address, ListenerWorker(address, identity.keys(), std::move(options)));
  if (!started) return started.error();
  return address;
}

Result<Address> create_secure_channel(Context& ctx, Route route, const Identity& identity,
                                      SecureChannelOptions options) {
  if (on_pool_thread(ctx)) {
    return Error(ErrorCode::AccessDenied,
                 "create_secure_channel() waits for the handshake: call it from the app or a thread outside the "
                 "node's pool, not from a worker");
  }
  auto state = std::make_shared<ChannelState>();
  ChannelSetup setup{Role::kInitiator, channel_address(),    channel_address(),
                     identity.keys(),  std::move(options.trusted_peers), std::move(options.expose),
                     Address(),        std::move(route),     {},
                     state};
  const Address local = setup.local;
  const Address remote = setup.remote;
  Result<void> started = ctx.start_worker(std::vector<Address>{local, remote}, ChannelWorker(std::move(setup)));
  if (!started) return started.error();
  std::unique_lock<std::mutex> lock(state->mu);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::min(options.timeout, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                      std::chrono::hours(24 * 365)));
  if (!state->cv.wait_until(lock, deadline, [&] { return state->settled; })) {
    lock.unlock();
    (void)ctx.stop_worker(local);
    return Error(ErrorCode::Timeout, "the secure channel's handshake did not complete within " +
                                         std::to_string(options.timeout.count()) + " ms");
  }
  if (state->error) {
    Error error = *state->error;
    lock.unlock();
    (void)ctx.stop_worker(local);
    return error;
  }
  return local;
}

}  // namespace ockam
