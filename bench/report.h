// What //bench:report makes of a run, apart from Google Benchmark, so that a
// test can feed it made-up runs (bench/report_test.cc): the pairing of each
// ockam_cpp benchmark with its CAF twins, each figure's median, minimum,
// maximum and flips over the repetitions, the ratio against the better of
// CAF's schedulers, the tables and the SVG chart.
//
// Names: BM_X/args is ockam_cpp's workload "X/args"; BM_CafX/args is CAF's
// default scheduler on it, BM_CafX_variant/args CAF on another one (e.g.
// BM_CafFanOut_sharing: work sharing).
//
// Ratios: ockam/CAF for rates, CAF/ockam for costs, so > 1 always means
// ockam_cpp did better; the CAF figure is the better of its schedulers'
// medians.
#ifndef OCKAM_BENCH_REPORT_H_
#define OCKAM_BENCH_REPORT_H_

#include <cstddef>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ockam_bench::report {

// One repetition of one benchmark: its counters (items_per_second among
// them) and its wall-clock time per iteration.
struct Sample {
  std::map<std::string, double> counters;
  double ms_per_iteration = 0;
};

// Every repetition one side ran of one workload, or the first error one of
// them failed with.
struct Measured {
  std::vector<Sample> runs;  // in the order they ran
  std::string error;
  bool errored = false;
};

// One workload (e.g. "FanOut/100000") and what each side measured.
struct Workload {
  std::string key;
  std::optional<Measured> ockam;
  std::map<std::string, Measured> caf;  // scheduler ("" = CAF's default, "sharing") -> its runs
};

enum class Side { ockam, caf };
struct Identity {
  Side side;
  std::string key;      // "FanOut/100000"
  std::string variant;  // CAF only: "" or e.g. "sharing"
};
// Which side and workload a benchmark is, from its function name
// ("BM_CafFanOut_sharing") and its arguments ("100000", may be empty).
Identity identify(std::string_view function_name, std::string_view args);

// The runs of a whole report, grouped by workload in the order each first ran.
class Collection {
 public:
  void add(std::string_view function_name, std::string_view args, Sample sample);
  void add_error(std::string_view function_name, std::string_view args, std::string message);
  const std::vector<Workload>& workloads() const { return workloads_; }
  int errors() const { return errors_; }

 private:
  Measured& measured(std::string_view function_name, std::string_view args);
  std::vector<Workload> workloads_;
  int errors_ = 0;
};

// A figure a row shows: a counter, or (counter nullptr) the real time.
struct Figure {
  const char* counter;
  const char* label;  // with its unit
  bool higher_is_better;
  bool compared = true;  // false: context for the row above it, no ratio
};
inline constexpr Figure kItems{"items_per_second", "items/s", true};
inline constexpr Figure kRoundTrip{"ns_per_round_trip", "ns/round trip", false};
inline constexpr Figure kBytesPerWorker{"bytes_per_worker", "bytes/worker (RSS)", false};
inline constexpr Figure kBytesPerQueued{"bytes_per_queued_message", "bytes/queued message", false};
// What bytes_per_queued_message was divided by: how many were queued.
inline constexpr Figure kQueuedAtPeak{"queued_at_peak", "messages queued at the peak", true, false};
inline constexpr Figure kTime{nullptr, "ms/iteration", false};

// A figure over one side's repetitions. flips = max / min: how far apart its
// best and worst runs are, the same for a rate and a cost.
inline constexpr double kFlipLimit = 1.5;
struct Summary {
  double median = 0;
  double min = 0;
  double max = 0;
  std::size_t runs = 0;
  double flips() const { return min > 0 ? max / min : 0; }
  bool flipping() const { return runs > 1 && flips() > kFlipLimit; }
};
// nullopt: no run has the figure (or the side failed).
std::optional<Summary> summarise(const Measured& measured, const Figure& figure);

// The CAF scheduler with the better median for `figure` (higher for a rate,
// lower for a cost); nullopt if no CAF side has the figure or any CAF side
// failed (a failed scheduler may have been the better one).
struct BestCaf {
  std::string variant;  // "" = CAF's default
  Summary summary;
};
std::optional<BestCaf> best_caf(const Workload& workload, const Figure& figure);

// > 1: ockam_cpp better. `ockam` against `caf`, both the same figure.
double ratio(double ockam, double caf, const Figure& figure);
// ockam_cpp's median against the better CAF scheduler's; nullopt if either
// side is missing or failed, a median is not positive, or the figure is
// not one to compare.
std::optional<double> ratio_vs_best_caf(const Workload& workload, const Figure& figure);

// The figures a workload's rows show, the main one first (a round trip
// before a rate, then any memory figure and what it was divided by; the
// time if there is neither).
std::vector<Figure> figures_for(const Workload& workload);

// The three tables, markdown: ockam_cpp beside CAF (every workload with
// rows per side and figure), the flood workload's (BM_TcpFloodNoRead), and
// the cost of security (secured workloads beside their plain twins).
// A table with nothing to show prints nothing.
void print_table(std::ostream& out, std::vector<Workload> workloads);
// The main table again, one row per workload and figure (for a README):
// ockam_cpp's median, its range and flips, each CAF scheduler's median, the
// ratio against the better. Figures without a ratio (queued_at_peak) left out.
void print_summary(std::ostream& out, std::vector<Workload> workloads);
void print_flood(std::ostream& out, const std::vector<Workload>& workloads);
void print_costs(std::ostream& out, const std::vector<Workload>& workloads);
// Whether print_table has a row for it (not the flood, not a cost pair).
bool in_main_table(const Workload& workload);

// An SVG document: one horizontal bar per workload that has a CAF twin and
// a ratio (its main figure, ockam_cpp's median against the better CAF
// scheduler's), on a log scale centred on 1x, with lines at 1x and 2x, a
// whisker from ockam_cpp's worst run to its best, and the workload's name
// beside it. A workload whose ratio is missing (a side failed) gets its
// name and why, no bar. `subtitle`: the run's date and machine.
std::string svg_chart(const std::vector<Workload>& workloads, std::string_view subtitle);

}  // namespace ockam_bench::report

#endif  // OCKAM_BENCH_REPORT_H_
