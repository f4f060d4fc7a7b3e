// A second reference beside the oracle (report.json's unmoved_node_hours): perfect
// foresight and instant nodes still, but Nomad's rule that work stays where it started. Each
// allocation is placed at its start (foresight_demand) on the node with the least free cpu
// that holds it, as binpack scoring prefers, or on a new node when none does; it never moves,
// and a node goes the instant its last allocation ends. The nodes open at each instant (at
// least the unowned nodes) integrate to node-hours.
//
// The gap between the oracle and this is packing: what a cluster that cannot move running
// work pays whatever its autoscaler does. The gap between this and a run is the policy's:
// waiting for boots, cooldowns, headroom, nodes held by a drain. Best fit placed online is
// not the best packing there is, so a policy may come in under it; it is a yardstick, not a
// bound. Allocations larger than a node are left out (they never run).
#pragma once

#include <vector>

#include "sim/oracle.h"
#include "sim/scenario.h"

namespace ha {

double unmoved_node_hours(const std::vector<ForesightDemand>& demand, const ClusterSpec& cluster,
                          Duration run);

}  // namespace ha
