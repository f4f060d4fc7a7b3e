#include "sim/oracle.h"

#include <algorithm>
#include <cmath>

namespace ha {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return a <= 0 ? 0 : (a + b - 1) / b;
}

}  // namespace

std::int64_t OracleCurve::nodes_at(Time t) const {
  auto after = std::upper_bound(steps.begin(), steps.end(), t,
                                [](Time t, const auto& step) { return t < step.first; });
  return after == steps.begin() ? 0 : std::prev(after)->second;
}

std::vector<ForesightDemand> foresight_demand(const Workload& workload, Duration run) {
  std::vector<ForesightDemand> out;
  // `count` allocations of (cpu, memory) over [from, to), clipped to the run.
  auto add = [&out, run](Time from, std::optional<Time> to, std::int64_t count, std::int64_t cpu,
                         std::int64_t memory) {
    if (count <= 0 || from >= run || (to && *to <= from)) return;
    if (to && *to >= run) to.reset();
    out.push_back({std::max(from, Time{0}), to, count, cpu, memory});
  };
  for (const TraceTask& t : workload.tasks) {
    std::optional<Time> end;
    if (t.duration) end = t.submit + *t.duration;
    add(t.submit, end, t.count, t.cpu_mhz, t.memory_mb);
  }
  for (const DagJob& job : workload.dag_jobs) {
    std::vector<Time> start(job.tasks.size());
    for (std::size_t i = 0; i < job.tasks.size(); ++i) {  // predecessors come first
      const DagTask& task = job.tasks[i];
      start[i] = task.preds.empty() ? task.start : Time{0};
      for (std::size_t p : task.preds) {
        start[i] = std::max(start[i], start[p] + job.tasks[p].duration);
      }
      add(start[i], start[i] + task.duration, task.instances, task.cpu_mhz, task.memory_mb);
    }
  }
  for (const RateDrivenService& s : workload.services) {
    // Allocation k runs while the load needs at least k: the last one started stops first.
    std::vector<Time> started;
    for (const LoadPoint& p : s.load) {
      if (p.time >= run) break;
      auto wanted = static_cast<std::size_t>(std::ceil(p.value / s.per_alloc_capacity));
      while (started.size() < wanted) started.push_back(std::max(p.time, Time{0}));
      for (; started.size() > wanted; started.pop_back()) {
        add(started.back(), std::max(p.time, Time{0}), 1, s.cpu_mhz, s.memory_mb);
      }
    }
    for (Time from : started) add(from, std::nullopt, 1, s.cpu_mhz, s.memory_mb);
  }
  return out;
}

OracleCurve oracle_curve(const Workload& workload, const ClusterSpec& cluster, Duration run) {
  return oracle_curve(foresight_demand(workload, run), cluster, run);
}

OracleCurve oracle_curve(const std::vector<ForesightDemand>& demand, const ClusterSpec& cluster,
                         Duration run) {
  struct Change {
    Time at;
    std::int64_t cpu = 0, memory = 0;
  };
  std::vector<Change> changes;
  for (const ForesightDemand& d : demand) {
    changes.push_back({d.from, d.count * d.cpu_mhz, d.count * d.memory_mb});
    if (d.to) changes.push_back({*d.to, -d.count * d.cpu_mhz, -d.count * d.memory_mb});
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
