// A node's metrics in Prometheus' text exposition format (version 0.0.4),
// for a scraper or a human:
//
//   std::string page = ockam::prometheus_text(node);   // any thread, any time
//
// The page holds, in this order:
//   * the node's counters and gauges (NodeStats): ockam_messages_sent_total,
//     ockam_messages_handled_total, ockam_messages_dropped_total,
//     ockam_messages_denied_total, ockam_messages_wrong_type_total,
//     ockam_handler_errors_total, ockam_worker_failures_total,
//     ockam_messages_queued, ockam_workers_running;
//   * per worker, for at most PrometheusOptions::max_workers of them (10 by
//     default; the app counts as one): ockam_worker_mailbox_depth and
//     ockam_worker_messages_handled_total, labelled with the worker's first
//     address, {address="echoer"}. Bounded so that a node of a million
//     workers writes a page of a few kilobytes: the workers shown are those
//     with the most messages queued, then the most handled (ties in an
//     unspecified order that stays the same while nothing changes);
//   * the samples of the node's metric sources (add_metric_source below), in
//     the order they were added: a TCP transport's ockam_tcp_* counters
//     (TcpStats).
// Each metric has its `# HELP` and `# TYPE` lines before its samples. In a
// label value a backslash, a double quote and a newline are escaped as the
// format says (\\, \", \n); any other byte that is not printable UTF-8 (a
// control byte, invalid UTF-8, a C1 control, a line separator, a
// bidirectional override: runtime/escape.h's list) becomes U+FFFD, so that
// no worker's address can break the page or a terminal showing it.
//
// Concurrency: prometheus_text() and the MetricWriter calls are safe from
// any thread (a worker's handler too) while the node runs, stops, and starts
// and stops workers: it reads counters and visits the node's mailboxes the
// way a sender does (a read section), without a lock a send or a turn
// takes. The counts are each exact for a reader ordered after the work they
// count (NodeStats); one page is not one instant. Its cost is the visit of
// every mailbox: about 70 ns of CPU a worker (70 ms for a million).
#ifndef OCKAM_RUNTIME_METRICS_H_
#define OCKAM_RUNTIME_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "runtime/context.h"
#include "runtime/node.h"

namespace ockam {

namespace detail {
class MetricSources;
class PageWriter;
}  // namespace detail

struct PrometheusOptions {
  // Workers with series of their own (see the top of this file); 0: none.
  std::size_t max_workers = 10;
};

// See the top of this file. After the node's stop the page still holds its
// final counts.
std::string prometheus_text(const Node& node);
std::string prometheus_text(const Node& node, const PrometheusOptions& options);

// What a metric source writes its samples with: one call per metric.
class MetricWriter {
 public:
  MetricWriter(const MetricWriter&) = delete;
  MetricWriter& operator=(const MetricWriter&) = delete;

  // Writes the metric `name` (`# HELP name help`, `# TYPE name counter`,
  // `name value`). `name` must match [a-zA-Z_:][a-zA-Z0-9_:]* and be new on
  // the page (a metric appears once); otherwise nothing is written and the
  // result is false. By convention a counter's name ends in _total. `help`
  // is any text: a backslash and a newline in it are escaped.
  bool counter(std::string_view name, std::string_view help, std::uint64_t value);
  // The same for a gauge (`# TYPE name gauge`): a value that can go down.
  // NaN and the infinities are written as NaN, +Inf and -Inf.
  bool gauge(std::string_view name, std::string_view help, double value);

 private:
  friend class detail::PageWriter;
  explicit MetricWriter(std::string& page) : page_(page) {}
  // False (writing nothing) for a bad or repeated name; else the HELP and
  // TYPE lines.
  bool begin(std::string_view name, std::string_view help, std::string_view type);

  std::string& page_;
  std::unordered_set<std::string> names_;
};

// A metric source's registration, from add_metric_source(). Move-only;
// destroying it (or reset()) removes the source: once that returns, the
// source is never called again, since the removal waits for a call in
// progress. It may outlive its node.
class MetricSource {
 public:
  MetricSource() = default;
  MetricSource(MetricSource&& other) noexcept;
  MetricSource& operator=(MetricSource&& other) noexcept;
  ~MetricSource() { reset(); }
  void reset();

 private:
  friend MetricSource add_metric_source(Context& ctx, std::function<void(MetricWriter&)> write);
  MetricSource(std::shared_ptr<detail::MetricSources> sources, std::uint64_t id)
      : sources_(std::move(sources)), id_(id) {}
  std::shared_ptr<detail::MetricSources> sources_;
  std::uint64_t id_ = 0;
};

// Adds `write` to the metrics of ctx's node: each prometheus_text() calls
// it, on its own thread, to write the source's samples (a transport adds its
// counters at creation and keeps the MetricSource as long as they live).
// `write` must be quick and must not block, nor call prometheus_text() or
// add or remove a source (it runs under the lock that removal waits for).
// One that throws is skipped on that page (and logged); what it wrote
// before the throw stays. Any thread; also once the node has stopped.
MetricSource add_metric_source(Context& ctx, std::function<void(MetricWriter&)> write);

}  // namespace ockam

#endif  // OCKAM_RUNTIME_METRICS_H_
