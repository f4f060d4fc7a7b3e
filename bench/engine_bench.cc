// Evaluations per second of each strategy and of a three-check policy decision, and the time
// to read a large policy file. Goals: at least 1M strategy evaluations/s on one core (issue
// #3); a 1 MB HCL policy file read in under 50 ms (issue #14).
#include <benchmark/benchmark.h>

#include "engine/nomad/nodes_needed.h"
#include "engine/policy/policy_parser.h"
#include "engine/policy_decision.h"
#include "engine/strategy.h"

namespace ha {
namespace {

std::unique_ptr<CompiledStrategy> compile(const char* name, const PluginConfig& config) {
  ConfigIssues issues;
  return find_strategy(name)->compile(config, issues);
}

TimeSeries window(std::size_t points) {
  TimeSeries s;
  for (std::size_t i = 0; i < points; ++i) {
    s.push_back({std::chrono::seconds(static_cast<long>(i)), 40.0 + static_cast<double>(i % 50)});
  }
  return s;
}

// Alternating counts make the strategy take a different path (up, down, none) each call.
void run_strategy(benchmark::State& state, const char* name, const PluginConfig& config) {
  auto strategy = compile(name, config);
  TimeSeries metrics = window(static_cast<std::size_t>(state.range(0)));
  std::int64_t count = 1;
  for (auto _ : state) {
    auto result = strategy->run(metrics, count);
    benchmark::DoNotOptimize(result);
    count = count % 40 + 1;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_TargetValue(benchmark::State& s) {
  run_strategy(s, "target-value", {{"target", "70"}});
}
void BM_Threshold(benchmark::State& s) {
  run_strategy(s, "threshold", {{"lower_bound", "50"}, {"upper_bound", "80"}, {"delta", "1"}});
}
void BM_FixedValue(benchmark::State& s) {
  run_strategy(s, "fixed-value", {{"value", "20"}});
}
void BM_PassThrough(benchmark::State& s) {
  run_strategy(s, "pass-through", {{"max_scale_up", "5"}});
}
BENCHMARK(BM_TargetValue)->Arg(1)->Arg(60);
BENCHMARK(BM_Threshold)->Arg(1)->Arg(60);
BENCHMARK(BM_FixedValue)->Arg(1);
BENCHMARK(BM_PassThrough)->Arg(1)->Arg(60);

// A cluster policy with three checks (cpu, memory target-value; pending-work threshold),
// combined, capped and compared with the current count: one full decision per iteration.
void BM_ThreeCheckPolicy(benchmark::State& state) {
  Policy p;
  p.id = "bench";
  p.min = 2;
  p.max = 40;
  auto check = [](const char* name, const char* strategy, PluginConfig config) {
    CheckSpec c;
    c.name = name;
    c.source = "sim";
    c.query = name;
    c.strategy = {strategy, std::move(config)};
    return c;
  };
  p.checks = {check("cpu", "target-value", {{"target", "70"}}),
              check("mem", "target-value", {{"target", "70"}}),
              check("pending", "threshold", {{"lower_bound", "1"}, {"delta", "2"}})};
  auto compiled = CompiledPolicy::compile(p);
  auto points = window(static_cast<std::size_t>(state.range(0)));
  std::vector<Result<TimeSeries>> metrics{points, points, points};
  std::int64_t count = 2;
  for (auto _ : state) {
    auto decision = decide(**compiled, count, metrics);
    benchmark::DoNotOptimize(decision);
    count = count % 40 + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ThreeCheckPolicy)->Arg(1)->Arg(60);

// A policy file of about `bytes` bytes in HCL: cluster policies of two checks each, with
// comments, as operators write them. Goal (issue #14): a 1 MB file read in under 50 ms.
std::string big_hcl_policy_file(std::size_t bytes) {
  std::string out;
  for (int i = 0; out.size() < bytes; ++i) {
    std::string n = std::to_string(i);
    out.append("# cluster pool " + n + "\nscaling \"pool-" + n + "\" {\n  enabled = true\n")
        .append("  min     = 1\n  max     = 40\n\n  policy {\n    cooldown = \"2m\"\n")
        .append("    check \"cpu\" {\n      source = \"nomad-apm\"\n")
        .append("      query  = \"percentage-allocated_cpu\"\n")
        .append("      strategy \"target-value\" { target = 70 }\n    }\n")
        .append("    check \"pending\" {\n      source = \"nomad-apm\"\n")
        .append("      query  = \"pending_allocations\"\n      strategy \"threshold\" {\n")
        .append("        lower_bound = 1\n        delta       = 2\n      }\n    }\n")
        .append("    target \"harvester\" {\n      node_group_name = \"pool-" + n + "\"\n")
        .append("      node_class      = \"pool-" + n + "\"\n    }\n  }\n}\n\n");
  }
  return out;
}

void read_policy_file(benchmark::State& state, const std::string& text, const char* file) {
  std::size_t read = 0;
  for (auto _ : state) {
    Diagnostics diags;
    auto policies = parse_policies(text, file, diags);
    if (!diags.empty()) state.SkipWithError(diags[0].to_string().c_str());
    read = policies.size();
    benchmark::DoNotOptimize(policies);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
  state.counters["policies"] = static_cast<double>(read);
}

void BM_ReadHclPolicyFile1MB(benchmark::State& state) {
  static const std::string text = big_hcl_policy_file(1 << 20);
  read_policy_file(state, text, "big.hcl");
}
BENCHMARK(BM_ReadHclPolicyFile1MB)->Unit(benchmark::kMillisecond);

// The same policies in HCL's JSON syntax, for comparison.
void BM_ReadJsonPolicyFile(benchmark::State& state) {
  static const std::string text = [] {
    Diagnostics diags;
    return to_hcl_json(parse_policies(big_hcl_policy_file(1 << 20), "big.hcl", diags)).dump(2);
  }();
  read_policy_file(state, text, "big.json");
}
BENCHMARK(BM_ReadJsonPolicyFile)->Unit(benchmark::kMillisecond);

// nodes_needed's count over a pool of N nodes of 8 cores, each three quarters full of
// allocations of 500 MHz: the scale-in search (nothing queued; nodes go least busy first
// until one may not) and the scale-out placement of N/4 queued allocations. The allocations
// of a node are read only when scale-in considers it.
void nodes_needed_pool(benchmark::State& state, bool queued) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<PoolNode> pool;
  std::vector<std::vector<PodSize>> each(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t allocations = 8 + i % 5;  // 4000 to 6000 MHz of 8000
    each[i].assign(allocations, PodSize{500, 1024});
    pool.push_back({{8000, 16384},
                    {static_cast<std::int64_t>(allocations) * 500,
                     static_cast<std::int64_t>(allocations) * 1024}});
  }
  std::vector<QueuedGroup> queue;
  if (queued) queue.push_back({{2000, 2048}, static_cast<std::int64_t>(n / 4)});
  std::int64_t reads = 0;
  for (auto _ : state) {
    NodesNeeded r = count_nodes_needed(pool, queue, {8000, 16384}, 0.05, [&](std::size_t i) {
      ++reads;
      return each[i];
    });
    benchmark::DoNotOptimize(r);
  }
  state.counters["nodes_read"] =
      benchmark::Counter(static_cast<double>(reads), benchmark::Counter::kAvgIterations);
}
void BM_NodesNeededScaleIn(benchmark::State& s) {
  nodes_needed_pool(s, false);
}
void BM_NodesNeededScaleOut(benchmark::State& s) {
  nodes_needed_pool(s, true);
}
BENCHMARK(BM_NodesNeededScaleIn)->Arg(100)->Arg(2000);
BENCHMARK(BM_NodesNeededScaleOut)->Arg(100)->Arg(2000);

}  // namespace
}  // namespace ha

BENCHMARK_MAIN();
