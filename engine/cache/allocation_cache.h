// AllocationCache: what the non-terminal allocations of every node hold, kept current with
// blocking queries on GET /v1/allocations?resources=true (see BlockingQueryCache), so that
// nomad-apm's percentage-allocated_* is answered without a request per node.
//
// Every allocation change moves the allocation table's index: on a busy cluster the list
// comes again after each `min_interval` (5 s by default here, against 1 s for nodes), a
// bound on its bytes that a metric read once per evaluation interval can afford.
#pragma once

#include <string>
#include <unordered_map>

#include "backends/api/nomad_api.h"
#include "engine/cache/blocking_query_cache.h"

namespace ha {

// Allocated resources by node ID, immutable.
class AllocationView {
 public:
  struct Usage {
    std::int64_t cpu_mhz = 0, memory_mb = 0;
    std::int64_t allocations = 0;
  };
  explicit AllocationView(const std::vector<NomadAllocationStub>& allocations);
  // The node's usage; zero for a node with none.
  Usage on_node(const std::string& node_id) const;
  std::size_t allocations() const { return count_; }

 private:
  std::unordered_map<std::string, Usage> by_node_;
  std::size_t count_ = 0;
};

class AllocationCache : public BlockingQueryCache<AllocationListAt, AllocationView> {
 public:
  static BlockingQueryTiming default_timing() {
    BlockingQueryTiming t;
    t.min_interval = std::chrono::seconds(5);
    return t;
  }
  AllocationCache(EventLoop& loop, NomadApi& api, BlockingQueryTiming timing = default_timing(),
                  std::uint64_t seed = 13);
};

}  // namespace ha
