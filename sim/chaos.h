// Chaos: many simulation runs of one scenario, each with its own seed and a random set of
// faults (on top of the scenario's own), and in half the runs one Nomad client on a VM the
// autoscaler does not own (cluster.unowned_nodes), counting invariant violations. Run i
// uses seed `base_seed + i` for the simulation and for drawing its faults, so a run that
// breaks an invariant is replayed exactly by a scenario with that seed, the faults and the
// unowned nodes reported.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "engine/policy/policy.h"
#include "sim/fault_spec.h"
#include "sim/scenario.h"
#include "sim/workload.h"

namespace ha {

// One to four faults of random kinds, windows, rates and targets within `duration`.
std::vector<FaultSpec> random_faults(std::mt19937_64& rng, Duration duration);

struct ChaosOptions {
  std::int64_t runs = 100;
  unsigned threads = 1;
  std::size_t max_examples = 5;  // runs with violations kept in full
};

struct ChaosSummary {
  std::int64_t runs = 0;
  std::int64_t violations = 0;  // over all runs
  std::int64_t runs_with_violations = 0;
  std::int64_t errors = 0;  // runs that could not be run
  std::int64_t faults = 0, agent_crashes = 0, host_maintenances = 0, guest_restarts = 0;
  std::int64_t deleted_while_migrating = 0, volumes_left = 0;
  // {"run", "seed", "unowned_nodes", "faults": [...], "violations": [...]} of the first
  // failing runs.
  nlohmann::ordered_json first_violations = nlohmann::ordered_json::array();
  double wall_seconds = 0;
};

// `progress(done, total)` is called after each run, from the worker threads.
ChaosSummary run_chaos(const Scenario& scenario, const std::vector<Policy>& policies,
                       const Workload& workload, const ChaosOptions& options,
                       const std::function<void(std::int64_t, std::int64_t)>& progress = {});

}  // namespace ha
