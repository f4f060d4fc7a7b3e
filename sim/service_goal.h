// optimize's goal and its ranking of runs: a service goal (--slo) bounds the p95 pending
// time, the load rate-driven services leave unserved, or both; a run that meets it beats
// one that misses it, then the lower cost wins; between two misses, the smaller miss (each
// bound's excess as a share of the bound, summed), then the lower cost.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace ha {

// --slo TERM[,TERM]: at least one of
//   pending_p95=DURATION   p95 of the pending time of allocations (the report's)
//   unserved_load=FRACTION the share of a rate-driven service's load its running allocations
//                          could not serve (the worst service's), as 0.03 or 3%
struct ServiceGoal {
  std::optional<double> pending_p95_seconds;
  std::optional<double> unserved_load;
};
Result<ServiceGoal> parse_service_goal(const std::string& text);
// "p95 pending at most 120 s and unserved load at most 3 %".
std::string describe_goal(const ServiceGoal& goal);

struct RunFigures {
  double cost = 0;      // node-hours, plus stopped VM-hours at their price
  double pending = 0;   // p95 pending seconds
  bool failed = false;  // the run did not complete (worse than any that did)
  double unserved = 0;  // the worst rate-driven service's unserved load fraction (0: none)
};

// Each bound of `goal` in turn (pending, then unserved load): the run's excess over it as a
// share of the bound (of 1 s and of 0.1 % at least, so that a bound of zero still weighs
// it); negative inside the bound. What ranks a miss and, in refinement, a run's slack.
std::vector<double> relative_excess(const RunFigures& r, const ServiceGoal& goal);

// Whether `a` is better than `b` under `goal` (see above).
bool better_run(const RunFigures& a, const RunFigures& b, const ServiceGoal& goal);
bool meets(const RunFigures& r, const ServiceGoal& goal);

// How far inside the goal a run is: minus the bounds' relative excesses, summed.
double goal_slack(const RunFigures& r, const ServiceGoal& goal);

// Positions of the `keep` best of `runs`, best first; ties keep the earlier.
std::vector<std::size_t> best_runs(const std::vector<RunFigures>& runs, std::size_t keep,
                                   const ServiceGoal& goal);

}  // namespace ha
