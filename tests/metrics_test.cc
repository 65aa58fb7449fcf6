// prometheus_text (runtime/metrics.h): every page is checked against the
// text exposition format 0.0.4 by a parser written here (parse_page), then
// its values against what the test did.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/ockam.h"
#include "tests/tcp_test_util.h"
#include "tests/test_util.h"
#include "transport/tcp.h"

using namespace std::chrono_literals;
using ockam::Context;
using ockam::Result;
using ockam::Routed;
using ockam_test::Gate;
using ockam_test::kWait;

namespace {

// ------------------------------------------------------------ the grammar

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

struct Page {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // name -> counter | gauge
  std::map<std::string, std::string> helps;  // name -> the docstring, unescaped
  std::vector<std::string> errors;           // one per broken rule, with its line

  std::optional<double> value(const std::string& name, const Labels& labels = {}) const {
    for (const Sample& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nullopt;
  }
  std::size_t count(const std::string& name) const {
    return static_cast<std::size_t>(std::count_if(samples.begin(), samples.end(), [&](const Sample& s) { return s.name == name; }));
  }
  std::string dump() const {
    std::string all;
    for (const std::string& e : errors) all += e + "\n";
    return all;
  }
};

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t len = b < 0x80 ? 1 : (b >= 0xc2 && b <= 0xdf) ? 2 : (b >= 0xe0 && b <= 0xef) ? 3 : (b >= 0xf0 && b <= 0xf4) ? 4 : 0;
    if (len == 0 || i + len > text.size()) return false;
    std::uint32_t cp = len == 1 ? b : b & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

bool metric_name(std::string_view s) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(s.begin(), s.end(), re);
}
bool label_name(std::string_view s) {
  static const std::regex re("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(s.begin(), s.end(), re);
}

// Unescapes `text` in which only the escapes in `allowed` (after the
// backslash) may appear; nullopt for any other escape, a trailing backslash,
// or a character in `forbidden` left unescaped.
std::optional<std::string> unescape(std::string_view text, std::string_view allowed, std::string_view forbidden) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (forbidden.find(c) != std::string_view::npos) return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == text.size() || allowed.find(text[i]) == std::string_view::npos) return std::nullopt;
    out += text[i] == 'n' ? '\n' : text[i];
  }
  return out;
}

std::optional<double> number(std::string_view token) {
  if (token == "NaN") return 0.0 / 0.0;
  if (token == "+Inf") return 1.0 / 0.0;
  if (token == "-Inf") return -1.0 / 0.0;
  static const std::regex re(R"([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)");
  if (!std::regex_match(token.begin(), token.end(), re)) return std::nullopt;
  return std::strtod(std::string(token).c_str(), nullptr);
}

// Text exposition format 0.0.4, as strictly as this library writes it: each
// line is `# HELP name text`, `# TYPE name counter|gauge`, or
// `name{label="value",...} number` (no timestamps, no other comments, no
// empty lines); HELP and TYPE at most once per name, TYPE before the name's
// first sample, every sample's name typed, a metric's samples together, no
// sample twice, counters not negative, the page valid UTF-8.
Page parse_page(std::string_view text) {
  Page page;
  auto fail = [&](const std::string& why, std::string_view line) {
    page.errors.push_back(why + ": " + std::string(line));
  };
  if (!valid_utf8(text)) fail("not UTF-8", "");
  if (!text.empty() && text.back() != '\n') fail("the last line has no newline", "");
  std::string current;  // the metric whose samples come now
  std::map<std::string, bool> finished;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) {
      fail("empty line", line);
      continue;
    }
    if (line.front() == '#') {
      const bool help = line.starts_with("# HELP ");
      const bool type = line.starts_with("# TYPE ");
      if (!help && !type) {
        fail("a comment other than HELP or TYPE", line);
        continue;
      }
      const std::string_view rest = line.substr(7);
      const std::size_t space = rest.find(' ');
      if (space == std::string_view::npos) {
        fail("no text after the name", line);
        continue;
      }
      const std::string name(rest.substr(0, space));
      const std::string_view what = rest.substr(space + 1);
      if (!metric_name(name)) fail("bad metric name", line);
      if (help) {
        std::optional<std::string> doc = unescape(what, "\\n", "");
        if (!doc) fail("bad escape in HELP", line);
        if (!page.helps.emplace(name, doc.value_or("")).second) fail("a second HELP", line);
      } else {
        if (what != "counter" && what != "gauge") fail("a type other than counter or gauge", line);
        if (page.count(name) != 0) fail("TYPE after the metric's samples", line);
        if (!page.types.emplace(name, std::string(what)).second) fail("a second TYPE", line);
      }
      continue;
    }
    // A sample.
    Sample sample;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    sample.name = std::string(line.substr(0, i));
    if (!metric_name(sample.name)) fail("bad metric name", line);
    bool ok = true;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (ok && i < line.size() && line[i] != '}') {
        const std::size_t eq = line.find('=', i);
        if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          ok = false;
          break;
        }
        const std::string label(line.substr(i, eq - i));
        if (!label_name(label)) fail("bad label name", line);
        // The value runs to the first double quote not escaped.
        std::size_t j = eq + 2;
        while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
        if (j >= line.size()) {
          ok = false;
          break;
        }
        std::optional<std::string> value = unescape(line.substr(eq + 2, j - eq - 2), "\\\"n", "\"");
        if (!value) fail("bad escape in a label value", line);
        if (!sample.labels.emplace(label, value.value_or("")).second) fail("a label twice", line);
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (!ok || i >= line.size()) {
        fail("unterminated labels", line);
        continue;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      fail("no space before the value", line);
      continue;
    }
    std::optional<double> value = number(line.substr(i + 1));
    if (!value) {
      fail("bad value (or a timestamp)", line);
      continue;
    }
    sample.value = *value;
    auto type = page.types.find(sample.name);
    if (type == page.types.end()) fail("a sample without a TYPE before it", line);
    if (type != page.types.end() && type->second == "counter" && sample.value < 0) fail("a negative counter", line);
    if (sample.name != current) {
      if (finished[sample.name]) fail("a metric's samples apart", line);
      if (!current.empty()) finished[current] = true;
      current = sample.name;
    }
    if (page.value(sample.name, sample.labels)) fail("a sample twice", line);
    page.samples.push_back(std::move(sample));
  }
  return page;
}

// Parses and fails the test on any broken rule, printing the page.
Page checked_page(const ockam::Node& node, ockam::PrometheusOptions options = {}) {
  const std::string text = ockam::prometheus_text(node, options);
  Page page = parse_page(text);
  INFO(text);
  CHECK_MESSAGE(page.errors.empty(), page.dump());
  return page;
}

// ------------------------------------------------------------ workers

// Counts what it gets; at `reply_after` messages, tells its sender.
struct Counter : ockam::Worker<int> {
  int seen = 0;
  int reply_after;
  explicit Counter(int n) : reply_after(n) {}
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    if (++seen == reply_after) return ctx.send(msg.return_route(), seen);
    return {};
  }
};

// Opens `entered`, then holds its pool thread until `release` opens.
struct Blocker : ockam::Worker<int> {
  Gate* entered;
  Gate* release;
  Blocker(Gate* e, Gate* r) : entered(e), release(r) {}
  Result<void> handle_message(Context&, Routed<int>) override {
    entered->open();
    (void)release->wait();
    return {};
  }
};

struct Sink : ockam::Worker<int> {
  Result<void> handle_message(Context&, Routed<int>) override { return {}; }
};

// Answers each message with the page of its own node, written on its pool thread.
struct Scraper : ockam::Worker<int> {
  Result<void> handle_message(Context& ctx, Routed<int> msg) override {
    return ctx.send(msg.return_route(), ockam::prometheus_text(ctx.node()));
  }
};

const char* const kNodeMetrics[][2] = {
    {"ockam_messages_sent_total", "counter"},       {"ockam_messages_handled_total", "counter"},
    {"ockam_messages_dropped_total", "counter"},    {"ockam_messages_denied_total", "counter"},
    {"ockam_messages_wrong_type_total", "counter"}, {"ockam_handler_errors_total", "counter"},
    {"ockam_worker_failures_total", "counter"},     {"ockam_messages_queued", "gauge"},
    {"ockam_workers_running", "gauge"},             {"ockam_worker_mailbox_depth", "gauge"},
    {"ockam_worker_messages_handled_total", "counter"},
};

Labels at(const std::string& address) { return Labels{{"address", address}}; }

}  // namespace

// ------------------------------------------------------------ the checker itself

TEST_CASE("the grammar check refuses pages that break the text format") {
  const char* const broken[] = {
      "x 1\n",                                             // no TYPE
      "# TYPE x counter\nx{a=\"b\"c\"} 1\n",               // an unescaped quote
      "# TYPE x counter\nx{a=\"b\\t\"} 1\n",               // an escape the format does not have
      "# TYPE 9x counter\n9x 1\n",                         // a bad name
      "# TYPE x counter\nx -1\n",                          // a negative counter
      "# TYPE x counter\nx 1 1700000000\n",                // a timestamp
      "# TYPE x counter\nx one\n",                         // not a number
      "# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a=\"b\"} 2\n",  // a metric's samples apart
      "# TYPE x gauge\nx 1\n# TYPE x gauge\n",             // TYPE again, after samples
      "# TYPE x gauge\nx{a=\"\xff\"} 1\n",                 // not UTF-8
      "# TYPE x gauge\nx 1",                               // no newline at the end
      "# HELP x a\\qb\n# TYPE x gauge\nx 1\n",             // a HELP escape the format does not have
  };
  for (const char* page : broken) {
    INFO(page);
    CHECK_FALSE(parse_page(page).errors.empty());
  }
  const Page good = parse_page("# HELP x a \\\\ and\\n\n# TYPE x gauge\nx{a=\"q\\\"\\\\\\n\",b=\"\"} -2.5e3\nx NaN\n");
  CHECK_MESSAGE(good.errors.empty(), good.dump());
  CHECK(good.value("x", Labels{{"a", "q\"\\\n"}, {"b", ""}}) == -2500.0);
  CHECK(good.helps.at("x") == "a \\ and\n");
}

// ------------------------------------------------------------ values

TEST_CASE("a fresh node's page parses and has every node metric, typed, with its help") {
  ockam::Node node;
  const Page page = checked_page(node);
  for (const auto& [name, type] : kNodeMetrics) {
    INFO(name);
    REQUIRE(page.types.count(name) == 1);
    CHECK(page.types.at(name) == type);
    CHECK(page.helps.count(name) == 1);
  }
  CHECK(page.value("ockam_messages_sent_total") == 0);
  CHECK(page.value("ockam_workers_running") == 0);
  // The app is a mailbox too.
  CHECK(page.value("ockam_worker_mailbox_depth", at("app")) == 0);
}

TEST_CASE("after N messages handled, the node's and the worker's counters say N") {
  constexpr int kN = 250;
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  REQUIRE_OK(node.start_worker("counter", Counter{kN}));
  for (int i = 0; i < kN; ++i) REQUIRE_OK(node.send("counter", i));
  auto reply = node.receive<int>(kWait);  // the reply orders every count before this read
  REQUIRE_OK(reply);
  CHECK(reply.value().body() == kN);

  const Page page = checked_page(node);
  CHECK(page.value("ockam_worker_messages_handled_total", at("counter")) == kN);
  CHECK(page.value("ockam_worker_messages_handled_total", at("app")) == 1);  // the reply, taken by receive()
  CHECK(page.value("ockam_messages_handled_total") == kN + 1);
  CHECK(page.value("ockam_messages_sent_total") == kN + 1);
  CHECK(page.value("ockam_worker_mailbox_depth", at("counter")) == 0);
  CHECK(page.value("ockam_messages_queued") == 0);
  CHECK(page.value("ockam_workers_running") == 1);
  const ockam::NodeStats stats = node.stats();
  CHECK(stats.handled == kN + 1);
  CHECK(stats.sent == kN + 1);
}

TEST_CASE("a blocked worker's queue shows as its mailbox depth, and the deepest workers are the ones listed") {
  // One pool thread, held by the blocker: nothing queued behind it is taken.
  ockam::Node node(ockam::NodeOptions{.threads = 1});
  Gate entered, release;
  REQUIRE_OK(node.start_worker("blocker", Blocker{&entered, &release}));
  REQUIRE_OK(node.start_worker("w1", Sink{}));
  REQUIRE_OK(node.start_worker("w2", Sink{}));
  REQUIRE_OK(node.start_worker("w3", Sink{}));
  REQUIRE_OK(node.send("blocker", 0));
  REQUIRE(entered.wait());
  for (int i = 0; i < 2; ++i) REQUIRE_OK(node.send("blocker", i));
  for (int i = 0; i < 5; ++i) REQUIRE_OK(node.send("w1", i));
  for (int i = 0; i < 3; ++i) REQUIRE_OK(node.send("w2", i));
  REQUIRE_OK(node.send("w3", 0));

  const Page all = checked_page(node);
  CHECK(all.value("ockam_worker_mailbox_depth", at("blocker")) == 2);
  CHECK(all.value("ockam_worker_mailbox_depth", at("w1")) == 5);
  CHECK(all.value("ockam_worker_mailbox_depth", at("w2")) == 3);
  CHECK(all.value("ockam_worker_mailbox_depth", at("w3")) == 1);
  CHECK(all.value("ockam_messages_queued") == 11);
  CHECK(node.stats().queued == 11);

  // Two series per family: w1 and w2, the deepest, most first.
  const Page two = checked_page(node, ockam::PrometheusOptions{.max_workers = 2});
  CHECK(two.count("ockam_worker_mailbox_depth") == 2);
  CHECK(two.count("ockam_worker_messages_handled_total") == 2);
  CHECK(two.value("ockam_worker_mailbox_depth", at("w1")) == 5);
  CHECK(two.value("ockam_worker_mailbox_depth", at("w2")) == 3);
  REQUIRE(two.samples.size() >= 2);
  const auto first = std::find_if(two.samples.begin(), two.samples.end(),
                                  [](const Sample& s) { return s.name == "ockam_worker_mailbox_depth"; });
  REQUIRE(first != two.samples.end());
  CHECK(first->labels == at("w1"));

  const Page none = checked_page(node, ockam::PrometheusOptions{.max_workers = 0});
  CHECK(none.count("ockam_worker_mailbox_depth") == 0);
  CHECK(none.types.count("ockam_worker_mailbox_depth") == 1);  // the family still says what it is
  CHECK(none.value("ockam_messages_queued") == 11);

  release.open();
  REQUIRE_OK(node.stop());
  const Page after = checked_page(node);
  CHECK(after.value("ockam_messages_queued") == 0);
  CHECK(after.value("ockam_messages_handled_total") == 12);  // every message got its turn in the drain
}

TEST_CASE("a page for a thousand workers lists ten of them by default") {
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  for (int i = 0; i < 1000; ++i) REQUIRE_OK(node.start_worker("idle-" + std::to_string(i), Sink{}));
  const std::string text = ockam::prometheus_text(node);
  const Page page = parse_page(text);
  CHECK_MESSAGE(page.errors.empty(), page.dump());
  CHECK(page.count("ockam_worker_mailbox_depth") == 10);
  CHECK(page.count("ockam_worker_messages_handled_total") == 10);
  CHECK(page.value("ockam_workers_running") == 1000);
  CHECK(text.size() < 8192);
}

TEST_CASE("an address with a quote, a backslash, a newline and bytes that are not UTF-8 is escaped in its label") {
  ockam::Node node;
  const std::string weird = "we\"ird\\name\nline";
  const std::string binary = std::string("esc\x1b[31m-\xff-\xe2\x80\xae", 14);  // ESC, a stray byte, U+202E
  REQUIRE_OK(node.start_worker(weird, Sink{}));
  REQUIRE_OK(node.start_worker(binary, Sink{}));
  const std::string text = ockam::prometheus_text(node, ockam::PrometheusOptions{.max_workers = 100});
  INFO(text);
  CHECK(ockam_test::contains(text, "ockam_worker_mailbox_depth{address=\"we\\\"ird\\\\name\\nline\"} 0\n"));
  const Page page = parse_page(text);
  CHECK_MESSAGE(page.errors.empty(), page.dump());
  CHECK(page.value("ockam_worker_mailbox_depth", at(weird)) == 0);  // reads back as the address
  // Each byte that is not printable UTF-8 is U+FFFD: no escape sequence reaches a terminal.
  CHECK(page.value("ockam_worker_mailbox_depth", at("esc\xef\xbf\xbd[31m-\xef\xbf\xbd-\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd")) == 0);
  CHECK_FALSE(ockam_test::contains(text, "\x1b"));
}

TEST_CASE("after the stop, sent equals handled plus dropped plus wrong-type") {
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  Gate entered, release;
  REQUIRE_OK(node.start_worker("counter", Counter{1000000}));
  REQUIRE_OK(node.start_worker("blocker", Blocker{&entered, &release}));
  for (int i = 0; i < 100; ++i) REQUIRE_OK(node.send("counter", i));
  for (int i = 0; i < 7; ++i) REQUIRE_OK(node.send("counter", std::string("not an int")));
  REQUIRE_OK(node.send("blocker", 0));
  REQUIRE(entered.wait());
  for (int i = 0; i < 5; ++i) REQUIRE_OK(node.send("blocker", i));
  // Stopped in its handler: the 5 behind the message in hand are dropped.
  REQUIRE_OK(node.stop_worker("blocker"));
  release.open();
  REQUIRE_OK(node.stop());  // the counter drains its queue first
  const Page page = checked_page(node);
  CHECK(page.value("ockam_messages_sent_total") == 113);
  CHECK(page.value("ockam_messages_handled_total") == 101);
  CHECK(page.value("ockam_messages_dropped_total") == 5);
  CHECK(page.value("ockam_messages_wrong_type_total") == 7);
  const ockam::NodeStats stats = node.stats();
  CHECK(stats.sent == stats.handled + stats.dropped + stats.wrong_type);
}

TEST_CASE("a metric source's samples are on its node's page until it is removed") {
  ockam::Node node;
  std::atomic<std::uint64_t> jobs{41};
  bool duplicate_written = true, bad_name_written = true;
  {
    ockam::MetricSource source = ockam::add_metric_source(node.context(), [&](ockam::MetricWriter& w) {
      // relaxed: a count, read after the increment below on this thread.
      w.counter("app_jobs_total", "Jobs done.\nSecond line, a \\ too.", jobs.load(std::memory_order_relaxed));
      w.gauge("app_temperature", "Degrees.", -3.5);
      duplicate_written = w.counter("ockam_messages_sent_total", "A second sent total.", 7);
      bad_name_written = w.gauge("app temperature", "A name with a space.", 1);
    });
    jobs.fetch_add(1, std::memory_order_relaxed);  // relaxed: see the source
    const Page page = checked_page(node);
    CHECK(page.value("app_jobs_total") == 42);
    CHECK(page.types.at("app_jobs_total") == "counter");
    CHECK(page.helps.at("app_jobs_total") == "Jobs done.\nSecond line, a \\ too.");
    CHECK(page.value("app_temperature") == -3.5);
    CHECK(page.types.at("app_temperature") == "gauge");
    CHECK_FALSE(duplicate_written);  // a metric appears once a page
    CHECK_FALSE(bad_name_written);
    CHECK(page.value("ockam_messages_sent_total") == 0);  // the node's, not the source's 7

    ockam::MetricSource moved = std::move(source);
    CHECK(checked_page(node).value("app_jobs_total") == 42);
  }
  CHECK_FALSE(checked_page(node).value("app_jobs_total").has_value());
}

TEST_CASE("a metric source that throws is left out of the page, logged, and the page still parses") {
  ockam_test::LogCapture logs;
  ockam::Node node;
  ockam::MetricSource bad = ockam::add_metric_source(node.context(), [](ockam::MetricWriter& w) {
    w.counter("half_written_total", "Written before the throw.", 1);
    throw std::runtime_error("source broke");
  });
  ockam::MetricSource good = ockam::add_metric_source(node.context(), [](ockam::MetricWriter& w) {
    w.counter("after_total", "A source after the one that threw.", 2);
  });
  const Page page = checked_page(node);
  CHECK(page.value("half_written_total") == 1);
  CHECK(page.value("after_total") == 2);
  CHECK(logs.matching({"metric source", "threw"}).size() == 1);
}

TEST_CASE("a metric source may outlive its node") {
  ockam::MetricSource source;
  {
    ockam::Node node;
    source = ockam::add_metric_source(node.context(), [](ockam::MetricWriter& w) { w.gauge("g", "A gauge.", 1); });
    CHECK(checked_page(node).value("g") == 1);
  }
  source.reset();  // the node is gone; ASan checks that nothing of it is touched
  source.reset();  // twice: nothing
}

TEST_CASE("a TCP transport's counters are on its node's page") {
  ockam_test::ConnectedPair pair("counter", Counter{1});
  REQUIRE_OK(pair.client.send(ockam::Route{pair.connection, "counter"}, 5));
  auto reply = pair.client.receive<int>(kWait);
  REQUIRE_OK(reply);
  const Page server = checked_page(pair.server.node);
  CHECK(server.value("ockam_tcp_connections_opened_total") == 1);
  CHECK(server.value("ockam_tcp_messages_received_total") == 1);
  CHECK(server.types.at("ockam_tcp_messages_received_total") == "counter");
  const Page client = checked_page(pair.client);
  CHECK(client.value("ockam_tcp_messages_received_total") == 1);  // the reply
  CHECK(client.value("ockam_tcp_connections_opened_total") == 1);
  // A connection is a worker: its address is a label like any other.
  CHECK(client.value("ockam_worker_messages_handled_total", at(pair.connection.to_string())) == 1);
}

TEST_CASE("a worker's handler can write its node's page") {
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  REQUIRE_OK(node.start_worker("scraper", Scraper{}));
  REQUIRE_OK(node.send("scraper", 0));
  auto reply = node.receive<std::string>(kWait);
  REQUIRE_OK(reply);
  const Page page = parse_page(reply.value().body());
  CHECK_MESSAGE(page.errors.empty(), page.dump());
  CHECK(page.value("ockam_worker_messages_handled_total", at("scraper")) == 1);  // counted before the handler ran
}

// ------------------------------------------------------------ concurrency

TEST_CASE("pages written on another thread while workers start, work and stop, and the node stops, all parse") {
  const int divisor = std::max(1, std::atoi(std::getenv("OCKAM_STRESS_DIVISOR") ? std::getenv("OCKAM_STRESS_DIVISOR") : "1"));
  const int rounds = 400 / divisor;
  ockam::Node node(ockam::NodeOptions{.threads = 2});
  std::atomic<bool> done{false};
  std::atomic<int> pages{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;  // guarded by failures_mu
  auto failed = [&](std::string why) {
    std::lock_guard<std::mutex> lock(failures_mu);
    if (failures.size() < 10) failures.push_back(std::move(why));
  };
  std::thread scraper([&] {
    double last_sent = 0, last_handled = 0;
    // seq_cst: a stop flag and a count, no data published with them.
    while (!done.load()) {
      const std::string text = ockam::prometheus_text(node, ockam::PrometheusOptions{.max_workers = 5});
      const Page page = parse_page(text);
      if (!page.errors.empty()) failed(page.dump() + text);
      const double sent = page.value("ockam_messages_sent_total").value_or(-1);
      const double handled = page.value("ockam_messages_handled_total").value_or(-1);
      if (sent < last_sent || handled < last_handled) failed("a counter went down:\n" + text);
      last_sent = sent;
      last_handled = handled;
      pages.fetch_add(1);
    }
  });
  for (int round = 0; round < rounds; ++round) {
    auto address = node.start_worker(Counter{3});
    REQUIRE_OK(address);
    for (int i = 0; i < 3; ++i) REQUIRE_OK(node.send(address.value(), i));
    // A source comes and goes too.
    ockam::MetricSource source = ockam::add_metric_source(node.context(), [round](ockam::MetricWriter& w) {
      w.gauge("round", "The test's round.", round);
    });
    auto reply = node.receive<int>(kWait);
    REQUIRE_OK(reply);
    if (round % 2 == 0) REQUIRE_OK(node.stop_worker(address.value()));  // the others stay, to the stop
  }
  REQUIRE(ockam_test::eventually([&] { return pages.load() >= 3; }));  // pages raced with the rounds
  REQUIRE_OK(node.stop());  // while the scraper still writes pages
  done.store(true);
  scraper.join();
  {
    std::lock_guard<std::mutex> lock(failures_mu);
    for (const std::string& f : failures) FAIL_CHECK(f);
  }
  const Page final = checked_page(node);
  CHECK(final.value("ockam_messages_sent_total") == rounds * 4);  // 3 each way in, 1 reply out
  CHECK(final.value("ockam_messages_handled_total") == rounds * 4);
  CHECK(final.value("ockam_workers_running") == 0);
  CHECK(final.value("ockam_messages_queued") == 0);
  CHECK(final.count("ockam_worker_mailbox_depth") == 0);  // no mailbox left
}
