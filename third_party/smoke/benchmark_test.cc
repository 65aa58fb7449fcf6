// //third_party:benchmark: a benchmark registered at run time really runs,
// and a custom reporter sees its result.
#include <doctest/doctest.h>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

void BM_Sum(benchmark::State& state) {
  long s = 0;
  for (auto _ : state) {
    for (long i = 0; i < state.range(0); ++i) benchmark::DoNotOptimize(s += i);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

class CountingReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      names.push_back(r.benchmark_name());
      if (r.iterations > 0) ++ran;
    }
  }
  std::vector<std::string> names;
  int ran = 0;
};

}  // namespace

TEST_CASE("RegisterBenchmark + RunSpecifiedBenchmarks") {
  benchmark::RegisterBenchmark("BM_Sum", BM_Sum)->Arg(64)->Arg(1024);
  char arg0[] = "benchmark_test";
  char arg1[] = "--benchmark_min_time=0.001";
  char* argv[] = {arg0, arg1, nullptr};
  int argc = 2;
  benchmark::Initialize(&argc, argv);
  CountingReporter reporter;
  std::size_t n = benchmark::RunSpecifiedBenchmarks(&reporter);
  CHECK(n == 2);
  CHECK(reporter.ran == 2);
  REQUIRE(reporter.names.size() == 2);
  CHECK(reporter.names[0] == "BM_Sum/64");
  CHECK(reporter.names[1] == "BM_Sum/1024");
  benchmark::Shutdown();
}
