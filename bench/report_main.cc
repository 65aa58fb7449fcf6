// //bench:report: runs both suites (the node's BM_X workloads and CAF's
// BM_CafX twins, linked into this binary), shows Google Benchmark's usual
// console output, writes its JSON of the whole run to a file, then prints
// ONE table that puts each ockam_cpp figure beside its CAF peers from the
// same run, and writes a chart of the ratios (SVG). The pairing, the
// arithmetic and the rendering are bench/report.h's.
//
//   bazel run -c opt //bench:report
//   bazel run -c opt //bench:report -- --benchmark_filter=FanOut
//   bazel run -c opt //bench:report -- --out=/tmp/run.json --svg=/tmp/run.svg
//
// JSON: --out=PATH, or Google Benchmark's own --benchmark_out=PATH
// (--benchmark_out_format=json|csv|console, json unless given). Default:
// bench_report.json in $BUILD_WORKSPACE_DIRECTORY (set by `bazel run`), else
// in the current directory. Chart: --svg=PATH, else bench_report.svg in the
// JSON's directory.
//
// Every traffic workload runs 5 times (Repetitions(5)); the table shows each
// side's median, minimum and maximum over its runs, flips (max/min, FLIPS
// past 1.5), and ockam_cpp's median against the better CAF scheduler's.
// BM_TcpFloodNoRead (no CAF twin) and the secured workloads get tables of
// their own after the main one.
//
// Exit status: nonzero if any benchmark failed (SkipWithError; its cell
// shows "ERROR: <message>") or the chart could not be written.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bench/report.h"

namespace {

using ockam_bench::report::Collection;
using ockam_bench::report::Sample;

// A display reporter that shows what the default one shows (console, or
// whatever --benchmark_format asks for) and keeps every repetition for the
// tables and the chart.
class TableReporter : public benchmark::BenchmarkReporter {
 public:
  explicit TableReporter(benchmark::BenchmarkReporter* display) : display_(display) {}

  bool ReportContext(const Context& context) override { return display_->ReportContext(context); }

  void ReportRuns(const std::vector<Run>& reports) override {
    display_->ReportRuns(reports);
    for (const Run& run : reports) {
      if (run.run_type != Run::RT_Iteration) continue;  // aggregates: recomputed by the report
      const std::string& fn = run.run_name.function_name;
      const std::string& args = run.run_name.args;
      if (run.error_occurred) {
        collection_.add_error(fn, args, run.error_message);
        continue;
      }
      Sample sample;
      for (const auto& [name, counter] : run.counters) sample.counters[name] = counter.value;
      if (run.iterations > 0) sample.ms_per_iteration = run.real_accumulated_time * 1e3 / static_cast<double>(run.iterations);
      collection_.add(fn, args, std::move(sample));
    }
  }

  void Finalize() override { display_->Finalize(); }

  const Collection& collection() const { return collection_; }

 private:
  benchmark::BenchmarkReporter* display_;  // owned by the library
  Collection collection_;
};

// ------------------------------------------------------------------ main ---

void print_help() {
  std::printf(
      "report: runs the ockam_cpp and CAF benchmark suites and prints one table.\n"
      "  --out=PATH   write Google Benchmark's JSON of the run to PATH\n"
      "               (default: bench_report.json in $BUILD_WORKSPACE_DIRECTORY or .)\n"
      "  --svg=PATH   write the chart there (default: bench_report.svg beside the JSON)\n\n");
  benchmark::PrintDefaultHelp();
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "2026-12-01 14:05 UTC, 2 CPUs, load average 1.20 0.80 0.50" at the start.
std::string machine_and_date(int cpus) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &utc);
  std::string load;
  std::ifstream loadavg("/proc/loadavg");
  std::string one, five, fifteen;
  if (loadavg >> one >> five >> fifteen) load = ", load average " + one + " " + five + " " + fifteen;
  return std::string(date) + ", " + std::to_string(cpus) + " CPUs" + load;
}

}  // namespace

int main(int argc, char** argv) {
  // Translate --out=PATH into Google Benchmark's --benchmark_out, make JSON
  // to the default path the default, and take --svg=PATH out.
  std::vector<std::string> args;
  bool has_out = false, has_format = false;
  std::string svg_path;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i > 0 && starts_with(a, "--svg=")) {
      svg_path = a.substr(6);
      continue;
    }
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
  if (svg_path.empty()) {
    const std::size_t slash = out_path.rfind('/');
    svg_path = (slash == std::string::npos ? std::string() : out_path.substr(0, slash + 1)) + "bench_report.svg";
  }
  std::vector<char*> cargv;
  for (std::string& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int cargc = static_cast<int>(args.size());

  benchmark::Initialize(&cargc, cargv.data(), print_help);
  if (benchmark::ReportUnrecognizedArguments(cargc, cargv.data())) return 1;

  TableReporter reporter(benchmark::CreateDefaultDisplayReporter());
  const std::string started = machine_and_date(static_cast<int>(std::thread::hardware_concurrency()));
  const auto run_start = std::chrono::steady_clock::now();
  const std::size_t matched = benchmark::RunSpecifiedBenchmarks(&reporter);
  const double run_minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count() / 60;
  benchmark::Shutdown();

  if (matched == 0) {
    std::cerr << "report: no benchmark matched --benchmark_filter=" << benchmark::GetBenchmarkFilter() << "\n";
    return 1;
  }
  const auto& workloads = reporter.collection().workloads();
  if (workloads.empty()) return 0;  // e.g. --benchmark_list_tests

  namespace report = ockam_bench::report;
  std::cout << "\nockam_cpp vs CAF, same run (started " << started
            << "): each side's median, min and max over its runs, flips = max/min (FLIPS: over "
            << report::kFlipLimit << "), the ratio against the better CAF scheduler's median:\n\n";
  report::print_table(std::cout, workloads);
  std::cout << "\nthe same, one row per workload (medians; ockam_cpp's range over its runs):\n\n";
  report::print_summary(std::cout, workloads);
  report::print_flood(std::cout, workloads);
  report::print_costs(std::cout, workloads);
  std::printf("\nthe run took %.1f min\n", run_minutes);
  std::cout << "JSON of the whole run: " << out_path << "\n";
  {
    std::ofstream svg(svg_path);
    svg << report::svg_chart(workloads, "run started " + started);
    svg.close();
    if (!svg) {
      std::cerr << "report: could not write the chart to " << svg_path << "\n";
      return 1;
    }
    std::cout << "chart of the ratios: " << svg_path << "\n";
  }
  if (reporter.collection().errors() > 0) {
    std::cout << reporter.collection().errors() << " benchmark run(s) FAILED (ERROR rows above)\n";
    return 1;
  }
  return 0;
}
