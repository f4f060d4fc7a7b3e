#include "sim/unmoved_packing.h"

#include <algorithm>
#include <cstdint>
#include <map>

namespace ha {
namespace {

struct Event {
  Time at;
  bool starts = false;
  std::uint32_t demand = 0;
};

class Packer {
 public:
  explicit Packer(const ClusterSpec& cluster) : cluster_(cluster) {}

  std::uint32_t place(std::int64_t cpu, std::int64_t memory) {
    // The fullest node (least free cpu) that still holds the allocation.
    auto it = by_free_cpu_.lower_bound(cpu);
    while (it != by_free_cpu_.end() && nodes_[it->second].free_memory < memory) ++it;
    std::uint32_t id;
    if (it == by_free_cpu_.end()) {
      id = open_new();
    } else {
      id = it->second;
      by_free_cpu_.erase(it);
    }
    Node& n = nodes_[id];
    n.free_cpu -= cpu;
    n.free_memory -= memory;
    ++n.allocs;
    n.where = by_free_cpu_.emplace(n.free_cpu, id);
    return id;
  }

  void release(std::uint32_t id, std::int64_t cpu, std::int64_t memory) {
    Node& n = nodes_[id];
    by_free_cpu_.erase(n.where);
    n.free_cpu += cpu;
    n.free_memory += memory;
    if (--n.allocs == 0) {
      --open_;
      spare_.push_back(id);
    } else {
      n.where = by_free_cpu_.emplace(n.free_cpu, id);
    }
  }

  std::int64_t open() const { return open_; }

 private:
  struct Node {
    std::int64_t free_cpu = 0, free_memory = 0, allocs = 0;
    std::multimap<std::int64_t, std::uint32_t>::iterator where;
  };

  std::uint32_t open_new() {
    ++open_;
    std::uint32_t id;
    if (spare_.empty()) {
      id = static_cast<std::uint32_t>(nodes_.size());
      nodes_.emplace_back();
    } else {
      id = spare_.back();
      spare_.pop_back();
    }
    nodes_[id].free_cpu = cluster_.cpu_mhz;
    nodes_[id].free_memory = cluster_.memory_mb;
    return id;
  }

  const ClusterSpec& cluster_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> spare_;
  std::multimap<std::int64_t, std::uint32_t> by_free_cpu_;  // open nodes
  std::int64_t open_ = 0;
};

}  // namespace

double unmoved_node_hours(const std::vector<ForesightDemand>& demand, const ClusterSpec& cluster,
                          Duration run) {
  std::vector<Event> events;
  for (std::uint32_t i = 0; i < demand.size(); ++i) {
    const ForesightDemand& d = demand[i];
    if (d.cpu_mhz > cluster.cpu_mhz || d.memory_mb > cluster.memory_mb) continue;
    events.push_back({d.from, true, i});
    if (d.to) events.push_back({*d.to, false, i});
  }
  // At one instant, what ends makes room before what starts.
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.at != b.at ? a.at < b.at : (!a.starts && b.starts);
  });
  Packer packer(cluster);
  std::vector<std::vector<std::uint32_t>> placed(demand.size());  // each allocation's node
  double node_seconds = 0;
  Time last{0};
  auto advance = [&](Time to) {
    node_seconds +=
        static_cast<double>(std::max(packer.open(), cluster.unowned_nodes)) * to_seconds(to - last);
    last = to;
  };
  for (const Event& e : events) {
    advance(e.at);
    const ForesightDemand& d = demand[e.demand];
    if (e.starts) {
      for (std::int64_t k = 0; k < d.count; ++k) {
        placed[e.demand].push_back(packer.place(d.cpu_mhz, d.memory_mb));
      }
    } else {
      for (std::uint32_t node : placed[e.demand]) packer.release(node, d.cpu_mhz, d.memory_mb);
      placed[e.demand].clear();
    }
  }
  advance(Time{0} + run);
  return node_seconds / 3600;
}

}  // namespace ha
