#include "engine/harvester/node_selection.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace ha {
namespace {

double percent(std::int64_t used, std::int64_t total) {
  return total <= 0 ? 100.0
                    : std::ceil(static_cast<double>(used) * 100.0 / static_cast<double>(total));
}

double busyness(const NodeCandidate& c) {
  std::int64_t cpu = 0, mem = 0;
  for (const auto& a : c.allocations) {
    if (a.client_status != "running" || is_terminal(a)) continue;  // stopping: leaving
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
  } else {  // least_busy: score each node once, then sort
    std::vector<std::pair<double, const NodeCandidate*>> scored;
    scored.reserve(order.size());
    for (const NodeCandidate* c : order) scored.emplace_back(busyness(*c), c);
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < scored.size(); ++i) order[i] = scored[i].second;
  }
  if (order.size() > count) order.resize(count);
  return order;
}

bool work_fits_elsewhere(const std::vector<const NodeCandidate*>& leaving,
                         const std::vector<const NodeCandidate*>& staying) {
  // Free room of the staying nodes, ordered by cpu: best fit is the first with enough cpu
  // that also has the memory (usually the very first), so the check stays near-linear.
  std::multimap<std::int64_t, std::int64_t> rooms;  // free cpu -> free memory
  for (const NodeCandidate* s : staying) {
    std::int64_t cpu = s->node.cpu_mhz, mem = s->node.memory_mb;
    for (const auto& a : s->allocations) {
      if (is_terminal(a)) continue;  // stopping: its room is free to the scheduler
      cpu -= a.cpu_mhz;
      mem -= a.memory_mb;
    }
    rooms.emplace(cpu, mem);
  }
  std::vector<const NomadAllocationStub*> work;
  for (const NodeCandidate* l : leaving) {
    for (const auto& a : l->allocations) {
      if (a.job_type != "system" && !is_terminal(a)) work.push_back(&a);
    }
  }
  std::stable_sort(work.begin(), work.end(),
                   [](auto* a, auto* b) { return a->cpu_mhz > b->cpu_mhz; });
  for (const NomadAllocationStub* a : work) {
    auto room = rooms.lower_bound(a->cpu_mhz);
    while (room != rooms.end() && room->second < a->memory_mb) ++room;
    if (room == rooms.end()) return false;
    std::int64_t cpu = room->first - a->cpu_mhz, mem = room->second - a->memory_mb;
    rooms.erase(room);
    rooms.emplace(cpu, mem);
  }
  return true;
}

}  // namespace ha
