// Loads everything a run needs from a scenario file: the scenario, its policies (cluster
// policies and the task-group policies of rate-csv entries) and its traces, with --set
// overrides applied to the documents before they are parsed.
#pragma once

#include <string>
#include <vector>

#include "engine/policy/diagnostic.h"
#include "engine/policy/policy.h"
#include "sim/overrides.h"
#include "sim/scenario.h"
#include "sim/workload.h"

namespace ha {

struct LoadedScenario {
  Scenario scenario;
  std::vector<Policy> policies;
  Workload workload;
};

// Problems in the scenario or policy documents go to `diags` (FILE: pointer: reason) and
// the result is then an error saying so; a missing file or a bad trace is the error itself
// (FILE:LINE: reason). `overrides` are marked as used; check_all_used() afterwards.
Result<LoadedScenario> load_scenario(const std::string& file, std::vector<Override>& overrides,
                                     Diagnostics& diags);

}  // namespace ha
