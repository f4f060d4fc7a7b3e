#include "engine/cache/allocation_cache.h"

namespace ha {

AllocationView::AllocationView(const std::vector<NomadAllocationStub>& allocations)
    : count_(allocations.size()) {
  for (const NomadAllocationStub& a : allocations) {
    Usage& u = by_node_[a.node_id];
    u.cpu_mhz += a.cpu_mhz;
    u.memory_mb += a.memory_mb;
    ++u.allocations;
  }
}

AllocationView::Usage AllocationView::on_node(const std::string& node_id) const {
  auto at = by_node_.find(node_id);
  return at == by_node_.end() ? Usage{} : at->second;
}

AllocationCache::AllocationCache(EventLoop& loop, NomadApi& api, BlockingQueryTiming timing,
                                 std::uint64_t seed)
    : BlockingQueryCache(
          loop,
          [&api](std::uint64_t index, Duration wait, Done<AllocationListAt> done) {
            api.watch_allocations(index, wait, std::move(done));
          },
          [](AllocationListAt&& answer) {
            return std::make_shared<const AllocationView>(answer.allocations);
          },
          timing, seed) {}

}  // namespace ha
