// AllocationView: what the non-terminal allocations of every node hold (is_terminal), by
// node ID, as nomad-apm's percentage-allocated_* sums it. Built from a list and then kept
// current one allocation change at a time (the event stream), O(1) each.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/api/nomad_api.h"

namespace ha {

class AllocationView {
 public:
  struct Usage {
    std::int64_t cpu_mhz = 0, memory_mb = 0;
    std::int64_t allocations = 0;
  };
  AllocationView() = default;
  explicit AllocationView(const std::vector<NomadAllocationStub>& allocations);

  // The node's usage; zero for a node with none.
  Usage on_node(const std::string& node_id) const;
  // Non-terminal allocations held.
  std::size_t allocations() const { return by_id_.size(); }
  // What each allocation on the node holds, in no set order; O(its allocations).
  std::vector<Usage> each_on_node(const std::string& node_id) const;
  // The allocation's new state: a terminal one leaves, any other is held (again).
  void apply(const NomadAllocationStub& a);

 private:
  struct Held {
    std::string node_id;
    std::int64_t cpu_mhz = 0, memory_mb = 0;
  };
  void add(const std::string& id, const Held& h, int sign);

  std::unordered_map<std::string, Held> by_id_;
  std::unordered_map<std::string, Usage> by_node_;
  std::unordered_map<std::string, std::vector<std::string>> ids_by_node_;
};

}  // namespace ha
