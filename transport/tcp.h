// TcpTransport: routes messages to workers on other nodes over TCP, as
// Ockam's TCP transport does (TransportMessage v1, u16 big-endian frames;
// docs/wire-format.md). A route such as {"1#127.0.0.1:4000", "echoer"}
// reaches the worker "echoer" on the node listening there, and the reply
// comes back on the return route:
//
//   ockam::Node node;
//   auto tcp = ockam::TcpTransport::create(node).value();
//   tcp.connect("127.0.0.1:4000").value();            // "1#127.0.0.1:4000"
//   node.send(ockam::Route{"1#127.0.0.1:4000", "echoer"}, std::string("Hello"));
//   auto reply = node.receive<std::string>();          // from the echoer over there
//
// Each connection is a worker of the node. One that connect() opened has the
// address it was asked for ("1#127.0.0.1:4000"), since routes name it; one
// that a peer opened to a listen() gets an address the node draws at random,
// "1#in-" and 16 hex digits (e.g. "1#in-3f9c0a7e5b1d2c48"), which a peer
// can neither choose nor predict, and which no connect() can produce (it has
// no port), so connect() never hands out a connection a peer opened. A
// message arriving on a connection gets the connection's address in front of
// its return route, so replies route back over it.
// Bodies cross the wire with ockam::Codec<T> (codec/codec.h); a body type
// without a codec is refused by send() (WrongMessageType). Locally a body is
// still moved, never encoded.
//
// It is built on the transport seam (runtime/transport.h) and the public
// API alone, as any other transport can be.
//
// Threads: one I/O thread per transport accepts, reads and closes. It
// injects received messages into the node's pool without a lock (a registry
// lookup and a mailbox push). A connection worker with nothing queued behind
// a message and an idle socket writes it itself, non-blocking (no wake-up of
// the I/O thread: the round-trip case); otherwise it appends the frame to the
// connection's double buffer and the I/O thread writes the lot, so many
// messages leave in one write (the throughput case).
//
// Backpressure, both ways. Out: a connection takes at most
// TcpOptions::max_queued_messages messages, and max_queued_bytes bytes of
// frames, that are not yet written to its socket. Past that, send() (or
// forward()) to it returns QueueFull at once, and nothing is queued: retry
// later. In: a connection stops reading its socket while the messages it
// delivered and the node has not handled yet hold max_unhandled_bytes, and
// while a message it received waits for room in a full mailbox (held and
// retried, never dropped); TCP's window then slows the peer down. So a slow
// peer and a flooding one each cost bounded memory.
//
// Limits (TcpOptions, with defaults for a server on the open Internet): a
// frame whose first byte arrived must be whole within frame_timeout; a
// connection that carries no bytes either way for idle_timeout is closed,
// and on a link where this node has written nothing for heartbeat_interval
// it writes Ockam's heartbeat (an empty message), so live links stay open;
// at most max_inbound_connections peers are connected at once (a newcomer
// replaces one that has not sent a whole frame yet, or one long unheard, or
// is refused at once); an accept that fails (e.g. out of file descriptors) is retried
// with a back-off, logged once per episode; connect() gives up after
// connect_timeout.
//
// Faults: a peer that disconnects, or sends garbage, a frame over 65535
// bytes, a message that does not decode or one addressed to an unknown
// transport type, has its connection closed: the cause is logged, the
// connection worker stops (messages still queued to it are counted as
// dropped, NodeStats::dropped), and later sends to its address go to the
// transport's router, which logs and counts them as dropped
// (TcpStats::messages_dropped). The node and every other connection keep
// running. node.stop() closes every socket and joins the I/O thread before
// any worker stops.
#ifndef OCKAM_TRANSPORT_TCP_H_
#define OCKAM_TRANSPORT_TCP_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "runtime/address.h"
#include "runtime/context.h"
#include "runtime/node.h"
#include "runtime/result.h"

namespace ockam {

// Ockam's transport type for TCP addresses: "1#host:port".
inline constexpr Address::Type TCP = 1;

// What create() accepts: every duration above zero, max_queued_messages,
// max_queued_bytes and max_unhandled_bytes above zero. A duration too large for the clock means "never" (it
// saturates): std::chrono::milliseconds::max() turns a limit off. Keep
// heartbeat_interval well below the idle timeout of the peers (our defaults:
// 1 min against 6 min).
struct TcpOptions {
  // Per connection: messages send() accepted that are not yet written to the
  // socket (queued in the connection worker or its write buffer).
  std::size_t max_queued_messages = 16384;
  // Per connection: bytes of frames encoded and not yet taken by the socket.
  // Past it, sends to the connection get QueueFull too (the messages
  // already admitted are still encoded and sent), so big bodies to a peer
  // that does not read are bounded by bytes, not only by count. 4 MiB: well
  // above what a fast link needs in flight (a loopback link with 16384
  // small messages queued holds about 1.5 MiB).
  std::size_t max_queued_bytes = 4 * 1024 * 1024;
  // Per connection: memory held by the messages it received that the node
  // has not handled yet (each counts its envelope, about 100 bytes, its routes and
  // its body's bytes; a message is handled once its worker's handler gets
  // it, or a relay hop wrote it into another connection's buffer). Past it
  // the connection stops reading its socket, so TCP's window slows the
  // peer down, and reads again once half of it is handled
  // (TcpStats::reads_paused). 1 MiB: about 3,000 small messages or 16
  // full-size frames ahead of the workers, milliseconds of work, so a fast
  // peer rarely waits; a peer that floods holds at most this much.
  std::size_t max_unhandled_bytes = 1024 * 1024;
  // A frame whose first byte has arrived must be whole within this, or its
  // connection is closed (TcpStats::timed_out). 10 s: a whole frame (at most
  // 64 KiB) crosses even a 64 kbit/s link in about 8 s, and a peer that
  // starts a frame and stalls (a half-frame attack) holds its descriptor
  // and buffer for 10 s at most.
  std::chrono::milliseconds frame_timeout{10000};
  // A connection on which no byte went either way (this node's own
  // heartbeats do not count) for this long is closed (TcpStats::timed_out).
  // 6 min: longer than the 5 min after which an idle Ockam Rust node
  // (ockam_transport_tcp at 007d435) sends its heartbeat, so an idle but
  // live Rust link stays open, while a silent peer gives its descriptor back
  // within minutes.
  std::chrono::milliseconds idle_timeout{360000};
  // On a connection where this node has written nothing for this long, it
  // writes Ockam's heartbeat (an empty message, frame 000401000000, as Rust
  // nodes send). 1 min: six per idle_timeout, so a peer with our defaults
  // never sees a live link idle, and NAT and load-balancer mappings (AWS's
  // NAT gateway drops idle flows after 350 s, Azure's load balancer after
  // 4 min) stay up; 6 bytes a minute per link. Beware: a Rust node at
  // 007d435 sends heartbeats but its receiver does not survive one
  // (ockam_node's forward() unwraps the empty onward route; later releases
  // skip it): towards such peers set this to milliseconds::max().
  std::chrono::milliseconds heartbeat_interval{60000};
  // Peers connected at once through listen(). At the cap a newcomer replaces
  // the oldest peer that has not yet sent a whole frame, or else the peer
  // not heard from for longest if that is over 2 * heartbeat_interval
  // (TcpStats::evicted: a swarm of silent, half-frame or once-heard
  // connections cannot lock out a real client for long); if there is none,
  // the newcomer is refused: closed at once (TcpStats::refused). 0: three
  // quarters of the process's soft RLIMIT_NOFILE (the rest is left for
  // connect(), files and libraries), at most 4096 (each connection can hold
  // up to about 130 KiB of frame buffers). connect() is not capped: the
  // node's own code opens those.
  std::size_t max_inbound_connections = 0;
  // How long connect() waits for the peer to accept, per call (all the
  // addresses a name resolves to share it): 10 s leaves room for three SYN
  // retransmissions (Linux resends after 1, 3 and 7 s). Then Timeout.
  // (Resolving a host name uses the system's resolver and its timeouts.)
  std::chrono::milliseconds connect_timeout{10000};
};

// Which local workers the peers of a listener (or of one connection) may
// reach (runtime/access_control.h). A message from a peer reaches only an
// address listed here, or one whose worker sent a message out over that
// connection (its replies), or a worker whose own incoming policy admits it
// (WorkerOptions::incoming); everything else is dropped, counted
// (NodeStats::denied, TcpStats::messages_dropped) and logged. Empty (the
// default): a peer reaches only the workers that talk to it. So a peer can
// never reach another connection, the transport's router, or `app`,
// unless the user says so.
struct TcpListenOptions {
  std::vector<Address> expose;
};
struct TcpConnectOptions {
  std::vector<Address> expose;
};

// Counters since create(); each is exact once the traffic it counts is
// ordered before the read (e.g. by a reply, or by node.stop()). The node's
// metrics page (ockam::prometheus_text, runtime/metrics.h) has each as the
// counter ockam_tcp_<field>_total.
struct TcpStats {
  std::uint64_t connections_opened = 0;  // connect()s and accepted peers
  std::uint64_t connections_closed = 0;  // for any reason, stop() included
  std::uint64_t messages_sent = 0;       // written to a socket
  std::uint64_t writes = 0;              // socket writes that carried them (a write carries a batch)
  std::uint64_t messages_received = 0;   // read from a socket (counted before the node sees them)
  std::uint64_t messages_dropped = 0;    // accepted for a connection but never written, or received and undeliverable
  std::uint64_t malformed = 0;           // connections closed for bytes that are not Ockam messages
  std::uint64_t timed_out = 0;           // connections closed by frame_timeout or idle_timeout
  std::uint64_t refused = 0;             // accepted peers closed at once: max_inbound_connections reached
  std::uint64_t evicted = 0;             // peers closed to make room for a newcomer (see max_inbound_connections)
  std::uint64_t accept_errors = 0;       // failed accepts (each retried after a back-off)
  std::uint64_t heartbeats_sent = 0;     // written by this node on idle links
  std::uint64_t heartbeats_received = 0;
  std::uint64_t reads_paused = 0;        // a connection stopped reading: max_unhandled_bytes reached
  std::uint64_t deliveries_stalled = 0;  // a received message met a full mailbox: held, reading stopped, retried
};

namespace detail {
class TcpCore;
}

// A handle: copies share one transport. The transport lives as long as its
// node (node.stop() shuts it down); the handle may be dropped at any time.
class TcpTransport {
 public:
  // Starts the I/O thread and registers the transport's router for type TCP
  // on the context's node. AddressInUse if the node already has a TCP
  // transport, NodeStopped once it is stopping, TransportError (naming the
  // option) for options that cannot work (see TcpOptions).
  static Result<TcpTransport> create(Context& ctx, TcpOptions options = {});
  static Result<TcpTransport> create(Node& node, TcpOptions options = {}) {
    return create(node.context(), options);
  }

  // Listens on "host:port" (port 0: a free one) and accepts peers until the
  // node stops. Returns the address peers route to, with the bound port:
  // "1#127.0.0.1:4000". TransportError if the address cannot be bound,
  // InvalidAddress if it does not parse.
  Result<Address> listen(std::string_view address, TcpListenOptions options = {});

  // Connects to "host:port" and returns "1#host:port" (as written), the first
  // hop of routes to workers over there. Connecting again to the same
  // address returns the connection an earlier connect() opened, if it is
  // still open; a connection a peer opened is never returned (it has an
  // address of its own). TransportError if the connection is refused or the
  // host does not resolve; Timeout if the peer has not accepted within
  // TcpOptions::connect_timeout. Blocks the calling thread meanwhile.
  // The options apply to the connection it opens; AddressInUse if one
  // connect() opened is open with a different `expose`.
  Result<Address> connect(std::string_view address, TcpConnectOptions options = {});

  // Closes a connection (an address connect() returned, or a peer's):
  // messages still queued to it are counted as dropped. AddressNotFound if
  // there is no such open connection.
  Result<void> disconnect(const Address& connection);

  TcpStats stats() const;
  // The options in effect: create()'s, with max_inbound_connections resolved.
  const TcpOptions& options() const;

 private:
  explicit TcpTransport(std::shared_ptr<detail::TcpCore> core) : core_(std::move(core)) {}
  std::shared_ptr<detail::TcpCore> core_;
};

}  // namespace ockam

#endif  // OCKAM_TRANSPORT_TCP_H_
