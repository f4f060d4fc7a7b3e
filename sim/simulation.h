// One simulation run: a scenario's cluster on the in-memory models, its traces replayed,
// its cluster policies evaluated by the same engine and Harvester target as production,
// all on simulated time. Produces the report (report.json) and the sampled time series.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/policy/policy.h"
#include "engine/result.h"
#include "sim/report_html.h"
#include "sim/scenario.h"
#include "sim/trace.h"

namespace ha {

struct SimulationOutput {
  nlohmann::ordered_json report;
  std::string timeseries_csv;
  std::vector<SeriesPoint> series;  // one point per sample, for report.html
};

// `traces` holds the tasks of every workload entry. In the simulator a node's size comes
// from the scenario's cluster.node (the policy's cpu/memory requests are not used).
// Fails before running when a policy cannot be run here (e.g. a nomad-target policy).
Result<SimulationOutput> run_simulation(const Scenario& scenario,
                                        const std::vector<Policy>& policies,
                                        const std::vector<TraceTask>& tasks);

}  // namespace ha
