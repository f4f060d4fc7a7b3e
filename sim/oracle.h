// The perfect-foresight reference of a run (report.json's oracle_node_hours): the nodes a
// cluster would need if every allocation started at its submit time on nodes that appear
// and vanish instantly and are perfectly packed. At every instant that is
//   max(unowned nodes, ceil(max(sum cpu / node cpu, sum memory / node memory)))
// over the allocations running then: trace tasks from their submit time for their duration
// (to the end when they have none); DAG tasks from the earliest time their predecessors
// allow (roots at their trace start); rate-csv services at ceil(load / per_alloc_capacity)
// allocations. Nodes the autoscaler may not remove are paid for whatever the work, so they
// are the floor. No policy can beat it: it knows the future and boots nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/time.h"
#include "sim/scenario.h"
#include "sim/workload.h"

namespace ha {

struct OracleCurve {
  // (from, nodes): the nodes needed from `from` until the next step; the first step is at 0.
  std::vector<std::pair<Time, std::int64_t>> steps;
  double node_hours = 0;  // integrated over [0, run length)

  std::int64_t nodes_at(Time t) const;
};

// The allocations that run with perfect foresight, as above: `count` allocations of one
// size over [from, to) (no `to`: to the run's end), clipped to the run. A rate-csv service's
// allocation k runs while its load needs at least k of them.
struct ForesightDemand {
  Time from;
  std::optional<Time> to;
  std::int64_t count = 0, cpu_mhz = 0, memory_mb = 0;
};
std::vector<ForesightDemand> foresight_demand(const Workload& workload, Duration run);

OracleCurve oracle_curve(const Workload& workload, const ClusterSpec& cluster, Duration run);
// The same from foresight_demand's answer.
OracleCurve oracle_curve(const std::vector<ForesightDemand>& demand, const ClusterSpec& cluster,
                         Duration run);

}  // namespace ha
