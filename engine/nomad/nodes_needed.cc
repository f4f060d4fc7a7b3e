#include "engine/nomad/nodes_needed.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <set>
#include <utility>

namespace ha {
namespace {

constexpr std::int64_t kMany = std::numeric_limits<std::int64_t>::max();

// How many allocations of `size` fit into `free`.
std::int64_t fits(PodSize free, PodSize size) {
  std::int64_t by_cpu = size.cpu_mhz > 0 ? free.cpu_mhz / size.cpu_mhz : kMany;
  std::int64_t by_memory = size.memory_mb > 0 ? free.memory_mb / size.memory_mb : kMany;
  return std::max<std::int64_t>(0, std::min(by_cpu, by_memory));
}

double share(std::int64_t used, std::int64_t capacity) {
  return capacity > 0 ? static_cast<double>(used) / static_cast<double>(capacity) : 0.0;
}

double dominant_share(PodSize size, PodSize shape) {
  return std::max(share(size.cpu_mhz, shape.cpu_mhz), share(size.memory_mb, shape.memory_mb));
}

NodesNeeded scale_out(const std::vector<PoolNode>& pool, std::vector<QueuedGroup> queued,
                      PodSize shape) {
  NodesNeeded out;
  std::stable_sort(queued.begin(), queued.end(), [shape](const auto& a, const auto& b) {
    return dominant_share(a.size, shape) > dominant_share(b.size, shape);
  });
  std::vector<PodSize> free;  // the pool's nodes, then the new ones
  free.reserve(pool.size());
  for (const PoolNode& n : pool) {
    free.push_back({n.capacity.cpu_mhz - n.used.cpu_mhz, n.capacity.memory_mb - n.used.memory_mb});
  }
  for (const QueuedGroup& g : queued) {
    std::int64_t left = g.count;
    if (fits(shape, g.size) == 0) {
      out.unplaceable += left;
      continue;
    }
    // Identical allocations placed first-fit one by one fill each node in turn as far as it
    // goes, so a node takes as many as fit at once.
    for (std::size_t i = 0; i < free.size() && left > 0; ++i) {
      std::int64_t k = std::min(left, fits(free[i], g.size));
      free[i].cpu_mhz -= k * g.size.cpu_mhz;
      free[i].memory_mb -= k * g.size.memory_mb;
      left -= k;
    }
    while (left > 0) {
      std::int64_t k = std::min(left, fits(shape, g.size));
      free.push_back({shape.cpu_mhz - k * g.size.cpu_mhz, shape.memory_mb - k * g.size.memory_mb});
      ++out.new_nodes;
      left -= k;
    }
  }
  out.nodes = static_cast<std::int64_t>(pool.size()) + out.new_nodes;
  return out;
}

NodesNeeded scale_in(const std::vector<PoolNode>& pool, double headroom,
                     const AllocationsOf& allocations_of) {
  std::vector<PodSize> used(pool.size()), free(pool.size());
  std::vector<double> busy(pool.size());
  for (std::size_t i = 0; i < pool.size(); ++i) {
    used[i] = pool[i].used;
    const PodSize& cap = pool[i].capacity;
    busy[i] = (share(used[i].cpu_mhz, cap.cpu_mhz) + share(used[i].memory_mb, cap.memory_mb)) / 2;
    free[i] = {static_cast<std::int64_t>(static_cast<double>(cap.cpu_mhz) * (1 - headroom)) -
                   used[i].cpu_mhz,
               static_cast<std::int64_t>(static_cast<double>(cap.memory_mb) * (1 - headroom)) -
                   used[i].memory_mb};
  }
  std::vector<std::size_t> order(pool.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&busy](std::size_t a, std::size_t b) { return busy[a] < busy[b]; });
  // The staying nodes by free cpu, for best fit.
  std::set<std::pair<std::int64_t, std::size_t>> staying;
  for (std::size_t i = 0; i < pool.size(); ++i) staying.insert({free[i].cpu_mhz, i});

  NodesNeeded out;
  for (std::size_t leaving : order) {
    staying.erase({free[leaving].cpu_mhz, leaving});
    std::vector<PodSize> work = allocations_of(leaving);
    std::sort(work.begin(), work.end(),
              [](const PodSize& a, const PodSize& b) { return a.cpu_mhz > b.cpu_mhz; });
    std::vector<std::pair<std::size_t, PodSize>> placed;  // to undo on failure
    bool all_fit = true;
    for (const PodSize& a : work) {
      auto it = staying.lower_bound({a.cpu_mhz, 0});
      while (it != staying.end() && free[it->second].memory_mb < a.memory_mb) ++it;
      if (it == staying.end()) {
        all_fit = false;
        break;
      }
      std::size_t to = it->second;
      staying.erase(it);
      free[to].cpu_mhz -= a.cpu_mhz;
      free[to].memory_mb -= a.memory_mb;
      staying.insert({free[to].cpu_mhz, to});
      placed.emplace_back(to, a);
    }
    if (all_fit) {
      ++out.removable;
      continue;
    }
    for (const auto& [to, a] : placed) {
      staying.erase({free[to].cpu_mhz, to});
      free[to].cpu_mhz += a.cpu_mhz;
      free[to].memory_mb += a.memory_mb;
      staying.insert({free[to].cpu_mhz, to});
    }
    break;
  }
  out.nodes = static_cast<std::int64_t>(pool.size()) - out.removable;
  return out;
}

}  // namespace

NodesNeeded count_nodes_needed(const std::vector<PoolNode>& pool,
                               const std::vector<QueuedGroup>& queued, PodSize shape,
                               double headroom, const AllocationsOf& allocations_of) {
  // Work no node can hold asks for none; with only that queued, the pool may still shrink.
  bool any_queued = std::any_of(queued.begin(), queued.end(), [shape](const QueuedGroup& g) {
    return g.count > 0 && fits(shape, g.size) > 0;
  });
  NodesNeeded out =
      any_queued ? scale_out(pool, queued, shape) : scale_in(pool, headroom, allocations_of);
  if (!any_queued) {
    for (const QueuedGroup& g : queued) out.unplaceable += g.count;
  }
  // The headroom holds both ways: the answer is at least the nodes whose capacity holds
  // all the work, running and queued, within (1 - headroom) of it, counting the pool's
  // largest nodes first and then new nodes of the shape. An empty node beside full ones
  // is that headroom, and stays.
  PodSize work;
  std::vector<std::int64_t> cpu, memory;
  for (const PoolNode& n : pool) {
    work.cpu_mhz += n.used.cpu_mhz;
    work.memory_mb += n.used.memory_mb;
    cpu.push_back(n.capacity.cpu_mhz);
    memory.push_back(n.capacity.memory_mb);
  }
  for (const QueuedGroup& g : queued) {
    if (fits(shape, g.size) == 0) continue;
    work.cpu_mhz += g.count * g.size.cpu_mhz;
    work.memory_mb += g.count * g.size.memory_mb;
  }
  auto nodes_for = [headroom](std::int64_t work, std::vector<std::int64_t>& have,
                              std::int64_t per_new_node) -> std::int64_t {
    double need = static_cast<double>(work) / (1 - headroom);
    std::sort(have.begin(), have.end(), std::greater<>());
    std::int64_t n = 0;
    for (std::int64_t c : have) {
      if (need <= 0) return n;
      need -= static_cast<double>(c);
      ++n;
    }
    if (need <= 0 || per_new_node <= 0) return n;
    return n + static_cast<std::int64_t>(std::ceil(need / static_cast<double>(per_new_node)));
  };
  std::int64_t keep = std::max(nodes_for(work.cpu_mhz, cpu, shape.cpu_mhz),
                               nodes_for(work.memory_mb, memory, shape.memory_mb));
  if (keep > out.nodes) {
    std::int64_t pool_size = static_cast<std::int64_t>(pool.size());
    out.new_nodes = std::max<std::int64_t>(0, keep - pool_size);
    out.removable = std::max<std::int64_t>(0, pool_size - keep);
    out.nodes = keep;
  }
  return out;
}

}  // namespace ha
