// Scale latency of the Harvester target on the in-memory models, and the growth of model
// operations with cluster size. Goal (issue #4): 100 VMs out / 100 nodes in finish in about
// one create + one boot (or one drain), not 100 of them; counters report the simulated
// seconds and their ratio to the serial sum.
#include <benchmark/benchmark.h>

#include <random>
#include <unordered_set>

#include "backends/memory/harvester_memory_api.h"
#include "backends/memory/harvester_seed.h"
#include "backends/memory/nomad_memory_api.h"
#include "engine/harvester/harvester_target.h"
#include "engine/harvester/node_selection.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

constexpr Duration kCreate = 1s, kBoot = 60s, kDrain = 30s;

struct Cluster {
  SimulatedLoop loop;
  NomadModel nomad{loop, 1, Placement::kSpread};
  HarvesterModel harvester{loop, &nomad, [] {
                             HarvesterModelConfig c;
                             c.provision = Latency::constant(0s);
                             c.boot = Latency::constant(kBoot);
                             c.nomad_join = Latency::constant(0s);
                             c.max_vms = 100000;
                             return c;
                           }()};
  bool seeded = (seed_group_objects(harvester, "default", "default/image-bench", ""), true);
  NomadMemoryApi nomad_api{loop, nomad, Latency::constant(10ms)};
  HarvesterMemoryApi harvester_api{loop, harvester, Latency::constant(kCreate)};
  NullLogger log;
  HarvesterTarget target{loop, nomad_api, harvester_api, log, {1s, 15min, 1min}};
  PluginConfig config{{"node_group_name", "bench"},
                      {"node_class", "c"},
                      {"cpu_request", "4"},
                      {"memory_request", "8Gi"},
                      {"image", "default/image-bench"},
                      {"node_drain_deadline", "1h"},
                      {"node_selector_strategy", "newest_create_index"}};

  void scale(std::int64_t count) {
    ScaleRequest r;
    r.action.count = count;
    r.max = 100000;
    bool done = false;
    target.scale(r, config, [&](Result<ScaleResult>) { done = true; });
    while (!done && loop.step()) {
    }
  }
};

void BM_ScaleOut100(benchmark::State& state) {
  const int n = 100;
  double simulated = 0;
  for (auto _ : state) {
    Cluster c;
    c.scale(n);
    const ScaleActionRecord& a = c.target.actions().back();
    simulated = to_seconds(*a.all_running - a.decided);
  }
  state.counters["sim_s_to_running"] = simulated;
  state.counters["serial_s"] = to_seconds((kCreate + kBoot) * n);
  state.counters["ratio_to_serial"] = simulated / to_seconds((kCreate + kBoot) * n);
}
BENCHMARK(BM_ScaleOut100)->Unit(benchmark::kMillisecond);

void BM_ScaleIn100(benchmark::State& state) {
  const int n = 100;
  double simulated = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Cluster c;
    c.scale(2 * n);
    // One 30 s batch allocation on each of the newest 100 nodes holds its drain for 30 s.
    static_cast<void>(c.nomad.register_job({"hold", "batch", {{"t", n, 3000, 1024, kDrain}}}));
    c.loop.run_until(c.loop.now() + 1ms);
    state.ResumeTiming();
    c.scale(n);
    c.loop.run();
    const ScaleActionRecord& a = c.target.actions().back();
    simulated = to_seconds(*a.all_deleted - a.decided);
  }
  state.counters["sim_s_to_deleted"] = simulated;
  state.counters["serial_s"] = to_seconds((kDrain + kCreate) * n);
  state.counters["ratio_to_serial"] = simulated / to_seconds((kDrain + kCreate) * n);
}
BENCHMARK(BM_ScaleIn100)->Unit(benchmark::kMillisecond);

// Placing one allocation in a cluster of N nodes (binpack), amortized over many.
void BM_PlaceAllocation(benchmark::State& state) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  std::mt19937_64 rng(7);
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    std::string name = "n";
    name += std::to_string(i);
    nomad.register_node({name,
                         "c",
                         "dc1",
                         "default",
                         1'000'000 + static_cast<std::int64_t>(rng() % 1000),
                         1'000'000'000,
                         {}});
  }
  static_cast<void>(nomad.register_job({"web", "service", {{"g", 0, 100, 64, std::nullopt}}}));
  std::int64_t count = 0;
  for (auto _ : state) {
    static_cast<void>(nomad.scale_job("web", "g", ++count));
    loop.run();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlaceAllocation)->Arg(100)->Arg(1000)->Arg(10000);

// Choosing 10% of N nodes to drain with least_busy, and checking their work fits elsewhere.
void BM_SelectNodes(benchmark::State& state) {
  std::mt19937_64 rng(7);
  std::vector<NodeCandidate> candidates(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    candidates[i].node.id = std::to_string(i);
    candidates[i].node.cpu_mhz = 8000;
    candidates[i].node.memory_mb = 16384;
    candidates[i].node.create_index = i;
    for (std::uint64_t a = rng() % 4; a > 0; --a) {
      candidates[i].allocations.push_back({"", "j", "g", "service", "", "running", "run",
                                           static_cast<std::int64_t>(rng() % 1500), 512});
    }
  }
  for (auto _ : state) {
    auto chosen = select_nodes(candidates, "least_busy", candidates.size() / 10);
    std::unordered_set<const NodeCandidate*> leaving(chosen.begin(), chosen.end());
    std::vector<const NodeCandidate*> staying;
    for (const auto& c : candidates) {
      if (!leaving.count(&c)) staying.push_back(&c);
    }
    benchmark::DoNotOptimize(work_fits_elsewhere(chosen, staying));
  }
}
BENCHMARK(BM_SelectNodes)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ha

BENCHMARK_MAIN();
