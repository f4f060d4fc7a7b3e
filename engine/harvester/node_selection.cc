#include "engine/harvester/node_selection.h"

#include <algorithm>
#include <cmath>

namespace ha {
namespace {

double percent(std::int64_t used, std::int64_t total) {
  return total <= 0 ? 100.0
                    : std::ceil(static_cast<double>(used) * 100.0 / static_cast<double>(total));
}

double busyness(const NodeCandidate& c) {
  std::int64_t cpu = 0, mem = 0;
  for (const auto& a : c.allocations) {
    if (a.client_status != "running") continue;
    cpu += a.cpu_mhz;
    mem += a.memory_mb;
  }
  return std::ceil((percent(mem, c.node.memory_mb) + percent(cpu, c.node.cpu_mhz)) / 2);
}

bool is_empty(const NodeCandidate& c, bool ignore_system) {
  return std::all_of(c.allocations.begin(), c.allocations.end(), [&](const auto& a) {
    bool terminal = a.client_status == "complete" || a.client_status == "failed" ||
                    a.client_status == "lost" || a.desired_status == "stop" ||
                    a.desired_status == "evict";
    return terminal || (ignore_system && a.job_type == "system");
  });
}

}  // namespace

std::vector<const NodeCandidate*> select_nodes(const std::vector<NodeCandidate>& candidates,
                                               const std::string& strategy, std::size_t count) {
  std::vector<const NodeCandidate*> order;
  for (const auto& c : candidates) order.push_back(&c);
  if (strategy == "empty" || strategy == "empty_ignore_system") {
    bool ignore_system = strategy == "empty_ignore_system";
    std::erase_if(order, [&](const NodeCandidate* c) { return !is_empty(*c, ignore_system); });
  } else if (strategy == "newest_create_index") {
    std::stable_sort(order.begin(), order.end(),
                     [](auto* a, auto* b) { return a->node.create_index > b->node.create_index; });
  } else if (strategy == "oldest_create_index") {
    std::stable_sort(order.begin(), order.end(),
                     [](auto* a, auto* b) { return a->node.create_index < b->node.create_index; });
  } else {  // least_busy
    std::stable_sort(order.begin(), order.end(),
                     [](auto* a, auto* b) { return busyness(*a) < busyness(*b); });
  }
  if (order.size() > count) order.resize(count);
  return order;
}

bool work_fits_elsewhere(const std::vector<const NodeCandidate*>& leaving,
                         const std::vector<const NodeCandidate*>& staying) {
  struct Room {
    std::int64_t cpu, mem;
  };
  std::vector<Room> rooms;
  for (const NodeCandidate* s : staying) {
    Room r{s->node.cpu_mhz, s->node.memory_mb};
    for (const auto& a : s->allocations) {
      r.cpu -= a.cpu_mhz;
      r.mem -= a.memory_mb;
    }
    rooms.push_back(r);
  }
  std::vector<const NomadAllocationStub*> work;
  for (const NodeCandidate* l : leaving) {
    for (const auto& a : l->allocations) {
      if (a.job_type != "system") work.push_back(&a);
    }
  }
  std::stable_sort(work.begin(), work.end(),
                   [](auto* a, auto* b) { return a->cpu_mhz > b->cpu_mhz; });
  for (const NomadAllocationStub* a : work) {
    auto room = std::find_if(rooms.begin(), rooms.end(), [&](const Room& r) {
      return r.cpu >= a->cpu_mhz && r.mem >= a->memory_mb;
    });
    if (room == rooms.end()) return false;
    room->cpu -= a->cpu_mhz;
    room->mem -= a->memory_mb;
  }
  return true;
}

}  // namespace ha
