// End to end: the shipped default scenario through the simulator.
#include "sim/simulation.h"

#include <gtest/gtest.h>

#include "engine/policy/policy_parser.h"
#include "sim/html_text.h"
#include "sim/report_html.h"
#include "sim/scenario_loader.h"

namespace ha {
namespace {

LoadedScenario load(const std::string& file) {
  Diagnostics diags;
  std::vector<Override> no_overrides;
  auto loaded = load_scenario(file, no_overrides, diags);
  EXPECT_TRUE(loaded.ok()) << (diags.empty() ? loaded.error().message : diags[0].to_string());
  return loaded ? *loaded : LoadedScenario{};
}

nlohmann::ordered_json without_wall(nlohmann::ordered_json r) {
  r.erase("wall_seconds");
  r.erase("events_per_second");
  return r;
}

TEST(Simulation, DefaultScenarioRunsAndKeepsItsPromises) {
  LoadedScenario l = load(std::string(HA_SOURCE_DIR) + "/scenarios/default.json");
  auto out = run_simulation(l.scenario, l.policies, l.workload);
  ASSERT_TRUE(out.ok()) << out.error().message;
  const auto& r = out->report;
  EXPECT_EQ(r["scenario"], "default");
  EXPECT_EQ(r["simulated_seconds"], 172800.0);
  EXPECT_EQ(r["invariant_violations"]["count"], 0);
  EXPECT_GT(r["actions"]["scale_out"].get<int>(), 0);
  EXPECT_GT(r["actions"]["scale_in"].get<int>(), 0);
  EXPECT_EQ(r["allocations"]["total"], 2877);
  // The policy keeps the group within [2, 40]; node-hours lie between those bounds.
  double node_hours = r["node_hours"].get<double>();
  EXPECT_GE(node_hours, 2 * 48.0);
  EXPECT_LE(node_hours, 40 * 48.0);
  EXPECT_GE(r["final_nodes"].get<int>(), 2);
  EXPECT_NE(out->timeseries_csv.find("time_s,demand_cpu_mhz"), std::string::npos);
  EXPECT_GT(r["scale_out_latency_seconds"]["p50"].get<double>(), 90.0);  // boot + join at least
  // The perfect-foresight reference: below what the policy spent, and their ratio.
  double oracle = r["oracle_node_hours"].get<double>();
  EXPECT_GT(oracle, 0);
  EXPECT_LT(oracle, node_hours);
  EXPECT_DOUBLE_EQ(r["node_hours_vs_oracle"].get<double>(), node_hours / oracle);
  // Work that never moves packs no better than the oracle's, and no policy beat it here.
  double unmoved = r["unmoved_node_hours"].get<double>();
  EXPECT_GE(unmoved, oracle);
  EXPECT_LT(unmoved, node_hours);
  EXPECT_DOUBLE_EQ(r["node_hours_vs_unmoved"].get<double>(), node_hours / unmoved);
  ASSERT_FALSE(out->series.empty());
  double peak = 0;
  for (const auto& p : out->series) peak = std::max(peak, p.oracle_nodes);
  EXPECT_GT(peak, 2);
  EXPECT_EQ(out->actions.size(), r["actions"]["scale_out"].get<std::size_t>() +
                                     r["actions"]["scale_in"].get<std::size_t>());
}

TEST(Simulation, SameSeedSameReportOtherSeedOtherRun) {
  LoadedScenario l = load(std::string(HA_SOURCE_DIR) + "/scenarios/default.json");
  l.scenario.duration = std::chrono::hours(12);
  auto a = run_simulation(l.scenario, l.policies, l.workload);
  auto b = run_simulation(l.scenario, l.policies, l.workload);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(without_wall(a->report).dump(), without_wall(b->report).dump());
  EXPECT_EQ(a->timeseries_csv, b->timeseries_csv);
  l.scenario.seed = 99;  // other boot times
  auto c = run_simulation(l.scenario, l.policies, l.workload);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(without_wall(a->report).dump(), without_wall(c->report).dump());
}

TEST(Simulation, AWarmPoolStartsSoonerAndIsPricedApart) {
  std::vector<std::string> pages;
  auto run = [&pages](const char* policy_file, double stopped_price) {
    Diagnostics diags;
    std::vector<Override> overrides = {
        {"policies", std::string("[\"policies/") + policy_file + "\"]", false}};
    auto l =
        load_scenario(std::string(HA_SOURCE_DIR) + "/scenarios/default.json", overrides, diags);
    EXPECT_TRUE(l.ok());
    l->scenario.cluster.price_stopped_vm_hour = stopped_price;
    auto out = run_simulation(l->scenario, l->policies, l->workload);
    EXPECT_TRUE(out.ok());
    pages.push_back(render_report_html(out->report, out->series, out->actions));
    return out->report;
  };
  auto cold = run("demand-cluster.hcl", 0.05);
  auto warm = run("demand-warm.hcl", 0.05);
  for (const auto* r : {&cold, &warm}) EXPECT_EQ((*r)["invariant_violations"]["count"], 0);
  EXPECT_EQ(cold["stopped_vm_hours"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(cold["cost"].get<double>(), cold["node_hours"].get<double>());
  double stopped = warm["stopped_vm_hours"].get<double>();
  EXPECT_GT(stopped, 0.0);
  EXPECT_DOUBLE_EQ(warm["cost"].get<double>(), warm["node_hours"].get<double>() + 0.05 * stopped);
  EXPECT_DOUBLE_EQ(warm["cost_vs_oracle"].get<double>(),
                   warm["cost"].get<double>() / warm["oracle_node_hours"].get<double>());
  // Starting a stopped VM (30 s + join) lands sooner than creating one (10 s + 90 s median
  // + join), so work waits less.
  EXPECT_LT(warm["scale_out_latency_seconds"]["p50"].get<double>(),
            cold["scale_out_latency_seconds"]["p50"].get<double>());
  EXPECT_LT(warm["pending_seconds"]["p95"].get<double>(),
            cold["pending_seconds"]["p95"].get<double>());
  // report.html draws the stopped VMs only when there were some.
  EXPECT_EQ(pages[0].find("stopped VMs (warm pool)"), std::string::npos);
  EXPECT_NE(pages[1].find("stopped VMs (warm pool)"), std::string::npos);
  EXPECT_NE(pages[1].find("stopped VM-hours (warm pool)</th><td>" + format_number(stopped)),
            std::string::npos);
  // The price of a stopped VM-hour is the scenario's.
  auto dear = run("demand-warm.hcl", 0.5);
  EXPECT_DOUBLE_EQ(dear["cost"].get<double>(),
                   dear["node_hours"].get<double>() + 0.5 * dear["stopped_vm_hours"].get<double>());
}

// The first hour of the default scenario with `extra` submitted at time zero: its report.
nlohmann::ordered_json first_hour_with(const TraceTask& extra) {
  LoadedScenario l = load(std::string(HA_SOURCE_DIR) + "/scenarios/default.json");
  l.scenario.duration = std::chrono::hours(1);
  l.workload.tasks.push_back(extra);
  auto out = run_simulation(l.scenario, l.policies, l.workload);
  EXPECT_TRUE(out.ok());
  return out ? out->report : nlohmann::ordered_json{};
}

TEST(Simulation, OversizedWorkIsReportedNotDropped) {
  auto r =
      first_hour_with({Time(0), "huge", "g", "batch", 3, 64000, 1024, std::chrono::seconds(60)});
  EXPECT_EQ(r["allocations"]["never_placeable"], 3);
  EXPECT_GE(r["allocations"]["never_placed"].get<int>(), 3);
}

TEST(Simulation, WorkStillQueuedAtTheEndCountsAsWaitingUntilThen) {
  // 2,000 long allocations of half a node: more than max_vms nodes hold, so most of them
  // are still queued when the hour ends.
  auto r =
      first_hour_with({Time(0), "flood", "g", "batch", 2000, 4000, 1024, std::chrono::hours(10)});
  EXPECT_GT(r["allocations"]["never_placed"].get<int>(), 1000);
  // Those waited the whole hour: they are the p95, not left out of it.
  EXPECT_GT(r["pending_seconds"]["p95"].get<double>(), 3500);
  EXPECT_LE(r["pending_seconds"]["max"].get<double>(), 3600);
}

TEST(Simulation, ProgressReportingDoesNotChangeTheRun) {
  LoadedScenario l = load(std::string(HA_SOURCE_DIR) + "/scenarios/default.json");
  l.scenario.duration = std::chrono::hours(12);
  auto plain = run_simulation(l.scenario, l.policies, l.workload);
  int calls = 0;
  Time last{0};
  auto watched = run_simulation(l.scenario, l.policies, l.workload,
                                [&](Time reached, Time total, std::uint64_t) {
                                  ++calls;
                                  EXPECT_GT(reached, last);
                                  EXPECT_EQ(total, l.scenario.duration);
                                  last = reached;
                                });
  ASSERT_TRUE(plain.ok() && watched.ok());
  EXPECT_EQ(calls, 200);
  EXPECT_EQ(last, l.scenario.duration);
  EXPECT_EQ(without_wall(plain->report).dump(), without_wall(watched->report).dump());
}

TEST(Simulation, TwoLevelAndDagScenariosAreDeterministic) {
  for (const char* name : {"/scenarios/planetlab-two-level.json", "/scenarios/alibaba-sample.json",
                           "/scenarios/twitter-stream.json", "/scenarios/azure-llm-code.json"}) {
    LoadedScenario l = load(std::string(HA_SOURCE_DIR) + name);
    l.scenario.duration = std::chrono::hours(8);
    auto a = run_simulation(l.scenario, l.policies, l.workload);
    auto b = run_simulation(l.scenario, l.policies, l.workload);
    ASSERT_TRUE(a.ok() && b.ok()) << name;
    EXPECT_EQ(without_wall(a->report).dump(), without_wall(b->report).dump()) << name;
    EXPECT_EQ(a->report["invariant_violations"]["count"].get<int>(), 0) << name;
    EXPECT_GE(a->report["node_hours_vs_oracle"].get<double>(), 1.0) << name;
  }
}

TEST(Simulation, TaskGroupPolicyWithoutAServiceFailsBeforeRunning) {
  LoadedScenario l = load(std::string(HA_SOURCE_DIR) + "/scenarios/default.json");
  Policy tg = l.policies[0];
  tg.id = "tg";
  tg.target.name = "nomad-target";
  tg.target.config = {{"Job", "web"}, {"Group", "frontend"}};
  l.policies.push_back(tg);
  auto out = run_simulation(l.scenario, l.policies, l.workload);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("is not a rate-csv service of the scenario"),
            std::string::npos)
      << out.error().message;
}

TEST(Simulation, ServiceWithoutATaskGroupPolicyFailsBeforeRunning) {
  LoadedScenario l = load(std::string(HA_SOURCE_DIR) + "/scenarios/default.json");
  l.workload.services.push_back({"api", "g", 10, 500, 512, {{Time(0), 5}}, "x.json: /workload/1"});
  auto out = run_simulation(l.scenario, l.policies, l.workload);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message,
            "x.json: /workload/1: no enabled nomad-target policy scales job \"api\" group \"g\"");
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

TEST(ReportHtml, SelfContainedPageWithChartsAndEscapedText) {
  nlohmann::ordered_json report = {{"scenario", "a<b>&\"c\""},
                                   {"seed", 3},
                                   {"simulated_seconds", 7200.0},
                                   {"node_hours", 4.5},
                                   {"oracle_node_hours", 3.0},
                                   {"node_hours_vs_oracle", 1.5},
                                   {"pending_seconds", {{"p50", 1.0}, {"p95", 2.0}, {"max", 3.0}}},
                                   {"scale_out_latency_seconds", {{"p50", 100.0}, {"p95", 120.0}}},
                                   {"scale_in_latency_seconds", {{"p50", 5.0}, {"p95", 6.0}}},
                                   {"actions", {{"scale_out", 2}, {"scale_in", 1}}},
                                   {"allocations", {{"total", 10}, {"never_placed", 0}}},
                                   {"elasticity",
                                    {{"accuracy_under", 1.0},
                                     {"accuracy_over", 2.0},
                                     {"timeshare_under", 3.0},
                                     {"timeshare_over", 4.0},
                                     {"instability", 5.0}}},
                                   {"invariant_violations", {{"count", 0}}},
                                   {"events", 100},
                                   {"wall_seconds", 0.01}};
  std::vector<SeriesPoint> series;
  for (int i = 0; i < 3000; ++i) series.push_back({i * 10.0, 2, 3, 3, i % 7 == 0 ? 5.0 : 0, 2});
  std::string html = render_report_html(report, series, {{600, true}, {4000, false}});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("Scenario a&lt;b&gt;&amp;&quot;c&quot;"), std::string::npos);
  std::size_t charts = 0, lines = 0;
  for (auto p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++charts;
  for (auto p = html.find("<polyline"); p != std::string::npos; p = html.find("<polyline", p + 1))
    ++lines;
  EXPECT_EQ(charts, 3u);
  EXPECT_EQ(lines, 6u);  // demand, ready nodes, perfect foresight, VMs, perfect foresight, pending
  EXPECT_NE(html.find("perfect-foresight node-hours; this run over it</th><td>3; 1.50x"),
            std::string::npos);
  std::size_t marks = 0;
  for (auto p = html.find("class=\"action\""); p != std::string::npos;
       p = html.find("class=\"action\"", p + 1)) {
    ++marks;
  }
  EXPECT_EQ(marks, 6u);  // two actions on each of three charts
  // Round ticks: 30000 s is cut at whole hours, y up to 5 nodes in steps of 1.
  EXPECT_NE(html.find(">8 h</text>"), std::string::npos);
  EXPECT_NE(html.find(">5</text>"), std::string::npos);
  EXPECT_EQ(html.find(">8.33 h</text>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing fetched from elsewhere
  EXPECT_LT(html.size(), 400000u);                  // long runs are thinned out
}

}  // namespace
}  // namespace ha
