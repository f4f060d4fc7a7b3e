#include "sim/cluster_metrics.h"

#include <algorithm>

namespace ha {

ClusterMetrics::ClusterMetrics(EventLoop& loop, const NomadModel& nomad, Duration step,
                               std::string node_class)
    : loop_(loop), nomad_(nomad), step_(step), node_class_(std::move(node_class)) {}

void ClusterMetrics::start(Time until) {
  sample(until);
}

void ClusterMetrics::sample(Time until) {
  samples_.push_back({loop_.now(), nomad_.totals(node_class_)});
  if (loop_.now() + step_ <= until) loop_.after(step_, [this, until] { sample(until); });
}

Result<double> ClusterMetrics::value(const std::string& query, const NomadModel::Totals& t) {
  std::string q = query.substr(0, query.find('/'));
  if (q.rfind("node_", 0) == 0 && q != "node_count") q = q.substr(5);
  auto percent = [](std::int64_t used, std::int64_t total) {
    return total <= 0 ? 0.0 : 100.0 * static_cast<double>(used) / static_cast<double>(total);
  };
  if (q == "percentage-allocated_cpu") return percent(t.cpu_allocated, t.cpu_capacity);
  if (q == "percentage-allocated_memory") return percent(t.memory_allocated, t.memory_capacity);
  if (q == "pending_allocations") return static_cast<double>(t.allocs_pending);
  if (q == "node_count") return static_cast<double>(t.nodes_ready);
  return make_error("unknown query \"" + query +
                    "\"; known: percentage-allocated_cpu, percentage-allocated_memory, "
                    "pending_allocations, node_count");
}

void ClusterMetrics::query(const std::string& query, TimeRange range, Callback done) {
  TimeSeries points;
  // A window reaching now ends with the cluster as it is now, as nomad-apm reads a live
  // cluster: never with a sample of this same instant, which other events of this instant
  // may or may not have preceded (the answer would hang on the order of equal-time events).
  bool live = range.to >= loop_.now();
  Time end = live ? loop_.now() - Duration(1) : range.to;
  auto first = std::lower_bound(samples_.begin(), samples_.end(), range.from,
                                [](const Sample& s, Time t) { return s.time < t; });
  auto last = std::upper_bound(samples_.begin(), samples_.end(), end,
                               [](Time t, const Sample& s) { return t < s.time; });
  // A window shorter than the sampling step still sees the latest sample before its end.
  if (first == last && last != samples_.begin() && !live) first = last - 1;
  std::vector<Sample> now;
  if (live) now.push_back({loop_.now(), nomad_.totals(node_class_)});
  Result<TimeSeries> result = points;
  auto add = [&](const Sample& s) {
    if (!result) return;
    auto v = value(query, s.totals);
    if (!v) {
      result = v.error();
      return;
    }
    points.push_back({s.time, *v});
    result = points;
  };
  for (auto it = first; it != last; ++it) add(*it);
  for (const Sample& s : now) add(s);
  loop_.post([done = std::move(done), result = std::move(result)] { done(result); });
}

}  // namespace ha
