// INTERNAL. A node's metric sources (runtime/metrics.h): callbacks that
// transports (or the app) add, each writing its samples when a page of
// metrics is written.
//
// Concurrency contract: add(), remove() and write_all() from any thread.
// write_all() calls the sources under mu_, so remove() waits for a call in
// progress: once it returns, its source is never called again and may die.
// A source must not call add(), remove() or write_all() (it would wait for
// itself).
#ifndef OCKAM_RUNTIME_INTERNAL_METRIC_SOURCES_H_
#define OCKAM_RUNTIME_INTERNAL_METRIC_SOURCES_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace ockam {
class MetricWriter;
}

namespace ockam::detail {

class MetricSources {
 public:
  using Write = std::function<void(MetricWriter&)>;

  std::uint64_t add(Write write) {
    std::lock_guard<std::mutex> lock(mu_);
    sources_.emplace_back(++last_id_, std::move(write));
    return last_id_;
  }
  void remove(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(sources_, [id](const auto& source) { return source.first == id; });
  }
  // In the order they were added. A source that throws is skipped (what it
  // wrote before stays: the writer writes whole samples); returns how many did.
  std::size_t write_all(MetricWriter& writer) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t threw = 0;
    for (const auto& [id, write] : sources_) {
      try {
        write(writer);
      } catch (...) {
        ++threw;
      }
    }
    return threw;
  }

 private:
  mutable std::mutex mu_;
  std::uint64_t last_id_ = 0;                             // guarded by mu_
  std::vector<std::pair<std::uint64_t, Write>> sources_;  // guarded by mu_
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_METRIC_SOURCES_H_
