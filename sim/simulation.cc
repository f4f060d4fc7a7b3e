#include "sim/simulation.h"

#include <chrono>

#include "backends/memory/harvester_memory_api.h"
#include "backends/memory/nomad_memory_api.h"
#include "sim/scenario_run.h"
#include "sim/simulated_loop.h"

namespace ha {

Result<SimulationOutput> run_simulation(const Scenario& scenario,
                                        const std::vector<Policy>& policies,
                                        const Workload& workload,
                                        const SimulationProgress& progress, Logger* log) {
  auto wall_start = std::chrono::steady_clock::now();
  SimulatedLoop loop;
  auto run = ScenarioRun::create(loop, scenario, policies, workload);
  if (!run) return run.error();
  const ClusterSpec& cluster = scenario.cluster;
  // The scenario's API faults are rules of these injectors (they draw nothing without).
  FaultInjector nomad_faults(scenario.seed + 4), harvester_faults(scenario.seed + 5);
  NomadMemoryApi nomad_api(loop, (*run)->nomad(), cluster.nomad_api, &nomad_faults,
                           scenario.seed + 2);
  HarvesterMemoryApi harvester_api(loop, (*run)->harvester(), cluster.harvester_api,
                                   &harvester_faults, scenario.seed + 3);
  if (auto r = (*run)->start({&nomad_api, &harvester_api, log, &nomad_faults, &harvester_faults});
      !r) {
    return r.error();
  }
  if (progress) {
    // In slices, reporting between them; events run exactly as in one pass.
    constexpr int kSlices = 200;
    for (int i = 1; i <= kSlices; ++i) {
      Time until = scenario.duration * i / kSlices;
      loop.run_until(until);
      progress(until, scenario.duration, loop.events_processed());
    }
  } else {
    loop.run_until(scenario.duration);
  }
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return (*run)->report(loop.events_processed(), wall);
}

}  // namespace ha
