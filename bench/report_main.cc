// //bench:report: runs both suites (the node's BM_X workloads and CAF's
// BM_CafX twins, linked into this binary), shows Google Benchmark's usual
// console output, writes its JSON of the whole run to a file, and then prints
// ONE table that puts each ockam_cpp figure beside its CAF peer from the same
// run.
//
//   bazel run -c opt //bench:report
//   bazel run -c opt //bench:report -- --benchmark_filter=FanOut
//   bazel run -c opt //bench:report -- --out=/tmp/run.json
//
// JSON: --out=PATH, or Google Benchmark's own --benchmark_out=PATH
// (--benchmark_out_format=json|csv|console, json unless given). Default:
// bench_report.json in $BUILD_WORKSPACE_DIRECTORY (set by `bazel run`), else
// in the current directory.
//
// Pairing: BM_X/args (ockam_cpp) with BM_CafX/args (CAF). A CAF benchmark
// named BM_CafX_variant/args (e.g. BM_CafFanOut_sharing: CAF on another
// scheduler) is an extra row for the same workload. The TCP workloads pair
// the same way: BM_TcpRoundTrip with BM_CafTcpRoundTrip (ns/round trip),
// BM_TcpThroughput with BM_CafTcpThroughput (items/s). A side that did not
// run (filtered out, or not written yet) shows "-", and so does the ratio.
//
// BM_TcpFloodNoRead (a hostile peer floods node A and never reads; no CAF
// twin) is not in that table: its figures (peak RSS growth, the RTTs of A's
// other peer) have no peer to pair with, so it gets a small table of its own
// after the main one.
//
// Ratios: ockam/CAF for rates (items_per_second), CAF/ockam for costs
// (ns_per_round_trip, bytes_per_worker), so > 1 always means ockam_cpp did
// better. With repetitions, each figure is the median of the repetitions.
//
// Exit status: nonzero if any benchmark failed (SkipWithError); its cell
// shows "ERROR: <message>".
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// ------------------------------------------------------------ collection ---

enum class Side { ockam, caf };

struct Measured {
  std::vector<benchmark::BenchmarkReporter::Run> runs;  // iteration runs, in order
  std::string error;                                    // first error message, if any
  bool errored = false;
};

// One workload (e.g. "FanOut/100000") and what each side measured for it.
struct Workload {
  std::string key;
  std::optional<Measured> ockam;
  std::map<std::string, Measured> caf;  // variant ("" = CAF's default) -> runs
};

struct Identity {
  Side side;
  std::string key;      // "FanOut/100000"
  std::string variant;  // CAF only: "" or e.g. "sharing"
};

Identity identify(const benchmark::BenchmarkReporter::Run& run) {
  const std::string& fn = run.run_name.function_name;
  Identity id{Side::ockam, fn, ""};
  std::string base = fn;
  if (fn.rfind("BM_Caf", 0) == 0) {
    id.side = Side::caf;
    base = fn.substr(6);
    if (const auto us = base.find('_'); us != std::string::npos) {
      id.variant = base.substr(us + 1);
      base.resize(us);
    }
  } else if (fn.rfind("BM_", 0) == 0) {
    base = fn.substr(3);
  }
  id.key = run.run_name.args.empty() ? base : base + "/" + run.run_name.args;
  return id;
}

// A display reporter that shows what the default one shows (console, or
// whatever --benchmark_format asks for) and keeps every run for the table.
class TableReporter : public benchmark::BenchmarkReporter {
 public:
  explicit TableReporter(benchmark::BenchmarkReporter* display) : display_(display) {}

  bool ReportContext(const Context& context) override { return display_->ReportContext(context); }

  void ReportRuns(const std::vector<Run>& reports) override {
    display_->ReportRuns(reports);
    for (const Run& run : reports) {
      if (run.run_type != Run::RT_Iteration) continue;  // aggregates: recomputed below
      const Identity id = identify(run);
      Workload& w = workload(id.key);
      Measured& m = id.side == Side::ockam ? (w.ockam ? *w.ockam : w.ockam.emplace()) : w.caf[id.variant];
      if (run.error_occurred) {
        ++errors_;
        if (!m.errored) m.error = run.error_message;
        m.errored = true;
      } else {
        m.runs.push_back(run);
      }
    }
  }

  void Finalize() override { display_->Finalize(); }

  const std::vector<Workload>& workloads() const { return workloads_; }
  int errors() const { return errors_; }

 private:
  Workload& workload(const std::string& key) {
    for (Workload& w : workloads_) {
      if (w.key == key) return w;
    }
    workloads_.push_back(Workload{key, std::nullopt, {}});
    return workloads_.back();
  }

  benchmark::BenchmarkReporter* display_;  // owned by the library
  std::vector<Workload> workloads_;
  int errors_ = 0;
};

// ----------------------------------------------------------------- table ---

struct Figure {
  const char* counter;  // user counter name; nullptr: real time per iteration
  const char* label;    // what the row shows, with its unit
  bool higher_is_better;
};

constexpr Figure kItems{"items_per_second", "items/s", true};
constexpr Figure kRoundTrip{"ns_per_round_trip", "ns/round trip", false};
constexpr Figure kBytes{"bytes_per_worker", "bytes/worker (RSS)", false};
constexpr Figure kTime{nullptr, "ms/iteration", false};

std::optional<double> value_of(const benchmark::BenchmarkReporter::Run& run, const Figure& f) {
  if (f.counter == nullptr) {
    if (run.iterations <= 0) return std::nullopt;
    return run.real_accumulated_time * 1e3 / static_cast<double>(run.iterations);
  }
  const auto it = run.counters.find(f.counter);
  if (it == run.counters.end()) return std::nullopt;
  return it->second.value;
}

// Median over the repetitions (a single run: its value).
std::optional<double> median(const Measured& m, const Figure& f) {
  std::vector<double> values;
  for (const auto& run : m.runs) {
    if (auto v = value_of(run, f)) values.push_back(*v);
  }
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool has(const Measured& m, const Figure& f) { return median(m, f).has_value(); }

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string format(double v, const Figure& f) {
  if (f.counter != nullptr && std::strcmp(f.counter, "items_per_second") == 0) {
    if (v >= 1e12) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.3g /s", v);
      return buf;
    }
    if (v >= 1e9) return fixed(v / 1e9, 2) + " G/s";
    if (v >= 1e6) return fixed(v / 1e6, 2) + " M/s";
    if (v >= 1e3) return fixed(v / 1e3, 1) + " k/s";
    return fixed(v, 0) + " /s";
  }
  if (f.counter != nullptr && std::strcmp(f.counter, "ns_per_round_trip") == 0) {
    return fixed(v, v < 100 ? 1 : 0) + " ns";
  }
  if (f.counter != nullptr && std::strcmp(f.counter, "bytes_per_worker") == 0) return fixed(v, 0) + " B";
  return fixed(v, v < 10 ? 2 : 0) + " ms";
}

std::string cell(const std::optional<Measured>& m, const Figure& f) {
  if (!m) return "-";
  if (m->errored) return "ERROR: " + m->error;
  const auto v = median(*m, f);
  return v ? format(*v, f) : "-";
}

std::string ratio(const std::optional<Measured>& ockam, const std::optional<Measured>& caf, const Figure& f) {
  if (!ockam || !caf || ockam->errored || caf->errored) return "-";
  const auto o = median(*ockam, f);
  const auto c = median(*caf, f);
  if (!o || !c || *o <= 0 || *c <= 0) return "-";
  const double r = f.higher_is_better ? *o / *c : *c / *o;
  if (r < 0.1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2gx", r);
    return buf;
  }
  return fixed(r, r < 10 ? 2 : (r < 100 ? 1 : 0)) + "x";
}

// The figures a workload's rows show, most telling first.
std::vector<Figure> figures_for(const Workload& w) {
  std::vector<const Measured*> all;
  if (w.ockam) all.push_back(&*w.ockam);
  for (const auto& [variant, m] : w.caf) all.push_back(&m);
  auto any = [&](const Figure& f) {
    return std::any_of(all.begin(), all.end(), [&](const Measured* m) { return has(*m, f); });
  };
  std::vector<Figure> out;
  if (any(kRoundTrip)) {
    out.push_back(kRoundTrip);  // a latency workload: its rate is just 1/latency
  } else if (any(kItems)) {
    out.push_back(kItems);
  }
  if (any(kBytes)) out.push_back(kBytes);
  if (out.empty()) out.push_back(kTime);
  return out;
}

// Workloads with a section of their own instead of rows in the pairing table.
bool is_flood(const Workload& w) { return w.key.substr(0, w.key.find('/')) == "TcpFloodNoRead"; }

// The cost of security: each workload beside its plain twin on this node
// (no CAF twin; see bench/README.md).
struct CostPair {
  const char* secured;
  const char* plain;
  const char* what;
};
constexpr CostPair kCostPairs[] = {
    {"PingPongPolicy", "PingPong", "an incoming policy on both players"},
    {"SecureChannelRoundTrip/tcp:0", "PlainRoundTrip/tcp:0", "round trip through a channel, one node"},
    {"SecureChannelRoundTrip/tcp:1", "PlainRoundTrip/tcp:1", "round trip through a channel over TCP"},
    {"SecureChannelThroughput/tcp:0", "PlainThroughput/tcp:0", "one-way stream through a channel, one node"},
    {"SecureChannelThroughput/tcp:1", "PlainThroughput/tcp:1", "one-way stream through a channel over TCP"},
};
bool is_cost(const Workload& w) {
  return std::any_of(std::begin(kCostPairs), std::end(kCostPairs), [&](const CostPair& p) {
    return w.key == p.secured || (w.key == p.plain && w.key != "PingPong");
  });
}

int order_of(const std::string& key) {
  static const char* const kOrder[] = {"SpawnIdle", "FanOut", "FanOutFromWorker", "Ring",
                                       "PingPong",  "TcpRoundTrip", "TcpThroughput"};
  const std::string base = key.substr(0, key.find('/'));
  for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i) {
    if (base == kOrder[i]) return i;
  }
  return static_cast<int>(std::size(kOrder));
}

// Markdown: the header row, its rule (columns from `first_right` on are
// right-aligned), the other rows.
void print_rows(std::ostream& out, const std::vector<std::vector<std::string>>& rows, std::size_t first_right) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    out << "|";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool right = i >= first_right;
      const std::string pad(width[i] - row[i].size(), ' ');
      out << " " << (right ? pad + row[i] : row[i] + pad) << " |";
    }
    out << "\n";
  };
  print_row(rows.front());
  out << "|";
  for (std::size_t i = 0; i < width.size(); ++i) {
    out << (i >= first_right ? std::string(width[i] + 1, '-') + ":|" : std::string(width[i] + 2, '-') + "|");
  }
  out << "\n";
  for (std::size_t r = 1; r < rows.size(); ++r) print_row(rows[r]);
}

void print_table(std::ostream& out, std::vector<Workload> workloads) {
  std::stable_sort(workloads.begin(), workloads.end(),
                   [](const Workload& a, const Workload& b) { return order_of(a.key) < order_of(b.key); });
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"workload", "figure", "ockam_cpp", "CAF", "ratio (>1: ockam_cpp better)"});
  for (const Workload& w : workloads) {
    if (is_flood(w) || is_cost(w)) continue;  // print_flood(), print_costs()
    std::vector<std::pair<std::string, std::optional<Measured>>> cafs;  // variant label -> runs
    if (const auto it = w.caf.find(""); it != w.caf.end()) cafs.emplace_back("", it->second);
    for (const auto& [variant, m] : w.caf) {
      if (!variant.empty()) cafs.emplace_back(variant, m);
    }
    if (cafs.empty()) cafs.emplace_back("", std::nullopt);
    for (const Figure& f : figures_for(w)) {
      for (const auto& [variant, caf] : cafs) {
        // The bytes row only for CAF's default (the variants differ in scheduling).
        if (!variant.empty() && f.counter == kBytes.counter) continue;
        std::string name = w.key;
        if (!variant.empty()) name += " (CAF " + variant + ")";
        rows.push_back({name, f.label, cell(w.ockam, f), cell(caf, f), ratio(w.ockam, caf, f)});
      }
    }
  }
  print_rows(out, rows, 2);  // figures and ratios right-aligned
}

// BM_TcpFloodNoRead's counters (bench/ockam_tcp_workloads.cc), medians over
// its repetitions; nothing if it did not run.
void print_flood(std::ostream& out, const std::vector<Workload>& workloads) {
  struct Column {
    Figure figure;  // its label heads the column
    const char* unit;
    int decimals;
  };
  static const Column kColumns[] = {
      {{"peak_rss_growth_MiB", "peak RSS growth", false}, " MiB", 1},
      {{"rtt_p50_ms", "B's RTT p50", false}, " ms", 2},
      {{"rtt_p99_ms", "p99", false}, " ms", 2},
      {{"rtt_max_ms", "max", false}, " ms", 2},
      {{"round_trips", "round trips", true}, "", 0},
      {{"lost_round_trips", "lost", false}, "", 0},
      {{"flood_frames_written", "flood frames written", true}, "", 0},
  };
  std::vector<std::vector<std::string>> rows;
  rows.emplace_back(1, "workload");
  for (const Column& c : kColumns) rows.front().emplace_back(c.figure.label);
  for (const Workload& w : workloads) {
    if (!is_flood(w) || !w.ockam) continue;
    std::vector<std::string> row{w.key};
    if (w.ockam->errored) {
      row.push_back("ERROR: " + w.ockam->error);
    } else {
      for (const Column& c : kColumns) {
        const auto v = median(*w.ockam, c.figure);
        row.push_back(v ? fixed(*v, c.decimals) + c.unit : "-");
      }
    }
    row.resize(rows.front().size());  // an ERROR row: the other cells empty
    rows.push_back(std::move(row));
  }
  if (rows.size() == 1) return;
  out << "\nnode A flooded by a peer that never reads, and node B's round trips to A meanwhile\n"
         "(no CAF twin, see bench/README.md; figures are medians over repetitions):\n\n";
  print_rows(out, rows, 1);
}

// Each secured workload beside its plain twin, from the same run: the
// plain figure, the secured one, and how many times slower it is.
void print_costs(std::ostream& out, const std::vector<Workload>& workloads) {
  auto find = [&](const char* key) -> const Workload* {
    for (const Workload& w : workloads) {
      if (w.key == key && w.ockam) return &w;
    }
    return nullptr;
  };
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"what", "figure", "plain", "secured", "cost (x slower)"});
  for (const CostPair& p : kCostPairs) {
    const Workload* secured = find(p.secured);
    const Workload* plain = find(p.plain);
    if (secured == nullptr || plain == nullptr) continue;
    for (const Figure& f : figures_for(*secured)) {
      // ratio() says how much better its first side is: plain over secured.
      rows.push_back({std::string(p.what) + " (" + p.secured + ")", f.label, cell(plain->ockam, f),
                      cell(secured->ockam, f), ratio(plain->ockam, secured->ockam, f)});
    }
  }
  if (rows.size() == 1) return;
  out << "\nthe cost of security, each beside its plain twin in this run (no CAF twin):\n\n";
  print_rows(out, rows, 2);
}

// ------------------------------------------------------------------ main ---

void print_help() {
  std::printf(
      "report: runs the ockam_cpp and CAF benchmark suites and prints one table.\n"
      "  --out=PATH   write Google Benchmark's JSON of the run to PATH\n"
      "               (default: bench_report.json in $BUILD_WORKSPACE_DIRECTORY or .)\n\n");
  benchmark::PrintDefaultHelp();
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

int main(int argc, char** argv) {
  // Translate --out=PATH into Google Benchmark's --benchmark_out, and make
  // JSON to the default path the default.
  std::vector<std::string> args;
  bool has_out = false, has_format = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i > 0 && starts_with(a, "--out=")) a = "--benchmark_out=" + a.substr(6);
    if (starts_with(a, "--benchmark_out=")) has_out = true;
    if (starts_with(a, "--benchmark_out_format=")) has_format = true;
    args.push_back(std::move(a));
  }
  if (!has_out) {
    const char* dir = std::getenv("BUILD_WORKSPACE_DIRECTORY");
    args.push_back(std::string("--benchmark_out=") + (dir != nullptr && *dir != '\0' ? std::string(dir) + "/" : "") +
                   "bench_report.json");
  }
  if (!has_format) args.push_back("--benchmark_out_format=json");
  std::string out_path;
  for (const std::string& a : args) {
    if (starts_with(a, "--benchmark_out=")) out_path = a.substr(16);
  }
  std::vector<char*> cargv;
  for (std::string& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int cargc = static_cast<int>(args.size());

  benchmark::Initialize(&cargc, cargv.data(), print_help);
  if (benchmark::ReportUnrecognizedArguments(cargc, cargv.data())) return 1;

  TableReporter reporter(benchmark::CreateDefaultDisplayReporter());
  const std::size_t matched = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  if (matched == 0) {
    std::cerr << "report: no benchmark matched --benchmark_filter=" << benchmark::GetBenchmarkFilter() << "\n";
    return 1;
  }
  if (reporter.workloads().empty()) return 0;  // e.g. --benchmark_list_tests

  const auto& workloads = reporter.workloads();
  if (std::any_of(workloads.begin(), workloads.end(), [](const Workload& w) { return !is_flood(w) && !is_cost(w); })) {
    std::cout << "\nockam_cpp vs CAF (same run; figures are medians over repetitions):\n\n";
    print_table(std::cout, workloads);
  }
  print_flood(std::cout, workloads);
  print_costs(std::cout, workloads);
  std::cout << "\nJSON of the whole run: " << out_path << "\n";
  if (reporter.errors() > 0) {
    std::cout << reporter.errors() << " benchmark run(s) FAILED (ERROR rows above)\n";
    return 1;
  }
  return 0;
}
