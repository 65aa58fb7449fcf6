#include "runtime/metrics.h"

#include <charconv>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "runtime/escape.h"
#include "runtime/internal/metric_sources.h"
#include "runtime/internal/node_core.h"
#include "runtime/log.h"

namespace ockam {
namespace detail {

// Node's friend: the core behind a node, for this file only.
struct NodeAccess {
  static const NodeCore& core(const Node& node) { return *node.core_; }
};

namespace {

enum class Kind { kCounter, kGauge };

struct NodeMetric {
  const char* name;
  Kind kind;
  std::uint64_t NodeStats::*field;
  const char* help;
};

// One line per NodeStats field: a field added there is exported by adding
// its line here.
constexpr NodeMetric kNodeMetrics[] = {
    {"ockam_messages_sent_total", Kind::kCounter, &NodeStats::sent,
     "Messages accepted into a mailbox: send(), forward(), a transport's delivery."},
    {"ockam_messages_handled_total", Kind::kCounter, &NodeStats::handled,
     "Messages given to a handler (whatever it returned), or taken by the app's receive()."},
    {"ockam_messages_dropped_total", Kind::kCounter, &NodeStats::dropped,
     "Messages still queued when their worker stopped."},
    {"ockam_messages_denied_total", Kind::kCounter, &NodeStats::denied,
     "Messages refused by an address's incoming access control."},
    {"ockam_messages_wrong_type_total", Kind::kCounter, &NodeStats::wrong_type,
     "Messages of a type their worker does not handle, or that did not decode as it: dropped."},
    {"ockam_handler_errors_total", Kind::kCounter, &NodeStats::handler_errors,
     "handle_message() calls that returned an error or threw."},
    {"ockam_worker_failures_total", Kind::kCounter, &NodeStats::worker_failures,
     "Workers whose initialize() failed, and which were stopped."},
    {"ockam_messages_queued", Kind::kGauge, &NodeStats::queued,
     "Messages in mailboxes now (the app's too), not yet taken."},
    {"ockam_workers_running", Kind::kGauge, &NodeStats::workers, "Workers started and not yet stopped."},
    {"ockam_timers_pending", Kind::kGauge, &NodeStats::timers_pending,
     "Timers set (send_after) and not yet fired, cancelled or dropped."},
    {"ockam_timers_dropped_total", Kind::kCounter, &NodeStats::timers_dropped,
     "Timers still pending at the node's stop, or fired with their send refused."},
    {"ockam_late_replies_total", Kind::kCounter, &NodeStats::late_replies,
     "Replies that reached a request's reply address after the request ended: dropped."},
};

bool valid_name(std::string_view name) {
  auto first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; };
  if (name.empty() || !first(name.front())) return false;
  for (char c : name.substr(1)) {
    if (!first(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

// The format's escapes: a backslash and a newline (in a label value, a
// double quote too). Any other byte that is not printable UTF-8 becomes
// U+FFFD, so the page stays valid UTF-8 and one line per sample.
void append_escaped_text(std::string& out, std::string_view text, bool in_quotes) {
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\\' || c == '\n' || (in_quotes && c == '"')) {
      out += '\\';
      out += c == '\n' ? 'n' : c;
      ++i;
      continue;
    }
    const std::size_t len = printable_length(text, i);
    if (len == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD, for this byte alone
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
}

void append_number(std::string& out, std::uint64_t value) { out += std::to_string(value); }

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    // Shortest round-trip form ("3", "0.25", "1e+21"), which the format's
    // floats (Go's ParseFloat) read back exactly.
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, ec == std::errc() ? end : buffer);
  }
}

}  // namespace

// The page: MetricWriter for single samples, plus the labelled per-worker
// families that only the node writes.
class PageWriter {
 public:
  MetricWriter& writer() { return writer_; }
  std::string take() { return std::move(page_); }

  // A family of samples labelled {address="..."}, one per worker in `top`.
  void workers(const char* name, const char* type, const char* help, const std::vector<NodeCore::WorkerSample>& top,
               std::uint64_t NodeCore::WorkerSample::*field) {
    if (!writer_.begin(name, help, type)) return;
    for (const NodeCore::WorkerSample& w : top) {
      page_ += name;
      page_ += "{address=\"";
      append_escaped_text(page_, w.address.to_string(), /*in_quotes=*/true);
      page_ += "\"} ";
      append_number(page_, w.*field);
      page_ += '\n';
    }
  }

 private:
  std::string page_;
  MetricWriter writer_{page_};
};

}  // namespace detail

bool MetricWriter::begin(std::string_view name, std::string_view help, std::string_view type) {
  if (!detail::valid_name(name) || !names_.emplace(name).second) return false;
  page_ += "# HELP ";
  page_ += name;
  page_ += ' ';
  detail::append_escaped_text(page_, help, /*in_quotes=*/false);
  page_ += "\n# TYPE ";
  page_ += name;
  page_ += ' ';
  page_ += type;
  page_ += '\n';
  return true;
}

bool MetricWriter::counter(std::string_view name, std::string_view help, std::uint64_t value) {
  if (!begin(name, help, "counter")) return false;
  page_ += name;
  page_ += ' ';
  detail::append_number(page_, value);
  page_ += '\n';
  return true;
}

bool MetricWriter::gauge(std::string_view name, std::string_view help, double value) {
  if (!begin(name, help, "gauge")) return false;
  page_ += name;
  page_ += ' ';
  detail::append_number(page_, value);
  page_ += '\n';
  return true;
}

std::string prometheus_text(const Node& node) { return prometheus_text(node, PrometheusOptions{}); }

std::string prometheus_text(const Node& node, const PrometheusOptions& options) {
  const detail::NodeCore& core = detail::NodeAccess::core(node);
  std::vector<detail::NodeCore::WorkerSample> top;
  const NodeStats stats = core.stats(options.max_workers, &top);
  detail::PageWriter page;
  for (const detail::NodeMetric& m : detail::kNodeMetrics) {
    if (m.kind == detail::Kind::kCounter) {
      page.writer().counter(m.name, m.help, stats.*m.field);
    } else {
      page.writer().gauge(m.name, m.help, static_cast<double>(stats.*m.field));
    }
  }
  page.workers("ockam_worker_mailbox_depth", "gauge",
               "Messages queued to a worker now, by its first address (the workers with the most queued: "
               "PrometheusOptions::max_workers).",
               top, &detail::NodeCore::WorkerSample::queued);
  page.workers("ockam_worker_messages_handled_total", "counter",
               "Messages a worker's handler was given (for the app: receive() took), by its first address (the "
               "same workers as ockam_worker_mailbox_depth).",
               top, &detail::NodeCore::WorkerSample::handled);
  if (std::size_t threw = core.metric_sources()->write_all(page.writer()); threw != 0) {
    detail::log(LogLevel::Warn, std::to_string(threw) + " metric source(s) threw; their samples are missing from the page");
  }
  return page.take();
}

MetricSource::MetricSource(MetricSource&& other) noexcept
    : sources_(std::move(other.sources_)), id_(std::exchange(other.id_, 0)) {}

MetricSource& MetricSource::operator=(MetricSource&& other) noexcept {
  if (this != &other) {
    reset();
    sources_ = std::move(other.sources_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void MetricSource::reset() {
  if (sources_ == nullptr) return;
  sources_->remove(id_);
  sources_.reset();
}

MetricSource add_metric_source(Context& ctx, std::function<void(MetricWriter&)> write) {
  if (!write) return MetricSource();  // writes nothing: nothing to add
  const std::shared_ptr<detail::MetricSources>& sources = detail::NodeAccess::core(ctx.node()).metric_sources();
  const std::uint64_t id = sources->add(std::move(write));
  return MetricSource(sources, id);
}

}  // namespace ockam
