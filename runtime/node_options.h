// NodeOptions (how a node is built) and NodeStats (what it has counted).
#ifndef OCKAM_RUNTIME_NODE_OPTIONS_H_
#define OCKAM_RUNTIME_NODE_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "runtime/access_control.h"

namespace ockam {

struct NodeOptions {
  std::size_t threads = 0;  // pool threads; 0: hardware concurrency
  std::chrono::milliseconds receive_timeout{30000};  // receive() without a timeout
  std::size_t max_batch = 64;  // messages a worker handles per turn before it gives way (at least 1)
  // Node::stop()'s deadline, as Ockam's node has (1 s there too): how long
  // workers may drain their mailboxes, and then how long their shutdown()
  // calls may take (at least 100 ms), before stop() returns Timeout.
  std::chrono::milliseconds stop_timeout{1000};
  // Messages a worker's mailbox (and the app's) holds before send() returns
  // QueueFull. 65,536: a burst of that many still queues (a fan-in of
  // thousands of senders, a transport's batch), while a flood into one
  // worker stops at about 15 MiB of queued small messages instead of taking
  // the machine. Per worker: WorkerOptions::mailbox_capacity.
  std::size_t mailbox_capacity = 65536;
};

// How one worker is started (Context::start_worker's last argument).
struct WorkerOptions {
  std::size_t mailbox_capacity = 0;  // 0: NodeOptions::mailbox_capacity
  // Which messages may reach the worker (runtime/access_control.h). The
  // default: everything sent or forwarded on this node, and from a
  // transport or channel only what its ingress exposes.
  AccessPolicy incoming;
  // Which messages the worker may send or forward (the default: all).
  AccessPolicy outgoing;
};

// What a node has counted since it started, and (marked "now") what it
// holds at the moment of the call. Each message that send() accepted is
// handled, or counted in exactly one of `dropped` and `wrong_type`, once the
// node has stopped (stop() returned success): then
// sent == handled + dropped + wrong_type. Each count is exact for a reader
// ordered after the work it counts (by a reply, or by stop()). stats()
// reads a few counters per pool thread, and visits every mailbox for
// `queued`, without a lock (about 50 ns a worker: 50 ms for a million).
// runtime/metrics.h writes them all in Prometheus' text format.
struct NodeStats {
  std::uint64_t dropped = 0;          // still queued when their worker stopped
  std::uint64_t wrong_type = 0;       // body of a type the worker does not handle, or one from another
                                      // node that does not decode as its type
  std::uint64_t handler_errors = 0;   // handle_message returned an error or threw
  std::uint64_t worker_failures = 0;  // initialize failed (or a processor's process()); it was stopped
  std::uint64_t denied = 0;           // refused by an address's incoming access control (access_control.h)
  std::uint64_t sent = 0;             // accepted into a mailbox: send(), forward(), a transport's delivery
  std::uint64_t handled = 0;          // given to a handler (whatever it returned), or taken by the app's receive()
  std::uint64_t queued = 0;           // now: in mailboxes (the app's too), not yet taken
  std::uint64_t workers = 0;          // now: started and not yet stopped (worker_count())
  // Timers (Context::send_after): set = fired + cancelled + timers_dropped,
  // once timers_pending is 0.
  std::uint64_t timers_pending = 0;   // set and not yet fired, cancelled or dropped: now, not a total
  std::uint64_t timers_dropped = 0;   // still pending at the node's stop, or fired and their send refused
                                      // (no worker there, a full mailbox, access control; logged)
  std::uint64_t late_replies = 0;     // reached a request's reply address after its request ended
                                      // (Context::request): dropped, never taken for another request
};

}  // namespace ockam

#endif  // OCKAM_RUNTIME_NODE_OPTIONS_H_
