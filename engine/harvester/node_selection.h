// Choosing which nodes to remove on scale-in, and checking that their work has somewhere
// to go. Selection strategies follow hashicorp/nomad-autoscaler
// sdk/helper/scaleutils/nodeselector (least_busy: mean of cpu and memory allocated
// percentages, ceil'd; empty; empty_ignore_system; newest/oldest_create_index), with a
// stable sort so that equal nodes keep list order.
#pragma once

#include <string>
#include <vector>

#include "backends/api/nomad_api.h"

namespace ha {

struct NodeCandidate {
  NomadNode node;
  std::string vm = {};  // its VM's name (the node's may be fully qualified)
  std::vector<NomadAllocationStub> allocations;  // non-terminal, as Nomad lists them
};

// Up to `count` candidates to remove, in the order the strategy prefers them.
std::vector<const NodeCandidate*> select_nodes(const std::vector<NodeCandidate>& candidates,
                                               const std::string& strategy, std::size_t count);

// Whether every non-system allocation of `leaving` fits on `staying` (best-fit decreasing
// on cpu, checking memory), given what `staying` already runs.
bool work_fits_elsewhere(const std::vector<const NodeCandidate*>& leaving,
                         const std::vector<const NodeCandidate*>& staying);

}  // namespace ha
