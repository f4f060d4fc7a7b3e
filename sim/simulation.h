// One simulation run: a scenario's cluster on the in-memory models, its traces replayed,
// its cluster policies evaluated by the same engine and Harvester target as production,
// all on simulated time. Produces the report (report.json) and the sampled time series.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "engine/policy/policy.h"
#include "sim/report_html.h"
#include "sim/scenario.h"
#include "sim/workload.h"

namespace ha {

struct SimulationOutput {
  nlohmann::ordered_json report;
  std::string timeseries_csv;
  std::vector<SeriesPoint> series;  // one point per sample, for report.html
  std::vector<ActionMark> actions;  // every scale action, for report.html
};

// Harvester policies scale the cluster; each rate-csv service must be scaled by one or more
// nomad-target policies naming its job and group (their `sim` source is that service). In
// the simulator a node's size comes from the scenario's cluster.node (the policy's
// cpu/memory requests are not used). Fails before running when a policy cannot be run.
// `progress`, when set, is called about 200 times through the run with the simulated time
// reached and the events so far (it does not change the run: same report either way).
// `log`, when set, receives the engine's log lines (stamped with simulated time).
using SimulationProgress = std::function<void(Time reached, Time total, std::uint64_t events)>;
Result<SimulationOutput> run_simulation(const Scenario& scenario,
                                        const std::vector<Policy>& policies,
                                        const Workload& workload,
                                        const SimulationProgress& progress = {},
                                        Logger* log = nullptr);

}  // namespace ha
