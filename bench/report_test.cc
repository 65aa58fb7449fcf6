// bench/report.h on made-up runs: the arithmetic of the report's table
// (median, min, max, flips, the ratio against the better CAF scheduler) and
// the structure of its chart.
#include "bench/report.h"

#include <doctest/doctest.h>

#include <cmath>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace ockam_bench::report;

Sample with(const char* counter, double value) {
  Sample s;
  s.counters[counter] = value;
  s.ms_per_iteration = 1;
  return s;
}

void add_runs(Collection& c, const char* function, const char* args, const char* counter,
              std::initializer_list<double> values) {
  for (const double v : values) c.add(function, args, with(counter, v));
}

const Workload& find(const Collection& c, const std::string& key) {
  for (const Workload& w : c.workloads()) {
    if (w.key == key) return w;
  }
  FAIL("no workload " << key);
  throw 0;  // unreachable: FAIL throws
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// A markdown table's cells, trimmed, row by row.
std::vector<std::vector<std::string>> cells(const std::string& table) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> row;
    std::istringstream parts(line);
    std::string part;
    std::getline(parts, part, '|');  // before the first bar
    while (std::getline(parts, part, '|')) {
      const std::size_t first = part.find_first_not_of(' ');
      const std::size_t last = part.find_last_not_of(' ');
      row.push_back(first == std::string::npos ? "" : part.substr(first, last - first + 1));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The value of attribute `name` in the first element that holds `marker`.
double attribute(const std::string& svg, const std::string& marker, const std::string& name) {
  const std::size_t element = svg.find(marker);
  REQUIRE(element != std::string::npos);
  const std::size_t at = svg.find(" " + name + "=\"", element);
  REQUIRE(at != std::string::npos);
  return std::stod(svg.substr(at + name.size() + 3));
}

}  // namespace

TEST_CASE("a benchmark's name tells its side, its workload and CAF's scheduler") {
  const Identity sharing = identify("BM_CafFanOut_sharing", "100000");
  CHECK(sharing.side == Side::caf);
  CHECK(sharing.key == "FanOut/100000");
  CHECK(sharing.variant == "sharing");
  const Identity caf = identify("BM_CafPingPong", "");
  CHECK(caf.side == Side::caf);
  CHECK(caf.key == "PingPong");
  CHECK(caf.variant.empty());
  const Identity ockam = identify("BM_ForkJoin", "60");
  CHECK(ockam.side == Side::ockam);
  CHECK(ockam.key == "ForkJoin/60");
}

TEST_CASE("five runs summarise as their middle value, their extremes and max over min") {
  Collection c;
  add_runs(c, "BM_Big", "", "items_per_second", {5, 1, 3, 4, 2});
  const std::optional<Summary> s = summarise(*find(c, "Big").ockam, kItems);
  REQUIRE(s);
  CHECK(s->median == 3);
  CHECK(s->min == 1);
  CHECK(s->max == 5);
  CHECK(s->runs == 5);
  CHECK(s->flips() == 5);
  CHECK(s->flipping());
}

TEST_CASE("an even number of runs has the mean of its two middle values as median") {
  Collection c;
  add_runs(c, "BM_Ring", "100000", "items_per_second", {10, 40, 20, 30});
  const std::optional<Summary> s = summarise(*find(c, "Ring/100000").ockam, kItems);
  REQUIRE(s);
  CHECK(s->median == 25);
}

TEST_CASE("a workload flips only when its max is more than 1.5 times its min over several runs") {
  Collection c;
  add_runs(c, "BM_Steady", "", "items_per_second", {10, 12, 14.9});
  add_runs(c, "BM_Flipping", "", "items_per_second", {10, 15.1, 12});
  add_runs(c, "BM_Once", "", "items_per_second", {10});
  CHECK_FALSE(summarise(*find(c, "Steady").ockam, kItems)->flipping());
  CHECK(summarise(*find(c, "Flipping").ockam, kItems)->flipping());
  CHECK_FALSE(summarise(*find(c, "Once").ockam, kItems)->flipping());
}

TEST_CASE("a rate is compared with the CAF scheduler of the higher median") {
  Collection c;
  add_runs(c, "BM_FanOut", "100000", "items_per_second", {6, 4, 5});
  add_runs(c, "BM_CafFanOut", "100000", "items_per_second", {1, 1, 1});
  add_runs(c, "BM_CafFanOut_sharing", "100000", "items_per_second", {2, 2.5, 3});
  const Workload& w = find(c, "FanOut/100000");
  const std::optional<BestCaf> best = best_caf(w, kItems);
  REQUIRE(best);
  CHECK(best->variant == "sharing");
  CHECK(best->summary.median == 2.5);
  const std::optional<double> r = ratio_vs_best_caf(w, kItems);
  REQUIRE(r);
  CHECK(*r == doctest::Approx(2.0));
}

TEST_CASE("a cost is compared with the CAF scheduler of the lower median, inverted so that over 1 is better") {
  Collection c;
  add_runs(c, "BM_PingPong", "", "ns_per_round_trip", {100, 90, 110});
  add_runs(c, "BM_CafPingPong", "", "ns_per_round_trip", {400, 420, 380});
  add_runs(c, "BM_CafPingPong_sharing", "", "ns_per_round_trip", {800, 800, 800});
  const Workload& w = find(c, "PingPong");
  REQUIRE(figures_for(w).front().counter == kRoundTrip.counter);
  CHECK(best_caf(w, kRoundTrip)->variant.empty());
  CHECK(*ratio_vs_best_caf(w, kRoundTrip) == doctest::Approx(4.0));
}

TEST_CASE("the queue's depth at the memory peak has a row, and no ratio") {
  Collection c;
  for (const char* fn : {"BM_Counting", "BM_CafCounting"}) {
    Sample s = with("items_per_second", 1e6);
    s.counters["bytes_per_queued_message"] = std::string(fn) == "BM_Counting" ? 50 : 100;
    s.counters["queued_at_peak"] = 5e6;
    c.add(fn, "", s);
  }
  const Workload& w = find(c, "Counting");
  const std::vector<Figure> figures = figures_for(w);
  REQUIRE(figures.size() == 3);
  CHECK(figures[1].counter == kBytesPerQueued.counter);
  CHECK(*ratio_vs_best_caf(w, kBytesPerQueued) == doctest::Approx(2.0));
  CHECK(figures[2].counter == kQueuedAtPeak.counter);
  CHECK_FALSE(ratio_vs_best_caf(w, kQueuedAtPeak));
  std::ostringstream out;
  print_table(out, c.workloads());
  const std::vector<std::vector<std::string>> rows = cells(out.str());
  REQUIRE(rows.size() == 8);  // header, rule, two rows a figure
  CHECK(rows[6] == std::vector<std::string>{"Counting", "messages queued at the peak", "ockam_cpp", "1", "5.00 M", "5.00 M",
                                            "5.00 M", "-", ""});
}

TEST_CASE("a failed CAF scheduler leaves no ratio, counts as an error and shows in the table") {
  Collection c;
  add_runs(c, "BM_Big", "", "items_per_second", {5, 5, 5});
  add_runs(c, "BM_CafBig", "", "items_per_second", {1, 1, 1});
  c.add_error("BM_CafBig_sharing", "", "3 pongs missing after 10 min");
  CHECK(c.errors() == 1);
  const Workload& w = find(c, "Big");
  CHECK_FALSE(best_caf(w, kItems));
  CHECK_FALSE(ratio_vs_best_caf(w, kItems));
  std::ostringstream table;
  print_table(table, c.workloads());
  CHECK(table.str().find("ERROR: 3 pongs missing after 10 min") != std::string::npos);
}

TEST_CASE("the table has a row per side with its median, min, max and flips, the ratio on ockam_cpp's row") {
  Collection c;
  add_runs(c, "BM_ForkJoin", "60", "items_per_second", {2e6, 6e6, 2.1e6, 2.2e6, 2.3e6});
  add_runs(c, "BM_CafForkJoin", "60", "items_per_second", {1e6, 1e6, 1e6, 1e6, 1e6});
  add_runs(c, "BM_CafForkJoin_sharing", "60", "items_per_second", {0.5e6, 0.5e6, 0.5e6, 0.5e6, 0.5e6});
  std::ostringstream out;
  print_table(out, c.workloads());
  const std::string table = out.str();
  const std::vector<std::vector<std::string>> rows = cells(table);
  REQUIRE(rows.size() == 5);  // header, rule, three sides
  CHECK(rows[2] == std::vector<std::string>{"ForkJoin/60", "items/s", "ockam_cpp", "5", "2.20 M/s", "2.00 M/s",
                                            "6.00 M/s", "3.00 FLIPS", "2.20x"});  // against CAF's default
  CHECK(rows[3] == std::vector<std::string>{"", "", "CAF (better)", "5", "1.00 M/s", "1.00 M/s", "1.00 M/s", "1.00", ""});
  CHECK(rows[4] ==
        std::vector<std::string>{"", "", "CAF sharing", "5", "500.0 k/s", "500.0 k/s", "500.0 k/s", "1.00", ""});
}

TEST_CASE("the summary has one row per workload and figure, with each scheduler's median and the ratio") {
  Collection c;
  add_runs(c, "BM_Ring", "100000", "items_per_second", {20e6, 24e6, 22e6, 21e6, 23e6});
  add_runs(c, "BM_CafRing", "100000", "items_per_second", {10e6, 11e6, 12e6, 9e6, 8e6});
  add_runs(c, "BM_CafRing_sharing", "100000", "items_per_second", {5e6, 5e6, 5e6, 5e6, 5e6});
  add_runs(c, "BM_MailboxOneProducer", "", "items_per_second", {40e6});
  std::ostringstream out;
  print_summary(out, c.workloads());
  const std::vector<std::vector<std::string>> rows = cells(out.str());
  REQUIRE(rows.size() == 4);  // header, rule, Ring, the mailbox
  CHECK(rows[2] == std::vector<std::string>{"Ring/100000", "items/s", "22.00 M/s", "20.00 M/s - 24.00 M/s", "1.20",
                                            "10.00 M/s", "5.00 M/s", "2.20x"});
  CHECK(rows[3] == std::vector<std::string>{"MailboxOneProducer", "items/s", "40.00 M/s", "40.00 M/s - 40.00 M/s", "-",
                                            "-", "-", "-"});
}

TEST_CASE("the chart has one bar per workload with a ratio, and the 1x and 2x lines") {
  Collection c;
  add_runs(c, "BM_Twice", "", "items_per_second", {4, 4, 4});
  add_runs(c, "BM_CafTwice", "", "items_per_second", {2, 2, 2});
  add_runs(c, "BM_Half", "", "ns_per_round_trip", {200, 200, 200});
  add_runs(c, "BM_CafHalf", "", "ns_per_round_trip", {100, 100, 100});
  add_runs(c, "BM_Tenfold", "", "items_per_second", {10, 10, 10});
  add_runs(c, "BM_CafTenfold_sharing", "", "items_per_second", {1, 1, 1});
  add_runs(c, "BM_Failed", "", "items_per_second", {1});
  c.add_error("BM_CafFailed", "", "lost");
  add_runs(c, "BM_NoTwin", "", "items_per_second", {1, 1, 1});
  const std::string svg = svg_chart(c.workloads(), "a test <run> & more");

  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(count(svg, "<svg ") == 1);
  CHECK(count(svg, "</svg>") == 1);
  CHECK(count(svg, "class=\"bar\"") == 3);
  CHECK(count(svg, "class=\"line-1x\"") == 1);
  CHECK(count(svg, "class=\"line-2x\"") == 1);
  CHECK(count(svg, "class=\"missing\"") == 1);  // Failed: a name and why, no bar
  CHECK(svg.find("NoTwin") == std::string::npos);
  CHECK(svg.find("a test &lt;run&gt; &amp; more") != std::string::npos);

  // Twice's bar runs from the 1x line to the 2x line; Half's (0.5x) ends
  // at the 1x line, as far left of it as Twice's reaches right (log scale).
  const double one = attribute(svg, "class=\"line-1x\"", "x1");
  const double two = attribute(svg, "class=\"line-2x\"", "x1");
  CHECK(two > one);
  const std::string twice = "<title>Twice";
  const std::size_t twice_bar = svg.rfind("<rect", svg.find(twice));
  const double twice_x = attribute(svg.substr(twice_bar), "<rect", "x");
  const double twice_width = attribute(svg.substr(twice_bar), "<rect", "width");
  CHECK(twice_x == doctest::Approx(one).epsilon(0.01));
  CHECK(twice_x + twice_width == doctest::Approx(two).epsilon(0.01));
  const std::size_t half_bar = svg.rfind("<rect", svg.find("<title>Half"));
  const double half_x = attribute(svg.substr(half_bar), "<rect", "x");
  const double half_width = attribute(svg.substr(half_bar), "<rect", "width");
  CHECK(half_x + half_width == doctest::Approx(one).epsilon(0.01));
  CHECK(half_width == doctest::Approx(twice_width).epsilon(0.01));
}
