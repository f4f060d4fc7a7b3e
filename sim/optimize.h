// optimize: the cheapest policy that meets a service goal, found by successive halving.
//
// The space is one axis per --space: a list (KEY=V1,V2,..., or KEY=V1;V2;... when values
// hold commas) or a range (KEY=LO..HI of numbers, whole or not, or of Go durations). The candidates
// are every combination when the axes are all lists and there are at most `budget` of them;
// otherwise `budget` draws, each axis sampled on its own (a list uniformly, a range of numbers
// uniformly between its ends, a range of durations uniformly in their logarithm when it starts
// above 0s; whole numbers and whole seconds kept whole), repeated draws dropped. The draws
// come from a SplitMix64 stream of the seed, so the same seed gives the same candidates on every
// machine.
//
// Rungs: every candidate runs on a shortened scenario (its duration halved once per rung
// still to come); the better half goes on to a run twice as long, until the last rung runs
// the full duration. Better means: meets the goal before misses it; among those that meet
// it, lower cost; among those that miss, the smaller miss (each bound's excess over the
// bound, summed), then lower cost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "engine/policy/policy.h"
#include "sim/overrides.h"
#include "sim/scenario.h"
#include "sim/service_goal.h"
#include "sim/sweep.h"
#include "sim/workload.h"

namespace ha {

struct SearchAxis {
  std::string key;
  std::vector<std::string> values;  // a list
  // A range: its ends, and its kind.
  enum class Kind { kList, kWhole, kReal, kDuration };
  Kind kind = Kind::kList;
  double low = 0, high = 0;  // seconds for durations
  std::string text = {};     // as given: KEY=...
};

// "KEY=V1,V2" or "KEY=LO..HI"; an error names the argument.
Result<SearchAxis> parse_search_axis(const std::string& text);

// A number as axes write it (%.4g).
std::string format_real(double v);

// The space searched when none is given (sim/default_space.cc), from the scenario's cluster
// policies: each policy's cooldown (30s..10m), cooldown_on_scale_up (10s..5m) when it differs from
// the cooldown, and evaluation_interval (10s, 30s, 1m); a target-value check on an allocated
// percentage, its target (50..95); a nodes_needed check, its headroom (0, 4, ..., 20), with a new
// node's size from `cluster` when the query does not give it; a policy with other checks and a
// harvester target naming its node_class, its `check` block: as given, or one nodes_needed check
// (pass-through, headroom 0, 4, ..., 20) in their place; a policy whose checks are or may be all
// nodes_needed, its min (0, 1, 2, 4, ... up to its own); a harvester target, its warm_pool_size (0,
// 4, 8, 16) and warm_pool_max_age (1h, 4h, 12h, 24h). Task-group policies are searched only under a
// goal that bounds unserved load (without one, nothing says how loaded their allocations may run):
// a target-value check on a service's load_per_alloc, its target (from the policy's own up to the
// service's per_alloc_capacity), and the policy's cooldown (30s..5m). `services` maps a task
// group's policy to its service by Job and Group.
std::vector<SearchAxis> default_search_space(const std::vector<Policy>& policies,
                                             const std::vector<RateDrivenService>& services,
                                             const ServiceGoal& goal, const ClusterSpec& cluster);

Result<std::vector<std::vector<Override>>> optimize_candidates(const std::vector<SearchAxis>& axes,
                                                               std::size_t budget,
                                                               std::uint64_t seed);

// Refinement, after the last rung: a coordinate search from the best full-length run. A
// round runs the points one step from it along each axis, both ways; the best of them,
// when better, is where the next round starts; a round that finds nothing better halves the
// step. A list axis steps to the next value either side; a range steps by `step` of its span
// (of its ratio, for durations drawn by ratio), clamped to its ends. These are the points of
// one round: `at` holds a value for every axis, in order; points equal to `at` (a step
// below the axis's resolution, or an end) are left out.
std::vector<std::vector<Override>> neighbours(const std::vector<SearchAxis>& axes,
                                              const std::vector<Override>& at, double step);

// The rungs' durations, shortest first, the last `full`; one rung for one or two
// candidates, at most four, and none shorter than an hour unless `full` is.
std::vector<Duration> rung_durations(Duration full, std::size_t candidates);

// Refinement's joint moves, for a round that found nothing better. A step that saves cost
// but misses the goal (a lower headroom) may meet it beside steps along other axes that buy
// back what it lost for less than it saved (a larger min, a lower target): no single-axis
// round finds that. `round` holds the points one step from `at` along one axis each, with
// their figures. For each of the two cheapest points that miss and cost less than `at` (the
// savers), givers are added one axis at a time, the best gain per added cost on the bounds
// still exceeded first, taking each bound's excess and the cost as the sums of the single
// steps' changes, until that estimate meets the goal below `at`'s cost. The points whose
// estimate gets there are returned, at most two, none twice.
std::vector<std::vector<Override>> joint_moves(
    const std::vector<Override>& at, const RunFigures& at_figures,
    const std::vector<std::pair<std::vector<Override>, RunFigures>>& round,
    const ServiceGoal& goal);

}  // namespace ha
