#include "engine/cache/allocation_view.h"

namespace ha {

AllocationView::AllocationView(const std::vector<NomadAllocationStub>& allocations) {
  for (const NomadAllocationStub& a : allocations) apply(a);
}

AllocationView::Usage AllocationView::on_node(const std::string& node_id) const {
  auto at = by_node_.find(node_id);
  return at == by_node_.end() ? Usage{} : at->second;
}

std::vector<AllocationView::Usage> AllocationView::each_on_node(const std::string& node_id) const {
  std::vector<Usage> out;
  auto ids = ids_by_node_.find(node_id);
  if (ids == ids_by_node_.end()) return out;
  out.reserve(ids->second.size());
  for (const std::string& id : ids->second) {
    const Held& h = by_id_.at(id);
    out.push_back({h.cpu_mhz, h.memory_mb, 1});
  }
  return out;
}

void AllocationView::add(const std::string& id, const Held& h, int sign) {
  Usage& u = by_node_[h.node_id];
  u.cpu_mhz += sign * h.cpu_mhz;
  u.memory_mb += sign * h.memory_mb;
  u.allocations += sign;
  if (u.allocations == 0) by_node_.erase(h.node_id);
  std::vector<std::string>& ids = ids_by_node_[h.node_id];
  if (sign > 0) {
    ids.push_back(id);
  } else {
    std::erase(ids, id);
    if (ids.empty()) ids_by_node_.erase(h.node_id);
  }
}

void AllocationView::apply(const NomadAllocationStub& a) {
  auto at = by_id_.find(a.id);
  if (at != by_id_.end()) {
    add(a.id, at->second, -1);
    if (is_terminal(a)) {
      by_id_.erase(at);
      return;
    }
    at->second = {a.node_id, a.cpu_mhz, a.memory_mb};
    add(a.id, at->second, +1);
    return;
  }
  if (is_terminal(a)) return;
  Held& h = by_id_[a.id] = {a.node_id, a.cpu_mhz, a.memory_mb};
  add(a.id, h, +1);
}

}  // namespace ha
