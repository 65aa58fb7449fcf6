// The node's side of the two TCP workloads in /work/shared/BENCHMARKS.md
// (BM_TcpRoundTrip, BM_TcpThroughput), twins of bench/caf/caf_tcp_workloads.cc:
// two nodes in one process on loopback, one TcpTransport connection between
// them, each node on kThreads pool threads plus its transport's I/O thread.
// Nodes, the connection and the workers are set up, and a little traffic is
// warmed up, before the clock runs. Every workload checks its result (every
// round trip, every body in sequence) and fails loudly if one is missing.
//
// BM_TcpFloodNoRead (no CAF twin) adds a hostile peer: a raw socket that
// floods node A with frames and never reads its replies, while node B
// measures what that does to A's memory and to B's round trips.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/countdown.h"
#include "bench/memory.h"
#include "codec/codec.h"
#include "runtime/ockam.h"
#include "transport/tcp.h"
#include "transport/wire.h"

namespace {

using ockam::Address;
using ockam::Context;
using ockam::Result;
using ockam::Route;
using ockam::Routed;
using ockam_bench::Countdown;
using ockam_bench::missing;

constexpr std::size_t kThreads = 2;  // as the other workloads, and as CAF's scheduler there

ockam::NodeOptions options() {
  ockam::NodeOptions o;
  o.threads = kThreads;
  return o;
}

void report_failure(benchmark::State& state, const std::string& what) { state.SkipWithError(what.c_str()); }

// Node A listens; node B connects. `connection` is B's first hop to A;
// `a_listens_at` is A's listener ("1#127.0.0.1:<port>").
struct TwoNodes {
  ockam::Node a{options()};
  ockam::Node b{options()};
  std::string error;
  Address a_listens_at;
  Address connection;
  std::optional<ockam::TcpTransport> tcp_a, tcp_b;

  // For a failure message: what each side's transport counted.
  std::string counts() const {
    auto line = [](const char* name, const ockam::TcpStats& s) {
      return std::string(name) + ": sent " + std::to_string(s.messages_sent) + ", received " +
             std::to_string(s.messages_received) + ", dropped " + std::to_string(s.messages_dropped) +
             ", malformed " + std::to_string(s.malformed);
    };
    return " (" + line("A", tcp_a->stats()) + "; " + line("B", tcp_b->stats()) + ")";
  }

  TwoNodes() {
    auto created_a = ockam::TcpTransport::create(a);
    auto created_b = ockam::TcpTransport::create(b);
    if (!created_a || !created_b) {
      error = "TcpTransport::create failed";
      return;
    }
    tcp_a = created_a.value();
    tcp_b = created_b.value();
    auto listening = tcp_a->listen("127.0.0.1:0", ockam::TcpListenOptions{.expose = {"pong", "counter", "echoer"}});
    if (!listening) {
      error = listening.error().to_string();
      return;
    }
    a_listens_at = listening.value();
    auto connected = tcp_b->connect(listening.value().name());
    if (!connected) {
      error = connected.error().to_string();
      return;
    }
    connection = connected.value();
  }
};

// ---------------------------------------------------------------- TcpRoundTrip

constexpr int kTcpRoundTrips = 100000;
constexpr int kWarmUpRoundTrips = 100;

// On B: each reply k starts the next round trip with k - 1; 0 ends the rally.
struct Ping : ockam::Worker<int> {
  Route to_pong;
  Countdown* done;
  Ping(Route r, Countdown* d) : to_pong(std::move(r)), done(d) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    if (msg.body() == 0) {
      done->count_one();
      return {};
    }
    return ctx.send(to_pong, msg.body() - 1);
  }
};

// On A: answers each body on its return route (back over the connection).
struct Pong : ockam::Worker<int> {
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    return ctx.send(msg.return_route(), msg.body());
  }
};

bool rally(ockam::Node& b, Countdown& done, int round_trips) {
  done.reset(1);
  return b.send("ping", round_trips) && done.wait();
}

void BM_TcpRoundTrip(benchmark::State& state) {
  TwoNodes nodes;
  if (!nodes.error.empty()) return report_failure(state, nodes.error);
  Countdown done;
  if (!nodes.a.start_worker("pong", Pong{}) ||
      !nodes.b.start_worker("ping", Ping(Route{nodes.connection, "pong"}, &done))) {
    return report_failure(state, "a player failed to start");
  }
  if (!rally(nodes.b, done, kWarmUpRoundTrips)) return report_failure(state, missing(done, "warm-up round trips"));
  double total_ns = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    if (!rally(nodes.b, done, kTcpRoundTrips)) return report_failure(state, missing(done, "round trips") + nodes.counts());
    total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  }
  if (nodes.a.stats().handler_errors + nodes.b.stats().handler_errors != 0) {
    return report_failure(state, "a round trip failed");
  }
  state.counters["ns_per_round_trip"] = total_ns / (static_cast<double>(state.iterations()) * kTcpRoundTrips);
}
BENCHMARK(BM_TcpRoundTrip)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- TcpThroughput

constexpr std::int64_t kTcpMessages = 1000000;
constexpr std::int64_t kWarmUpMessages = 1000;
constexpr std::size_t kBodyBytes = 64;

// 64 bytes, the sequence number in the first 20 as decimal digits. CAF's
// twin puts it there as 8 raw bytes; here the body must be valid UTF-8,
// because a std::string crosses Ockam's wire as a BARE string (Rust's
// String), and the receiving codec checks that.
std::string body(std::int64_t seq) {
  std::string b(kBodyBytes, 'x');
  std::snprintf(b.data(), 21, "%020lld", static_cast<long long>(seq));
  b[20] = 'x';  // snprintf's terminator
  return b;
}

std::int64_t seq_of(const std::string& b) {
  if (b.size() != kBodyBytes) return -1;
  return std::strtoll(b.substr(0, 20).c_str(), nullptr, 10);
}

// On A: counts every body and checks its size and sequence number.
struct Counter : ockam::Worker<std::string> {
  Countdown* done;
  std::int64_t* wrong;  // read by the app after done.wait()
  std::int64_t next = 0;
  Counter(Countdown* d, std::int64_t* w) : done(d), wrong(w) {}
  Result<void> handle_message(Context&, Routed<std::string> msg) override {
    if (seq_of(msg.body()) != next) ++*wrong;
    ++next;
    done->count_one();
    return {};
  }
};

// The app thread of B sends n bodies, retrying while the connection's
// bounded queue pushes back (QueueFull). False on any other error.
bool burst(ockam::Node& b, const Route& to, std::int64_t& seq, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::string next = body(seq++);
    for (;;) {
      Result<void> sent = b.send(to, next);
      if (sent) break;
      if (sent.error().code() != ockam::ErrorCode::QueueFull) return false;
      std::this_thread::yield();
    }
  }
  return true;
}

void BM_TcpThroughput(benchmark::State& state) {
  TwoNodes nodes;
  if (!nodes.error.empty()) return report_failure(state, nodes.error);
  Countdown done;
  std::int64_t wrong = 0;
  if (!nodes.a.start_worker("counter", Counter(&done, &wrong))) return report_failure(state, "counter failed to start");
  const Route to{nodes.connection, "counter"};
  std::int64_t seq = 0;
  done.reset(kWarmUpMessages);
  if (!burst(nodes.b, to, seq, kWarmUpMessages) || !done.wait()) {
    return report_failure(state, missing(done, "warm-up messages") + nodes.counts());
  }
  const std::size_t rss_before = ockam_bench::settled_rss_bytes();
  const bool peak_known = ockam_bench::reset_peak_rss();
  for (auto _ : state) {
    done.reset(kTcpMessages);
    if (!burst(nodes.b, to, seq, kTcpMessages)) return report_failure(state, "send failed");
    if (!done.wait()) return report_failure(state, missing(done, "messages") + nodes.counts());
  }
  if (wrong != 0) return report_failure(state, std::to_string(wrong) + " bodies out of sequence or malformed");
  // Bounded by TcpOptions::max_queued_messages: the sender meets QueueFull
  // instead of queueing the whole burst.
  if (const auto peak = peak_known ? ockam_bench::peak_rss_bytes() : std::nullopt) {
    state.counters["peak_rss_growth_MiB"] =
        (static_cast<double>(*peak) - static_cast<double>(rss_before)) / (1024.0 * 1024.0);
  }
  const ockam::TcpStats sent = nodes.tcp_b->stats();
  state.counters["messages_per_write"] =
      static_cast<double>(sent.messages_sent) / static_cast<double>(sent.writes == 0 ? 1 : sent.writes);
  state.SetItemsProcessed(state.iterations() * kTcpMessages);
  state.SetBytesProcessed(state.iterations() * kTcpMessages * static_cast<std::int64_t>(kBodyBytes));
}
BENCHMARK(BM_TcpThroughput)->Iterations(1)->Repetitions(5)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- TcpFloodNoRead
//
// How node A copes with a hostile peer. The flooder, a raw POSIX socket (not
// a node), writes kFloodFrames small frames to A's echoer as fast as A takes
// them and never reads what A sends back. Meanwhile node B, a well-behaved
// peer on its own connection, makes sequential round trips to the same
// echoer. The figures: what the flood costs A (peak_rss_growth_MiB) and what
// it costs A's other peers (B's round trips: rtt_p50_ms, rtt_p99_ms,
// rtt_max_ms, and lost_round_trips, those whose reply did not come within
// kRoundTripTimeout).
//
// A node without inbound backpressure reads the flood as fast as it arrives:
// every frame becomes a message queued to the echoer (up to its mailbox's
// capacity; past that A drops what it reads, B's probes included), and every
// echo a reply queued to the flooder's connection, whose peer never reads
// (up to TcpOptions::max_queued_messages; then the echoer's send gets
// QueueFull). With backpressure A stops reading the flooder's socket, the
// flooder's writes block, and B's round trips should not notice the flood.
//
// Bounded in time whatever A does: the probing stops when the flooder has
// written everything, or kProbeWindow after the flood started (the last
// round trip may take kRoundTripTimeout more); the flooder's send() is woken
// by shutdown() and never blocks longer than kFlooderSendTimeout anyway; and
// each node's stop() has its 1 s deadlines: about 30 s in the worst case.

constexpr std::int64_t kFloodFrames = 3000000;
constexpr std::string_view kFloodBody = "x";  // crosses the wire as a BARE string: 01 78
// Frames per send() call: ~47 KiB of 23-byte frames, about what one call
// moves into a loopback socket's buffer.
constexpr std::size_t kFramesPerWrite = 2048;
// SO_SNDTIMEO: a send() blocked on a full socket (A is not reading) returns
// after this long, so the writer looks at its stop flag again even if the
// shutdown() that should wake it had no effect. On Linux it bounds connect()
// too.
constexpr std::chrono::milliseconds kFlooderSendTimeout{250};
constexpr std::chrono::seconds kRoundTripTimeout{5};
// B's round trips run while the flooder is writing, and at most this long.
// Only those count: one made after the writes ended measures an idle echoer
// (or the last of A's backlog), so padding the samples with them would make
// the median say the flood cost nothing. A node that takes the whole flood
// in about a second (no backpressure: it reads, queues what fits and drops
// the rest) leaves a few dozen samples, and rtt_p99_ms is then about
// rtt_max_ms; one that stops reading blocks the flooder, and B's round trips
// run the whole window.
constexpr std::chrono::seconds kProbeWindow{20};
// The samples' storage is allocated (and touched) before the RSS baseline,
// so that it does not count as growth: a node that keeps B's round trips at
// ~30 us makes ~700,000 in kProbeWindow. The probing stops at this many.
constexpr std::size_t kMaxRoundTrips = std::size_t{1} << 20;  // 8 MiB of doubles
constexpr int kWarmUpFloodRoundTrips = 100;

std::string errno_text(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

// The port of A's listener, "1#127.0.0.1:<port>".
std::optional<std::uint16_t> port_of(const Address& listener) {
  const std::string_view name = listener.name();
  const std::size_t colon = name.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::uint16_t port = 0;
  const char* last = name.data() + name.size();
  const auto [end, failure] = std::from_chars(name.data() + colon + 1, last, port);
  if (failure != std::errc() || end != last || port == 0) return std::nullopt;
  return port;
}

// One flood frame: onward [0#echoer], return [0#flood], body kFloodBody, built
// with the transport's own encoder and decoded back once, so that a wrong
// frame fails here rather than having A close the flooder's connection as
// malformed (a benchmark that would then measure nothing).
Result<std::vector<std::uint8_t>> flood_frame() {
  namespace wire = ockam::transport;
  const Route onward{"echoer"};
  const Route ret{"flood"};
  const std::vector<std::uint8_t> payload = ockam::encode_body(std::string(kFloodBody));
  std::vector<std::uint8_t> frame;
  if (Result<void> encoded = wire::encode_frame_to(wire::MessageRef{onward, ret, payload}, frame); !encoded) {
    return encoded.error();
  }
  auto wrong = [](const std::string& what) {
    return ockam::Error(ockam::ErrorCode::MalformedMessage, "flood frame: " + what);
  };
  if (frame.size() < wire::kFrameHeaderSize) return wrong("shorter than its header");
  const std::size_t length = (std::size_t{frame[0]} << 8) | frame[1];
  if (length != frame.size() - wire::kFrameHeaderSize) return wrong("its header says " + std::to_string(length));
  Result<wire::TransportMessage> decoded =
      wire::decode(std::span<const std::uint8_t>(frame).subspan(wire::kFrameHeaderSize));
  if (!decoded) return wrong(decoded.error().to_string());
  if (!(decoded->onward == onward) || !(decoded->ret == ret)) {
    return wrong("routes decode as " + decoded->onward.to_string() + " / " + decoded->ret.to_string());
  }
  Result<std::string> body = ockam::decode_body<std::string>(decoded->payload);
  if (!body || *body != kFloodBody) return wrong("the body does not decode back");
  return frame;
}

// The hostile peer: a blocking socket connected to A, and a writer thread
// that sends `frames` copies of one frame and never reads. What A writes
// back piles up in this socket's receive buffer until A's writes to it stall.
class Flooder {
 public:
  // Connects to 127.0.0.1:port and lays out kFramesPerWrite copies of
  // `frame` for the writer; error() says what failed.
  Flooder(std::uint16_t port, const std::vector<std::uint8_t>& frame, std::int64_t frames)
      : frame_size_(frame.size()), frames_(frames) {
    chunk_.reserve(frame.size() * kFramesPerWrite);
    for (std::size_t i = 0; i < kFramesPerWrite; ++i) chunk_.insert(chunk_.end(), frame.begin(), frame.end());
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      error_ = errno_text("socket");
      return;
    }
    timeval send_timeout{};
    send_timeout.tv_usec = std::chrono::duration_cast<std::chrono::microseconds>(kFlooderSendTimeout).count();
    if (::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout) != 0) {
      error_ = errno_text("setsockopt(SO_SNDTIMEO)");
      return;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) error_ = errno_text("connect");
  }
  Flooder(const Flooder&) = delete;
  Flooder& operator=(const Flooder&) = delete;
  // Stops the writer first: the socket is closed (with unread data in it, the
  // kernel resets the connection) only once no thread uses it.
  ~Flooder() {
    stop();
    if (fd_ >= 0) ::close(fd_);
  }

  const std::string& error() const { return error_; }

  // Starts the writer. Once: a second flood would need a fresh connection.
  void start() {
    if (writer_.joinable()) return;
    writer_ = std::thread([this] { write_all(); });
  }

  // The writer has stopped on its own: all frames written, or the socket
  // failed (A closed it). It ends the probing; the writer's figures are read
  // after stop() has joined it.
  bool finished() const {
    // relaxed: this flag carries no data; seeing it late only means one more
    // round trip. The writer's results are published by join() in stop().
    return finished_.load(std::memory_order_relaxed);
  }

  // Makes the writer stop and joins it. Idempotent.
  void stop() {
    if (!writer_.joinable()) return;
    stopped_by_itself_ = finished();
    // relaxed: the writer only needs to see it eventually (at its next
    // send() return); it orders nothing, join() below does.
    stop_.store(true, std::memory_order_relaxed);
    // Wakes a send() blocked on the full socket at once (it fails, EPIPE). It
    // can fail only with ENOTCONN, when A has already reset the connection:
    // then no send() is blocked on it, and kFlooderSendTimeout bounds the
    // join regardless.
    (void)::shutdown(fd_, SHUT_RDWR);
    writer_.join();
  }

  // After stop():
  std::int64_t frames_written() const { return frames_written_; }
  std::chrono::steady_clock::duration write_time() const { return write_time_; }
  // The socket failed before stop() was asked for: A closed the connection.
  bool cut_off_by_victim() const { return stopped_by_itself_ && !write_error_.empty(); }
  const std::string& write_error() const { return write_error_; }

 private:
  void write_all() {
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t total = static_cast<std::uint64_t>(frames_) * frame_size_;
    std::uint64_t written = 0;
    // The stream is chunk_ over and over (it holds whole frames), so a
    // partial send() resumes at the same offset within it.
    // relaxed: see stop().
    while (written < total && !stop_.load(std::memory_order_relaxed)) {
      const auto offset = static_cast<std::size_t>(written % chunk_.size());
      const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_.size() - offset, total - written));
      const ssize_t sent = ::send(fd_, chunk_.data() + offset, length, MSG_NOSIGNAL);
      if (sent > 0) {
        written += static_cast<std::uint64_t>(sent);
      } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        // Blocked for kFlooderSendTimeout: A is not reading. Look at stop_ and try again.
      } else {
        write_error_ = sent == 0 ? std::string("send: wrote nothing") : errno_text("send");
        break;
      }
    }
    frames_written_ = static_cast<std::int64_t>(written / frame_size_);
    write_time_ = std::chrono::steady_clock::now() - start;
    // relaxed: see finished().
    finished_.store(true, std::memory_order_relaxed);
  }

  const std::size_t frame_size_;
  const std::int64_t frames_;
  std::vector<std::uint8_t> chunk_;  // kFramesPerWrite frames; read by the writer only once start()ed
  int fd_ = -1;
  std::string error_;
  std::thread writer_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  bool stopped_by_itself_ = false;  // stop()'s thread only
  // Written by the writer, read after join():
  std::int64_t frames_written_ = 0;
  std::chrono::steady_clock::duration write_time_{};
  std::string write_error_;
};

// On A: the victim's echoer, as examples/04-tcp-responder.cc's (without the
// printing). A reply that cannot be sent (QueueFull on the connection of a
// flooder that never reads) is counted rather than returned: returned, each
// would also be counted and logged as a handler error, noise on top of a
// figure we report anyway.
struct Echoer : ockam::Worker<std::string> {
  std::atomic<std::uint64_t>* replies_failed;
  explicit Echoer(std::atomic<std::uint64_t>* f) : replies_failed(f) {}
  Result<void> handle_message(Context& ctx, Routed<std::string> msg) override {
    if (Result<void> sent = ctx.send(msg.return_route(), std::move(msg).into_body()); !sent) {
      // relaxed: a statistic, read once the flood is over; no other data hangs on it.
      replies_failed->fetch_add(1, std::memory_order_relaxed);
    }
    return {};
  }
};

enum class RoundTrip { answered, lost, failed };

// One round trip from B's app to A's echoer; `ms` its latency if answered.
// Lost: no reply within kRoundTripTimeout. Each probe's body carries its
// sequence number, and a late reply to an earlier, lost probe is skipped.
// Failed: a send or receive error other than a timeout (in `error`).
RoundTrip round_trip(ockam::Node& b, const Route& to_echoer, std::int64_t seq, double& ms, std::string& error) {
  using Clock = std::chrono::steady_clock;
  const std::string body = "probe " + std::to_string(seq);
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + kRoundTripTimeout;
  if (Result<void> sent = b.send(to_echoer, body); !sent) {
    error = "round trip " + std::to_string(seq) + ": send: " + sent.error().to_string();
    return RoundTrip::failed;
  }
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= std::chrono::milliseconds::zero()) return RoundTrip::lost;
    Result<Routed<std::string>> reply = b.receive<std::string>(left);
    if (!reply) {
      if (reply.error().code() == ockam::ErrorCode::Timeout) return RoundTrip::lost;
      error = "round trip " + std::to_string(seq) + ": receive: " + reply.error().to_string();
      return RoundTrip::failed;
    }
    if (reply.value().body() == body) {
      ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      return RoundTrip::answered;
    }
    // A late reply to an earlier probe, already counted as lost: wait on.
  }
}

// Nearest rank: the smallest sample with at least fraction q of the samples
// at or below it. `sorted` is not empty.
double percentile(const std::vector<double>& sorted, double q) {
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void BM_TcpFloodNoRead(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  // Before the nodes, so that it outlives them: A's echoer counts into it
  // until A's destructor has stopped it.
  std::atomic<std::uint64_t> echo_replies_failed{0};
  TwoNodes nodes;
  if (!nodes.error.empty()) return report_failure(state, nodes.error);
  if (!nodes.a.start_worker("echoer", Echoer(&echo_replies_failed))) {
    return report_failure(state, "echoer failed to start");
  }
  const Route to_echoer{nodes.connection, "echoer"};
  std::string error;
  double ms = 0;
  for (int i = 0; i < kWarmUpFloodRoundTrips; ++i) {
    if (round_trip(nodes.b, to_echoer, -1 - i, ms, error) != RoundTrip::answered) {
      return report_failure(state, "warm-up round trip " + std::to_string(i) + " " +
                                       (error.empty() ? "lost" : error) + nodes.counts());
    }
  }
  Result<std::vector<std::uint8_t>> frame = flood_frame();
  if (!frame) return report_failure(state, frame.error().to_string());
  const std::optional<std::uint16_t> port = port_of(nodes.a_listens_at);
  if (!port) return report_failure(state, "no port in A's listener " + std::string(nodes.a_listens_at.name()));
  // After the nodes, so destroyed before them: its writer joined and its
  // socket closed while A still runs, whichever way this function returns.
  Flooder flooder(*port, *frame, kFloodFrames);
  if (!flooder.error().empty()) return report_failure(state, "flooder: " + flooder.error());

  std::vector<double> rtt_ms(kMaxRoundTrips);  // zeroed: its pages are resident before the baseline
  std::size_t answered = 0;
  std::int64_t lost = 0;
  const std::size_t rss_before = ockam_bench::settled_rss_bytes();
  const bool peak_known = ockam_bench::reset_peak_rss();
  for (auto _ : state) {
    const Clock::time_point flood_start = Clock::now();
    flooder.start();
    for (std::int64_t seq = 0; !flooder.finished() && Clock::now() - flood_start < kProbeWindow &&
                               answered + static_cast<std::size_t>(lost) < kMaxRoundTrips;
         ++seq) {
      switch (round_trip(nodes.b, to_echoer, seq, ms, error)) {
        case RoundTrip::answered:
          rtt_ms[answered++] = ms;
          break;
        case RoundTrip::lost:
          ++lost;
          break;
        case RoundTrip::failed:
          return report_failure(state, error + nodes.counts());
      }
    }
    flooder.stop();
  }
  const std::optional<std::size_t> peak = peak_known ? ockam_bench::peak_rss_bytes() : std::nullopt;
  rtt_ms.resize(answered);
  if (rtt_ms.empty()) {
    return report_failure(state, "no round trip came back during the flood (" + std::to_string(lost) + " lost)" +
                                     nodes.counts());
  }
  const ockam::TcpStats victim = nodes.tcp_a->stats();
  if (victim.malformed != 0) return report_failure(state, "A found the flood malformed" + nodes.counts());

  if (peak) {
    state.counters["peak_rss_growth_MiB"] =
        (static_cast<double>(*peak) - static_cast<double>(rss_before)) / (1024.0 * 1024.0);
  }
  std::sort(rtt_ms.begin(), rtt_ms.end());
  state.counters["rtt_p50_ms"] = percentile(rtt_ms, 0.50);
  state.counters["rtt_p99_ms"] = percentile(rtt_ms, 0.99);
  state.counters["rtt_max_ms"] = rtt_ms.back();
  state.counters["round_trips"] = static_cast<double>(rtt_ms.size());
  state.counters["lost_round_trips"] = static_cast<double>(lost);
  state.counters["flood_frames_written"] = static_cast<double>(flooder.frames_written());
  state.counters["flood_write_ms"] = std::chrono::duration<double, std::milli>(flooder.write_time()).count();
  state.counters["flooder_cut_off"] = flooder.cut_off_by_victim() ? 1 : 0;
  if (flooder.cut_off_by_victim()) state.SetLabel("A closed the flooder's connection: " + flooder.write_error());
  // What A made of it so far (A still drains what it queued).
  state.counters["victim_messages_received"] = static_cast<double>(victim.messages_received);
  state.counters["victim_messages_dropped"] = static_cast<double>(victim.messages_dropped);
  // relaxed: see Echoer; the figure so far, while A may still be draining.
  state.counters["echo_replies_failed"] = static_cast<double>(echo_replies_failed.load(std::memory_order_relaxed));
}
BENCHMARK(BM_TcpFloodNoRead)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
