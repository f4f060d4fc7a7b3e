#include "sim/oracle.h"

#include <algorithm>
#include <cmath>

namespace ha {
namespace {

struct Change {
  Time at;
  std::int64_t cpu = 0, memory = 0;
};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return a <= 0 ? 0 : (a + b - 1) / b;
}

// Adds `count` allocations of (cpu, memory) over [from, to), clipped to the run.
void add(std::vector<Change>& changes, Time from, std::optional<Time> to, std::int64_t count,
         std::int64_t cpu, std::int64_t memory, Duration run) {
  if (count <= 0 || from >= run || (to && *to <= from)) return;
  changes.push_back({std::max(from, Time{0}), count * cpu, count * memory});
  if (to && *to < run) changes.push_back({*to, -count * cpu, -count * memory});
}

}  // namespace

std::int64_t OracleCurve::nodes_at(Time t) const {
  auto after = std::upper_bound(steps.begin(), steps.end(), t,
                                [](Time t, const auto& step) { return t < step.first; });
  return after == steps.begin() ? 0 : std::prev(after)->second;
}

OracleCurve oracle_curve(const Workload& workload, const ClusterSpec& cluster, Duration run) {
  std::vector<Change> changes;
  for (const TraceTask& t : workload.tasks) {
    std::optional<Time> end;
    if (t.duration) end = t.submit + *t.duration;
    add(changes, t.submit, end, t.count, t.cpu_mhz, t.memory_mb, run);
  }
  for (const DagJob& job : workload.dag_jobs) {
    std::vector<Time> start(job.tasks.size());
    for (std::size_t i = 0; i < job.tasks.size(); ++i) {  // predecessors come first
      const DagTask& task = job.tasks[i];
      start[i] = task.preds.empty() ? task.start : Time{0};
      for (std::size_t p : task.preds) {
        start[i] = std::max(start[i], start[p] + job.tasks[p].duration);
      }
      add(changes, start[i], start[i] + task.duration, task.instances, task.cpu_mhz, task.memory_mb,
          run);
    }
  }
  for (const RateDrivenService& s : workload.services) {
    std::int64_t running = 0;
    for (const LoadPoint& p : s.load) {
      auto wanted = static_cast<std::int64_t>(std::ceil(p.value / s.per_alloc_capacity));
      if (wanted != running && p.time < run) {
        changes.push_back({std::max(p.time, Time{0}), (wanted - running) * s.cpu_mhz,
                           (wanted - running) * s.memory_mb});
      }
      running = wanted;
    }
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) { return a.at < b.at; });

  OracleCurve curve;
  std::int64_t cpu = 0, memory = 0;
  auto nodes = [&] {
    std::int64_t need = std::max(ceil_div(cpu, std::max<std::int64_t>(cluster.cpu_mhz, 1)),
                                 ceil_div(memory, std::max<std::int64_t>(cluster.memory_mb, 1)));
    return std::max(need, cluster.unowned_nodes);
  };
  curve.steps.emplace_back(Time{0}, nodes());
  for (std::size_t i = 0; i < changes.size();) {
    Time at = changes[i].at;
    for (; i < changes.size() && changes[i].at == at; ++i) {  // all changes at one instant
      cpu += changes[i].cpu;
      memory += changes[i].memory;
    }
    std::int64_t n = nodes();
    if (at == Time{0}) {
      curve.steps.back().second = n;
    } else if (n != curve.steps.back().second) {
      curve.steps.emplace_back(at, n);
    }
  }
  for (std::size_t i = 0; i < curve.steps.size(); ++i) {
    Time to = i + 1 < curve.steps.size() ? curve.steps[i + 1].first : run;
    curve.node_hours +=
        static_cast<double>(curve.steps[i].second) * to_seconds(to - curve.steps[i].first) / 3600;
  }
  return curve;
}

}  // namespace ha
