#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <sstream>
#include <utility>

namespace ockam_bench::report {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::optional<double> value_of(const Sample& sample, const Figure& f) {
  if (f.counter == nullptr) return sample.ms_per_iteration;
  const auto it = sample.counters.find(f.counter);
  if (it == sample.counters.end()) return std::nullopt;
  return it->second;
}

bool has(const Measured& m, const Figure& f) { return summarise(m, f).has_value(); }

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

bool is(const Figure& f, const Figure& g) {
  return f.counter == g.counter || (f.counter != nullptr && g.counter != nullptr && std::strcmp(f.counter, g.counter) == 0);
}

std::string format(double v, const Figure& f) {
  if (is(f, kItems)) {
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
  if (is(f, kRoundTrip)) return fixed(v, v < 100 ? 1 : 0) + " ns";
  if (is(f, kBytesPerWorker) || is(f, kBytesPerQueued)) return fixed(v, 0) + " B";
  if (is(f, kQueuedAtPeak)) return v >= 1e6 ? fixed(v / 1e6, 2) + " M" : (v >= 1e3 ? fixed(v / 1e3, 1) + " k" : fixed(v, 0));
  return fixed(v, v < 10 ? 2 : 0) + " ms";
}

std::string format_ratio(double r) {
  if (r < 0.1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2gx", r);
    return buf;
  }
  return fixed(r, r < 10 ? 2 : (r < 100 ? 1 : 0)) + "x";
}

std::string caf_label(const std::string& variant) { return variant.empty() ? "CAF" : "CAF " + variant; }

// Workloads with a table of their own instead of rows in the pairing table.
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

// The table's and the chart's order: BENCHMARKS.md's, then the rest as run.
int order_of(const std::string& key) {
  static const char* const kOrder[] = {"SpawnIdle",  "FanOut",   "FanOutFromWorker",   "Ring",
                                       "PingPong",   "Skynet",   "Big",                "Counting",
                                       "CountingFromWorker",     "ForkJoin",           "Chameneos",
                                       "RequestReply",           "TcpRoundTrip",       "TcpThroughput"};
  const std::string base = key.substr(0, key.find('/'));
  for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i) {
    if (base == kOrder[i]) return i;
  }
  return static_cast<int>(std::size(kOrder));
}

std::vector<Workload> in_order(std::vector<Workload> workloads) {
  std::stable_sort(workloads.begin(), workloads.end(),
                   [](const Workload& a, const Workload& b) { return order_of(a.key) < order_of(b.key); });
  return workloads;
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

std::string xml_escaped(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

Identity identify(std::string_view fn, std::string_view args) {
  Identity id{Side::ockam, std::string(fn), ""};
  std::string base(fn);
  if (starts_with(fn, "BM_Caf")) {
    id.side = Side::caf;
    base = fn.substr(6);
    if (const auto us = base.find('_'); us != std::string::npos) {
      id.variant = base.substr(us + 1);
      base.resize(us);
    }
  } else if (starts_with(fn, "BM_")) {
    base = fn.substr(3);
  }
  id.key = args.empty() ? base : base + "/" + std::string(args);
  return id;
}

Measured& Collection::measured(std::string_view fn, std::string_view args) {
  const Identity id = identify(fn, args);
  auto it = std::find_if(workloads_.begin(), workloads_.end(), [&](const Workload& w) { return w.key == id.key; });
  if (it == workloads_.end()) {
    workloads_.push_back(Workload{id.key, std::nullopt, {}});
    it = std::prev(workloads_.end());
  }
  if (id.side == Side::caf) return it->caf[id.variant];
  return it->ockam ? *it->ockam : it->ockam.emplace();
}

void Collection::add(std::string_view fn, std::string_view args, Sample sample) {
  measured(fn, args).runs.push_back(std::move(sample));
}

void Collection::add_error(std::string_view fn, std::string_view args, std::string message) {
  ++errors_;
  Measured& m = measured(fn, args);
  if (!m.errored) m.error = std::move(message);
  m.errored = true;
}

std::optional<Summary> summarise(const Measured& m, const Figure& f) {
  if (m.errored) return std::nullopt;
  std::vector<double> values;
  for (const Sample& s : m.runs) {
    if (auto v = value_of(s, f)) values.push_back(*v);
  }
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  Summary s;
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  s.min = values.front();
  s.max = values.back();
  s.runs = n;
  return s;
}

std::optional<BestCaf> best_caf(const Workload& w, const Figure& f) {
  std::optional<BestCaf> best;
  for (const auto& [variant, m] : w.caf) {
    if (m.errored) return std::nullopt;
    const std::optional<Summary> s = summarise(m, f);
    if (!s) continue;
    const bool better = !best || (f.higher_is_better ? s->median > best->summary.median
                                                     : s->median < best->summary.median);
    if (better) best = BestCaf{variant, *s};
  }
  return best;
}

double ratio(double ockam, double caf, const Figure& f) { return f.higher_is_better ? ockam / caf : caf / ockam; }

std::optional<double> ratio_vs_best_caf(const Workload& w, const Figure& f) {
  if (!w.ockam || !f.compared) return std::nullopt;
  const std::optional<Summary> o = summarise(*w.ockam, f);
  const std::optional<BestCaf> c = best_caf(w, f);
  if (!o || !c || o->median <= 0 || c->summary.median <= 0) return std::nullopt;
  return ratio(o->median, c->summary.median, f);
}

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
  if (any(kBytesPerWorker)) out.push_back(kBytesPerWorker);
  if (any(kBytesPerQueued)) out.push_back(kBytesPerQueued);
  if (any(kQueuedAtPeak)) out.push_back(kQueuedAtPeak);
  if (out.empty()) out.push_back(kTime);
  return out;
}

bool in_main_table(const Workload& w) { return !is_flood(w) && !is_cost(w); }

void print_table(std::ostream& out, std::vector<Workload> workloads) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"workload", "figure", "runtime", "runs", "median", "min", "max", "flips (max/min)",
                  "ratio vs CAF's better (>1: ockam_cpp better)"});
  for (const Workload& w : in_order(std::move(workloads))) {
    if (!in_main_table(w)) continue;  // print_flood(), print_costs()
    std::vector<std::pair<std::string, const Measured*>> sides;  // label -> runs (nullptr: did not run)
    sides.emplace_back("ockam_cpp", w.ockam ? &*w.ockam : nullptr);
    if (const auto it = w.caf.find(""); it != w.caf.end()) sides.emplace_back("", &it->second);
    for (const auto& [variant, m] : w.caf) {
      if (!variant.empty()) sides.emplace_back(variant, &m);
    }
    for (const Figure& f : figures_for(w)) {
      const std::optional<BestCaf> best = best_caf(w, f);
      std::size_t cafs_with_figure = 0;
      for (const auto& [variant, m] : w.caf) cafs_with_figure += has(m, f) ? 1 : 0;
      bool first = true;
      for (std::size_t i = 0; i < sides.size(); ++i) {
        const auto& [variant, m] = sides[i];
        const bool ockam = i == 0;
        if (!ockam && !m->errored && !has(*m, f)) continue;  // e.g. a counter only one scheduler reports
        std::string runtime = ockam ? variant : caf_label(variant);
        if (!ockam && f.compared && best && best->variant == variant && cafs_with_figure > 1) runtime += " (better)";
        std::vector<std::string> row{first ? w.key : "", first ? f.label : "", runtime};
        first = false;
        if (m == nullptr) {
          row.insert(row.end(), {"", "-", "", "", "", "-"});
        } else if (m->errored) {
          row.insert(row.end(), {"", "ERROR: " + m->error, "", "", "", ""});
        } else if (const std::optional<Summary> s = summarise(*m, f)) {
          row.push_back(std::to_string(s->runs));
          row.push_back(format(s->median, f));
          row.push_back(format(s->min, f));
          row.push_back(format(s->max, f));
          row.push_back(s->runs < 2 ? "-" : fixed(s->flips(), 2) + (s->flipping() ? " FLIPS" : ""));
          std::string r;
          if (ockam && f.compared) {
            const std::optional<double> vs = ratio_vs_best_caf(w, f);
            r = vs ? format_ratio(*vs) : "-";
          }
          row.push_back(r);
        } else {
          row.insert(row.end(), {"", "-", "", "", "", ockam ? "-" : ""});
        }
        rows.push_back(std::move(row));
      }
    }
  }
  if (rows.size() == 1) return;
  print_rows(out, rows, 3);  // counts, figures and ratios right-aligned
}

void print_summary(std::ostream& out, std::vector<Workload> workloads) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"workload", "figure", "ockam_cpp", "its min - max", "flips", "CAF", "CAF sharing",
                  "vs CAF's better"});
  auto median_of = [](const Measured* m, const Figure& f) -> std::string {
    if (m == nullptr) return "-";
    if (m->errored) return "ERROR";
    const auto s = summarise(*m, f);
    return s ? format(s->median, f) : "-";
  };
  for (const Workload& w : in_order(std::move(workloads))) {
    if (!in_main_table(w)) continue;
    const auto caf = w.caf.find("");
    const auto sharing = w.caf.find("sharing");
    for (const Figure& f : figures_for(w)) {
      if (!f.compared) continue;
      std::vector<std::string> row{w.key, f.label, median_of(w.ockam ? &*w.ockam : nullptr, f), "", ""};
      if (w.ockam && !w.ockam->errored) {
        if (const auto s = summarise(*w.ockam, f)) {
          row[3] = format(s->min, f) + " - " + format(s->max, f);
          row[4] = s->runs < 2 ? "-" : fixed(s->flips(), 2) + (s->flipping() ? " FLIPS" : "");
        }
      }
      row.push_back(median_of(caf == w.caf.end() ? nullptr : &caf->second, f));
      row.push_back(median_of(sharing == w.caf.end() ? nullptr : &sharing->second, f));
      const std::optional<double> r = ratio_vs_best_caf(w, f);
      row.push_back(r ? format_ratio(*r) : "-");
      rows.push_back(std::move(row));
    }
  }
  if (rows.size() == 1) return;
  print_rows(out, rows, 2);
}

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
        const auto s = summarise(*w.ockam, c.figure);
        row.push_back(s ? fixed(s->median, c.decimals) + c.unit : "-");
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

void print_costs(std::ostream& out, const std::vector<Workload>& workloads) {
  auto find = [&](const char* key) -> const Workload* {
    for (const Workload& w : workloads) {
      if (w.key == key && w.ockam) return &w;
    }
    return nullptr;
  };
  auto cell = [](const Measured& m, const Figure& f) -> std::string {
    if (m.errored) return "ERROR: " + m.error;
    const auto s = summarise(m, f);
    return s ? format(s->median, f) : "-";
  };
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"what", "figure", "plain", "secured", "cost (x slower)"});
  for (const CostPair& p : kCostPairs) {
    const Workload* secured = find(p.secured);
    const Workload* plain = find(p.plain);
    if (secured == nullptr || plain == nullptr) continue;
    for (const Figure& f : figures_for(*secured)) {
      const auto s = summarise(*secured->ockam, f);
      const auto q = summarise(*plain->ockam, f);
      // ratio() says how much better its first side is: plain over secured.
      const std::string cost = s && q && s->median > 0 && q->median > 0 ? format_ratio(ratio(q->median, s->median, f)) : "-";
      rows.push_back({std::string(p.what) + " (" + p.secured + ")", f.label, cell(*plain->ockam, f),
                      cell(*secured->ockam, f), cost});
    }
  }
  if (rows.size() == 1) return;
  out << "\nthe cost of security, each beside its plain twin in this run (no CAF twin; medians):\n\n";
  print_rows(out, rows, 2);
}

std::string svg_chart(const std::vector<Workload>& workloads, std::string_view subtitle) {
  struct Bar {
    std::string name;           // "FanOut/100000 (items/s)"
    std::optional<double> mid;  // ockam_cpp's median against CAF's better median
    double worst = 0, best = 0;  // ockam_cpp's worst and best run against the same
    bool flipping = false;
    std::string why;  // no ratio: what is missing
  };
  std::vector<Bar> bars;
  for (const Workload& w : in_order(workloads)) {
    if (!in_main_table(w) || w.caf.empty()) continue;  // no twin: nothing to compare with
    const Figure f = figures_for(w).front();
    Bar bar{w.key + " (" + f.label + ")", std::nullopt, 0, 0, false, ""};
    if (const std::optional<double> r = ratio_vs_best_caf(w, f)) {
      const Summary o = *summarise(*w.ockam, f);
      const double c = best_caf(w, f)->summary.median;
      bar.mid = r;
      bar.worst = ratio(f.higher_is_better ? o.min : o.max, c, f);
      bar.best = ratio(f.higher_is_better ? o.max : o.min, c, f);
      bar.flipping = o.flipping();
    } else if (!w.ockam) {
      bar.why = "ockam_cpp did not run";
    } else if (w.ockam->errored) {
      bar.why = "ockam_cpp ERROR";
    } else {
      bar.why = "CAF ERROR or missing";
    }
    bars.push_back(std::move(bar));
  }

  // A log scale that always holds 0.5x to 4x, and every bar and whisker.
  double lo = 0.5, hi = 4;
  for (const Bar& b : bars) {
    if (!b.mid) continue;
    lo = std::min({lo, b.worst, *b.mid} );
    hi = std::max({hi, b.best, *b.mid});
  }
  lo /= 1.25;
  hi *= 1.6;  // room for the value labels right of the longest bar
  constexpr double kLeft = 330, kPlotWidth = 560, kTop = 78, kRow = 24, kBarHeight = 14;
  const double width = kLeft + kPlotWidth + 30;
  const double plot_bottom = kTop + kRow * static_cast<double>(bars.size());
  const double height = plot_bottom + 46;
  auto x = [&](double r) { return kLeft + (std::log(r) - std::log(lo)) / (std::log(hi) - std::log(lo)) * kPlotWidth; };

  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << fixed(width, 0) << "\" height=\"" << fixed(height, 0)
      << "\" viewBox=\"0 0 " << fixed(width, 0) << " " << fixed(height, 0) << "\" font-family=\"sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">ockam_cpp against the better of CAF's two "
         "schedulers, median against median (&gt; 1x: ockam_cpp better)</text>\n"
      << "<text x=\"10\" y=\"42\" font-size=\"12\" fill=\"#555\">" << xml_escaped(subtitle)
      << "; log scale; whisker: ockam_cpp's worst to best run</text>\n";
  // Grid and ticks.
  static constexpr double kTicks[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
  for (const double t : kTicks) {
    if (t < lo || t > hi) continue;
    const std::string tx = fixed(x(t), 1);
    svg << "<line class=\"grid\" x1=\"" << tx << "\" y1=\"" << fixed(kTop - 6, 0) << "\" x2=\"" << tx << "\" y2=\""
        << fixed(plot_bottom, 0) << "\" stroke=\"#ddd\"/>\n"
        << "<text x=\"" << tx << "\" y=\"" << fixed(plot_bottom + 16, 0) << "\" font-size=\"11\" text-anchor=\"middle\">"
        << (t < 1 ? fixed(t, t < 0.1 ? 2 : 1) : fixed(t, 0)) << "x</text>\n";
  }
  // One row per workload.
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double mid_y = y + kBarHeight / 2;
    svg << "<text x=\"" << fixed(kLeft - 8, 0) << "\" y=\"" << fixed(mid_y + 4, 1)
        << "\" font-size=\"12\" text-anchor=\"end\">" << xml_escaped(b.name) << "</text>\n";
    if (!b.mid) {
      svg << "<text class=\"missing\" x=\"" << fixed(x(1) + 6, 1) << "\" y=\"" << fixed(mid_y + 4, 1)
          << "\" font-size=\"12\" fill=\"#c62828\">no ratio: " << xml_escaped(b.why) << "</text>\n";
      continue;
    }
    const double r = *b.mid;
    const char* colour = r >= 2 ? "#2e7d32" : (r >= 1 ? "#f9a825" : "#c62828");
    const double x0 = std::min(x(1), x(r)), x1 = std::max(x(1), x(r));
    svg << "<rect class=\"bar\" x=\"" << fixed(x0, 1) << "\" y=\"" << fixed(y, 1) << "\" width=\""
        << fixed(std::max(x1 - x0, 1.0), 1) << "\" height=\"" << fixed(kBarHeight, 0) << "\" fill=\"" << colour
        << "\"><title>" << xml_escaped(b.name) << ": " << format_ratio(r) << "</title></rect>\n";
    svg << "<line class=\"whisker\" x1=\"" << fixed(x(b.worst), 1) << "\" y1=\"" << fixed(mid_y, 1) << "\" x2=\""
        << fixed(x(b.best), 1) << "\" y2=\"" << fixed(mid_y, 1) << "\" stroke=\"#333\" stroke-width=\"1.5\"/>\n";
    svg << "<text x=\"" << fixed(std::max(x1, x(b.best)) + 5, 1) << "\" y=\"" << fixed(mid_y + 4, 1)
        << "\" font-size=\"12\">" << format_ratio(r) << (b.flipping ? " (flips)" : "") << "</text>\n";
  }
  // The two lines that matter: level with CAF, and twice CAF.
  const std::string x_1 = fixed(x(1), 1), x_2 = fixed(x(2), 1);
  svg << "<line class=\"line-1x\" x1=\"" << x_1 << "\" y1=\"" << fixed(kTop - 10, 0) << "\" x2=\"" << x_1
      << "\" y2=\"" << fixed(plot_bottom, 0) << "\" stroke=\"black\" stroke-width=\"1.5\"/>\n"
      << "<text x=\"" << x_1 << "\" y=\"" << fixed(kTop - 14, 0)
      << "\" font-size=\"11\" text-anchor=\"middle\">1x (level)</text>\n"
      << "<line class=\"line-2x\" x1=\"" << x_2 << "\" y1=\"" << fixed(kTop - 10, 0) << "\" x2=\"" << x_2
      << "\" y2=\"" << fixed(plot_bottom, 0) << "\" stroke=\"#2e7d32\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\"/>\n"
      << "<text x=\"" << x_2 << "\" y=\"" << fixed(kTop - 14, 0)
      << "\" font-size=\"11\" text-anchor=\"start\" fill=\"#2e7d32\">2x (target)</text>\n"
      << "<text x=\"" << fixed(kLeft + kPlotWidth / 2, 0) << "\" y=\"" << fixed(plot_bottom + 36, 0)
      << "\" font-size=\"12\" text-anchor=\"middle\">ratio against CAF's better scheduler (log scale)</text>\n";
  // Legend: what the colours say.
  const std::string legend_y = fixed(plot_bottom + 36, 0);
  double legend_x = 10;
  for (const auto& [colour, what] : {std::pair{"#2e7d32", "2x or more"}, std::pair{"#f9a825", "1x to 2x"},
                                     std::pair{"#c62828", "below 1x"}}) {
    svg << "<rect x=\"" << fixed(legend_x, 0) << "\" y=\"" << fixed(plot_bottom + 26, 0)
        << "\" width=\"12\" height=\"12\" fill=\"" << colour << "\"/><text x=\"" << fixed(legend_x + 16, 0)
        << "\" y=\"" << legend_y << "\" font-size=\"11\">" << what << "</text>\n";
    legend_x += 90;
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace ockam_bench::report
