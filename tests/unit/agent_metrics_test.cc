// /v1/metrics: the Prometheus text exposition format, parsed back.
#include "agent/agent_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include "backends/runtime/stream_logger.h"

namespace ha {
namespace {

// A minimal parser of the text format: "# HELP", "# TYPE" and NAME{LABELS} VALUE lines.
struct Exposition {
  std::map<std::string, std::string> types;  // metric family -> type
  std::map<std::string, double> samples;     // "name{labels}" -> value
};

Exposition parse(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line;
  const std::regex sample(
      R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_]+="(\\.|[^"\\])*",?)*\})? (\S+)$)re");
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      e.types[name] = type;
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0 || line.empty()) continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, sample)) << "not a sample line: " << line;
    if (m.empty()) continue;
    e.samples[line.substr(0, line.rfind(' '))] =
        std::stod(m[5].str() == "+Inf" ? "inf" : m[5].str());
  }
  return e;
}

TEST(AgentMetrics, RendersCountersHistogramsAndGaugesThatParseBack) {
  AgentMetrics m;
  m.record_evaluation("web", "scaled");
  m.record_evaluation("web", "scaled");
  m.record_evaluation("web", "no-action");
  m.record_action("web", "up", true);
  m.record_action("web", "down", false);
  m.record_error("evaluation");
  m.observe_latency("out", 7);
  m.observe_latency("out", 95);
  m.observe_latency("out", 5000);
  m.set_vms("hashistack", {{"Running", 4}, {"Starting", 1}});
  m.set_policies(2);
  Exposition e = parse(m.render());
  EXPECT_EQ(e.types["harvester_autoscaler_evaluations_total"], "counter");
  EXPECT_EQ(e.types["harvester_autoscaler_scale_latency_seconds"], "histogram");
  EXPECT_EQ(e.types["harvester_autoscaler_vms"], "gauge");
  EXPECT_EQ(e.samples[R"(harvester_autoscaler_evaluations_total{policy="web",outcome="scaled"})"],
            2);
  EXPECT_EQ(
      e.samples
          [R"(harvester_autoscaler_scale_actions_total{policy="web",direction="down",result="failed"})"],
      1);
  EXPECT_EQ(e.samples[R"(harvester_autoscaler_errors_total{source="evaluation"})"], 1);
  // Buckets are cumulative: 7 <= 10, 95 <= 120, 5000 only in +Inf.
  EXPECT_EQ(
      e.samples[R"(harvester_autoscaler_scale_latency_seconds_bucket{direction="out",le="5"})"], 0);
  EXPECT_EQ(
      e.samples[R"(harvester_autoscaler_scale_latency_seconds_bucket{direction="out",le="10"})"],
      1);
  EXPECT_EQ(
      e.samples[R"(harvester_autoscaler_scale_latency_seconds_bucket{direction="out",le="120"})"],
      2);
  EXPECT_EQ(
      e.samples[R"(harvester_autoscaler_scale_latency_seconds_bucket{direction="out",le="3600"})"],
      2);
  EXPECT_EQ(
      e.samples[R"(harvester_autoscaler_scale_latency_seconds_bucket{direction="out",le="+Inf"})"],
      3);
  EXPECT_EQ(e.samples[R"(harvester_autoscaler_scale_latency_seconds_count{direction="out"})"], 3);
  EXPECT_EQ(e.samples[R"(harvester_autoscaler_scale_latency_seconds_sum{direction="out"})"], 5102);
  EXPECT_EQ(e.samples[R"(harvester_autoscaler_vms{node_group="hashistack",phase="Starting"})"], 1);
  EXPECT_EQ(e.samples["harvester_autoscaler_policies"], 2);
}

TEST(AgentMetrics, CacheFiguresAndWhichCacheIsNotCurrent) {
  AgentMetrics m;
  EXPECT_EQ(m.cache_not_current(), std::nullopt);  // no cache: nothing to wait for
  m.set_caches({{"vms:ns/g=a", {12, 1, 3.5, true}}, {"vms:ns/g=b", {0, 0, std::nullopt, false}}});
  EXPECT_EQ(m.cache_not_current(), "vms:ns/g=b");
  Exposition e = parse(m.render());
  EXPECT_EQ(e.types["harvester_autoscaler_cache_events_total"], "counter");
  EXPECT_EQ(e.types["harvester_autoscaler_cache_staleness_seconds"], "gauge");
  EXPECT_EQ(e.samples[R"(harvester_autoscaler_cache_events_total{cache="vms:ns/g=a"})"], 12);
  EXPECT_EQ(e.samples[R"(harvester_autoscaler_cache_relists_total{cache="vms:ns/g=a"})"], 1);
  EXPECT_EQ(e.samples[R"(harvester_autoscaler_cache_staleness_seconds{cache="vms:ns/g=a"})"], 3.5);
  EXPECT_TRUE(
      std::isnan(e.samples[R"(harvester_autoscaler_cache_staleness_seconds{cache="vms:ns/g=b"})"]));
  m.set_caches({{"vms:ns/g=a", {13, 1, 0.5, true}}});
  EXPECT_EQ(m.cache_not_current(), std::nullopt);
}

TEST(AgentMetrics, EscapesLabelValues) {
  AgentMetrics m;
  m.record_evaluation("a \"quoted\\\" \n id", "error");
  Exposition e = parse(m.render());
  EXPECT_EQ(
      e.samples
          [R"(harvester_autoscaler_evaluations_total{policy="a \"quoted\\\" \n id",outcome="error"})"],
      1);
}

TEST(StreamLogger, WritesTextOrJsonLinesAtTheLevelAsked) {
  std::ostringstream text, json;
  StreamLogger t(text, {LogLevel::kInfo, false, true});
  StreamLogger j(json, {LogLevel::kWarn, true, true});
  Time when = std::chrono::seconds(1764068400);  // 2025-11-25T11:00:00Z
  for (Logger* l : {static_cast<Logger*>(&t), static_cast<Logger*>(&j)}) {
    l->log(LogLevel::kDebug, when, "hidden", {});
    l->log(LogLevel::kWarn, when, "drain failed", {{"vm", "web-1"}, {"error", "a b=c"}});
  }
  EXPECT_EQ(text.str(), "2025-11-25T11:00:00.000Z warn drain failed vm=web-1 error=\"a b=c\"\n");
  EXPECT_EQ(json.str(),
            "{\"@timestamp\":\"2025-11-25T11:00:00.000000Z\",\"@level\":\"warn\",\"@message\":"
            "\"drain failed\",\"vm\":\"web-1\",\"error\":\"a b=c\"}\n");
  EXPECT_EQ(*parse_log_level("WARNING"), LogLevel::kWarn);
  EXPECT_FALSE(parse_log_level("loud").ok());
}

}  // namespace
}  // namespace ha
