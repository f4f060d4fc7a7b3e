// Emulation: a scenario run on the wall clock (sped up), with the in-memory models behind the
// mock Nomad and Harvester servers on 127.0.0.1 and the engine reaching them only through the
// HTTP clients (libcurl), as the agent reaches a real cluster. It writes the same report as
// run_simulation; with the same scenario and seed the decisions match, up to the jitter of
// real time (a request takes wall milliseconds, which `speed` stretches in loop time).
#pragma once

#include "base/log.h"
#include "sim/simulation.h"

namespace ha {

struct EmulationOptions {
  double speed = 60;      // loop seconds per wall second
  Logger* log = nullptr;  // the engine's log lines (null: none)
};

Result<SimulationOutput> run_emulation(const Scenario& scenario,
                                       const std::vector<Policy>& policies,
                                       const Workload& workload, EmulationOptions options,
                                       const SimulationProgress& progress = {});

}  // namespace ha
