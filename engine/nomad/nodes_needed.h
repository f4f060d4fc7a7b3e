// How many nodes of one pool the work needs, counted by placing it, as the Kubernetes cluster
// autoscaler simulates scheduling rather than reading a utilisation.
//
// Scale-out (any allocation queued): the queued allocations are placed first-fit
// decreasing (largest dominant share first) into the free space of the pool's nodes, then
// into new nodes of `shape`; the answer is the pool's nodes plus the new ones. Booting VMs
// that have not joined Nomad yet are not counted, and need not be: the work they were made
// for is still queued, so the answer stays at the count that includes them.
//
// Scale-in (nothing queued): nodes are taken least busy first (the mean of their cpu and
// memory shares, as the least_busy node selector orders them); a node may go when all its
// allocations fit, best fit, into the space the staying nodes have left below
// (1 - headroom) of their capacity. The first node that may not go ends the search. The
// answer is the nodes that stay.
//
// Both ways the answer is at least the nodes whose capacity holds all the work, running and
// queued, within (1 - headroom) of it (the pool's largest nodes counted first, then new
// nodes of `shape`): headroom is spare capacity kept ahead of demand, paid for in
// node-hours, bought back in pending time while VMs boot.
//
// An allocation larger than `shape` can never be placed: it is counted in `unplaceable` and
// asks for no node.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace ha {

struct PodSize {
  std::int64_t cpu_mhz = 0, memory_mb = 0;
};

struct PoolNode {
  PodSize capacity;  // allocatable
  PodSize used;      // what its allocations hold together
};

struct QueuedGroup {
  PodSize size;  // of one allocation
  std::int64_t count = 0;
};

struct NodesNeeded {
  std::int64_t nodes = 0;        // the answer
  std::int64_t new_nodes = 0;    // of which new (scale-out)
  std::int64_t removable = 0;    // pool nodes that may go (scale-in)
  std::int64_t unplaceable = 0;  // queued allocations no node of the shape can hold
};

// What each allocation on pool node i holds. Asked only of the nodes scale-in considers
// (least busy first, until one may not go), so that a pool of thousands of nodes costs a
// few lookups, not one per allocation.
using AllocationsOf = std::function<std::vector<PodSize>(std::size_t node)>;

// `headroom` is a fraction in [0, 1).
NodesNeeded count_nodes_needed(const std::vector<PoolNode>& pool,
                               const std::vector<QueuedGroup>& queued, PodSize shape,
                               double headroom, const AllocationsOf& allocations_of);

}  // namespace ha
