// A node's metrics over HTTP, for Prometheus: GET /metrics answers with
// ockam::prometheus_text(node) (text format 0.0.4). The node runs a relay
// and an echoer, and the app makes 1,000 round trips through them first, so
// the page has something to show; a metric source of the example's own adds
// its counters.
//
//   bazel run //examples:10-metrics -- 127.0.0.1:9464
//   curl http://127.0.0.1:9464/metrics                      (another shell)
//
// Prints "Serving metrics on http://127.0.0.1:PORT/metrics" (port 0: a free
// one). Runs until SIGINT or SIGTERM, then stops the node and exits 0.
//
// The HTTP side is as small as it can be and still face any peer: one
// request per connection (Connection: close); a request's head is read up
// to 8 KiB and must be whole within 5 s, or the connection is closed; at
// most 64 connections at once (a newcomer past that is closed at once).
// Anything but GET /metrics is 404.
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <asio.hpp>

#include "runtime/ockam.h"
#include "transport/tcp.h"

namespace {

constexpr std::size_t kMaxRequestHead = 8 * 1024;
constexpr std::chrono::seconds kRequestTimeout{5};
constexpr std::size_t kMaxConnections = 64;
constexpr int kRoundTrips = 1000;

struct Relay : ockam::Worker<ockam::Any> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<ockam::Any> msg) override {
    return ctx.forward(std::move(msg));
  }
};

struct Echoer : ockam::Worker<int> {
  ockam::Result<void> handle_message(ockam::Context& ctx, ockam::Routed<int> msg) override {
    return ctx.send(msg.return_route(), msg.body());
  }
};

// The HTTP server's state, on its one thread. The counts are written there
// and read by prometheus_text() there too: relaxed is enough (atomic only so
// that a page written on another thread could read them). Declared before
// the io_context, which may still hold connections when it is destroyed.
struct HttpState {
  std::atomic<std::uint64_t> requests{0}, not_found{0}, refused{0};
  std::size_t open = 0;  // connections open now
};

std::string response(std::string_view status, std::string_view content_type, std::string_view body) {
  std::string r = "HTTP/1.1 ";
  r += status;
  r += "\r\nContent-Type: ";
  r += content_type;
  r += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  r += body;
  return r;
}

// The request line's method and path ("GET", "/metrics"), query cut off.
bool is_get_metrics(std::string_view head) {
  const std::string_view line = head.substr(0, head.find("\r\n"));
  if (!line.starts_with("GET ")) return false;
  std::string_view target = line.substr(4);
  target = target.substr(0, target.find(' '));
  target = target.substr(0, target.find('?'));
  return target == "/metrics";
}

// One connection: read the request head, answer, close. The timer bounds the
// whole exchange; whichever of the two ends first cancels the other.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, const ockam::Node& node, HttpState& state)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), request_(kMaxRequestHead), node_(node),
        state_(state) {
    ++state_.open;
  }
  ~Connection() { --state_.open; }

  void start() {
    auto self = shared_from_this();
    timer_.expires_after(kRequestTimeout);
    timer_.async_wait([self](const asio::error_code& ec) {
      if (!ec) self->close();  // too slow: a peer holding connections open
    });
    asio::async_read_until(socket_, request_, "\r\n\r\n", [self](const asio::error_code& ec, std::size_t size) {
      if (ec) return self->close();  // closed, timed out, or a head over kMaxRequestHead
      self->answer(std::string_view(static_cast<const char*>(self->request_.data().data()), size));
    });
  }

 private:
  void answer(std::string_view head) {
    state_.requests.fetch_add(1, std::memory_order_relaxed);  // relaxed: see HttpState
    if (is_get_metrics(head)) {
      reply_ = response("200 OK", "text/plain; version=0.0.4; charset=utf-8", ockam::prometheus_text(node_));
    } else {
      state_.not_found.fetch_add(1, std::memory_order_relaxed);  // relaxed: see HttpState
      reply_ = response("404 Not Found", "text/plain; charset=utf-8", "not found: only GET /metrics is served\n");
    }
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(reply_), [self](const asio::error_code&, std::size_t) { self->close(); });
  }
  void close() {
    asio::error_code ignored;
    timer_.cancel();
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf request_;
  std::string reply_;
  const ockam::Node& node_;
  HttpState& state_;
};

class MetricsServer {
 public:
  MetricsServer(asio::io_context& io, const asio::ip::tcp::endpoint& at, const ockam::Node& node, HttpState& state)
      : acceptor_(io, at), node_(node), state_(state) {}
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;  // closed: the server is stopping
      if (!ec) {
        if (state_.open < kMaxConnections) {
          std::make_shared<Connection>(std::move(socket), node_, state_)->start();
        } else {
          state_.refused.fetch_add(1, std::memory_order_relaxed);  // relaxed: see HttpState
        }  // else the socket closes here
      }
      accept();
    });
  }
  void close() {
    asio::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  asio::ip::tcp::acceptor acceptor_;
  const ockam::Node& node_;
  HttpState& state_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string serve_at = argc > 1 ? argv[1] : "127.0.0.1:9464";
  const std::size_t colon = serve_at.rfind(':');
  asio::error_code ec;
  const asio::ip::address host = asio::ip::make_address(serve_at.substr(0, colon), ec);
  std::uint16_t port = 0;
  const char* port_end = serve_at.data() + serve_at.size();
  auto parsed = [&] { return std::from_chars(serve_at.data() + colon + 1, port_end, port); };
  if (colon == std::string::npos || ec || parsed().ec != std::errc() || parsed().ptr != port_end) {
    std::cerr << "not host:port: " << ockam::escaped(serve_at) << "\n";
    return 1;
  }

  ockam::Node node;
  // A TCP transport, so that its counters (ockam_tcp_*) are on the page too.
  auto tcp = ockam::TcpTransport::create(node);
  if (!tcp) {
    std::cerr << "TcpTransport::create failed: " << tcp.error() << "\n";
    return 1;
  }
  for (auto started : {node.start_worker("relay", Relay{}), node.start_worker("echoer", Echoer{})}) {
    if (!started) {
      std::cerr << "start_worker failed: " << started.error() << "\n";
      return 1;
    }
  }
  // Traffic: app -> relay -> echoer -> relay -> app, kRoundTrips times.
  for (int i = 0; i < kRoundTrips; ++i) {
    if (auto sent = node.send(ockam::Route{"relay", "echoer"}, i); !sent) {
      std::cerr << "send failed: " << sent.error() << "\n";
      return 1;
    }
    if (auto reply = node.receive<int>(); !reply) {
      std::cerr << "receive failed: " << reply.error() << "\n";
      return 1;
    }
  }

  // The example's own metrics, on the same page: a metric source.
  HttpState http;
  ockam::MetricSource source = ockam::add_metric_source(node.context(), [&http](ockam::MetricWriter& w) {
    // relaxed: see HttpState.
    w.counter("example_round_trips_total", "Round trips the app made before serving.", kRoundTrips);
    w.counter("example_http_requests_total", "HTTP requests read whole, this one included.",
              http.requests.load(std::memory_order_relaxed));
    w.counter("example_http_not_found_total", "HTTP requests for anything but GET /metrics.",
              http.not_found.load(std::memory_order_relaxed));
    w.counter("example_http_refused_total", "Connections closed at once: too many open.",
              http.refused.load(std::memory_order_relaxed));
  });

  asio::io_context io;
  std::unique_ptr<MetricsServer> server;
  try {
    server = std::make_unique<MetricsServer>(io, asio::ip::tcp::endpoint(host, port), node, http);
  } catch (const asio::system_error& e) {
    std::cerr << "cannot serve on " << ockam::escaped(serve_at) << ": " << e.what() << "\n";
    return 1;
  }
  server->accept();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int) {
    server->close();
    io.stop();
  });
  // std::endl: the line reaches a pipe or file at once, not at exit.
  std::cout << "Serving metrics on http://" << host.to_string() << ":" << server->port() << "/metrics" << std::endl;
  io.run();

  source.reset();
  if (auto stopped = node.stop(); !stopped) {
    std::cerr << "stop failed: " << stopped.error() << "\n";
    return 1;
  }
  return 0;
}
