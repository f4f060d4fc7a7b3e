// Simulator throughput: raw SimulatedLoop events per second (goal for issue #5: >= 5M/s on
// one core) and whole-simulation replay throughput on a generated trace, at growing trace
// lengths and cluster sizes (counters: simulated events per wall second); and the report's
// perfect-foresight references over a million allocations.
#include <benchmark/benchmark.h>

#include <stdexcept>

#include <algorithm>
#include <random>

#include "engine/policy/policy_parser.h"
#include "sim/oracle.h"
#include "sim/simulated_loop.h"
#include "sim/simulation.h"
#include "sim/unmoved_packing.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

// Each event schedules the next one a little later, as timers in a simulation do.
void BM_EventLoop(benchmark::State& state) {
  const auto width = state.range(0);  // events pending at once
  for (auto _ : state) {
    SimulatedLoop loop;
    std::int64_t remaining = 1'000'000;
    std::function<void()> tick = [&] {
      if (--remaining > 0) loop.after(Duration(1 + remaining % 97), tick);
    };
    for (std::int64_t i = 0; i < width; ++i) loop.after(Duration(i), tick);
    loop.run();
    state.counters["events"] = static_cast<double>(loop.events_processed());
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(BM_EventLoop)->Arg(1)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

Policy cluster_policy(std::int64_t max) {
  Diagnostics diags;
  std::string text = R"({"scaling": {"bench": {"enabled": true, "min": 2, "max": )";
  text += std::to_string(max);
  text += R"(, "policy": {
      "cooldown": "2m", "evaluation_interval": "1m",
      "check": {
        "cpu": {"query": "percentage-allocated_cpu",
                "strategy": {"target-value": {"target": 70}}},
        "pending": {"query": "pending_allocations", "group": "p",
                    "strategy": {"threshold": {"lower_bound": 1, "delta": 2, "within_bounds_trigger": 1}}},
        "clear": {"query": "pending_allocations", "group": "p",
                  "strategy": {"threshold": {"upper_bound": 1, "value": 0, "within_bounds_trigger": 1}}}},
      "target": {"harvester": {"node_group_name": "bench", "node_class": "c",
                               "node_purge": "true"}}}}}})";
  Policy p = parse_policies(text, "bench.json", diags).at(0);
  // A policy the agent would refuse measures nothing: stop here, saying why.
  if (!diags.empty()) throw std::runtime_error("bench policy: " + diags.front().to_string());
  return p;
}

// `days` of batch work arriving every minute (half-node allocations of 5-25 minutes),
// sized so that at the daily peak the policy's 70% cpu target asks for about `nodes` nodes.
std::vector<TraceTask> trace(std::int64_t days, std::int64_t nodes) {
  std::mt19937_64 rng(5);
  std::vector<TraceTask> tasks;
  for (std::int64_t m = 0; m < days * 24 * 60; ++m) {
    double day = 0.5 + 0.5 * std::sin(2 * M_PI * static_cast<double>(m % 1440) / 1440);
    // Peak allocations running = count x 15 min = nodes x 0.7 x 2 per node.
    auto count = static_cast<std::int64_t>(1 + day * static_cast<double>(nodes) * 0.093 +
                                           static_cast<double>(rng() % 3));
    tasks.push_back({Time(std::chrono::minutes(m)), "b", "g", "batch", count, 4000, 4096,
                     std::chrono::minutes(5 + static_cast<long>(rng() % 20))});
  }
  return tasks;
}

void BM_Replay(benchmark::State& state) {
  const std::int64_t days = state.range(0), nodes = state.range(1);
  Scenario s;
  s.name = "bench";
  s.duration = std::chrono::hours(24 * days);
  s.cluster.initial_nodes = 2;
  s.cluster.cpu_mhz = 8000;
  s.cluster.memory_mb = 16384;
  s.cluster.node_class.assign(1, 'c');  // (a literal here trips GCC 12's -Wrestrict bug)
  s.cluster.max_vms = nodes * 2;
  std::vector<Policy> policies{cluster_policy(nodes + nodes / 5)};
  Workload workload;
  workload.tasks = trace(days, nodes);
  double events = 0, allocations = 0, peak = 0;
  for (auto _ : state) {
    auto out = run_simulation(s, policies, workload);
    events = out->report["events"].get<double>();
    allocations = out->report["allocations"]["total"].get<double>();
    peak = 0;
    for (const auto& p : out->series) peak = std::max(peak, p.supply_nodes);
  }
  state.counters["sim_events"] = events;
  state.counters["allocations"] = allocations;
  state.counters["peak_nodes"] = peak;
  state.counters["events_per_s"] =
      benchmark::Counter(events, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Replay)
    ->Args({1, 500})  // trace length: 1, 3, 9 days at 500 nodes
    ->Args({3, 500})
    ->Args({9, 500})
    ->Args({3, 100})  // cluster size: 100, 500, 2000 nodes over 3 days
    ->Args({3, 2000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// The report's two references over N allocations of mixed sizes and lengths submitted over
// 30 days (scale-30d holds a million): the oracle sums, the unmoved packing places each one.
void BM_References(benchmark::State& state) {
  const auto allocs = state.range(0);
  ClusterSpec cluster;
  cluster.cpu_mhz = 8000;
  cluster.memory_mb = 16384;
  std::mt19937_64 rng(7);
  std::vector<ForesightDemand> demand;
  for (std::int64_t i = 0; i < allocs; ++i) {
    Time from(std::chrono::seconds(rng() % (30 * 86400)));
    demand.push_back({from, from + std::chrono::seconds(60 + rng() % 7200), 1,
                      static_cast<std::int64_t>(250 + rng() % 4000),
                      static_cast<std::int64_t>(256 + rng() % 8192)});
  }
  const Duration run = std::chrono::hours(24 * 31);
  for (auto _ : state) {
    double oracle = oracle_curve(demand, cluster, run).node_hours;
    double unmoved = unmoved_node_hours(demand, cluster, run);
    benchmark::DoNotOptimize(oracle);
    state.counters["unmoved_vs_oracle"] = unmoved / oracle;
  }
  state.SetItemsProcessed(state.iterations() * allocs);
}
BENCHMARK(BM_References)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ha

BENCHMARK_MAIN();
