#include "sim/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <sstream>

#include "backends/api/vm_labels.h"
#include "backends/memory/harvester_memory_api.h"
#include "backends/memory/nomad_memory_api.h"
#include "engine/harvester/harvester_target.h"
#include "engine/nomad/nomad_job_target.h"
#include "engine/policy_evaluator.h"
#include "sim/cluster_metrics.h"
#include "sim/dag_replay.h"
#include "sim/elasticity.h"
#include "sim/invariants.h"
#include "sim/service_replay.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using nlohmann::ordered_json;

constexpr Duration kSampleStep = std::chrono::seconds(10);

ordered_json p50_p95(const std::vector<double>& v) {
  return {{"p50", percentile(v, 50)}, {"p95", percentile(v, 95)}};
}

// The rate-csv service that a nomad-target policy scales (by its Job and Group).
Result<std::size_t> find_service(const Workload& workload, const Policy& p) {
  const PluginConfig& c = p.target.config;
  auto get = [&c](const char* key) {
    auto it = c.find(key);
    return it == c.end() ? std::string() : it->second;
  };
  for (std::size_t i = 0; i < workload.services.size(); ++i) {
    const RateDrivenService& s = workload.services[i];
    if (s.job == get("Job") && s.group == get("Group")) return i;
  }
  return make_error("policy " + p.id + " (" + p.file + "): nomad-target job \"" + get("Job") +
                    "\" group \"" + get("Group") +
                    "\" is not a rate-csv service of the scenario, so nothing drives it");
}

// The sampled time series (timeseries.csv and the chart points) and the elasticity
// metrics over them: demand = whole nodes the placed-plus-pending work needs, supply =
// ready, eligible nodes.
Elasticity sampled_series(const std::vector<ClusterMetrics::Sample>& samples,
                          const std::vector<double>& vm_counts, const ClusterSpec& cluster,
                          SimulationOutput& out) {
  std::vector<double> demand, supply;
  std::ostringstream csv;
  csv << "time_s,demand_cpu_mhz,demand_memory_mb,allocated_cpu_mhz,allocated_memory_mb,"
         "capacity_cpu_mhz,capacity_memory_mb,nodes,pending\n";
  for (const auto& s : samples) {
    const auto& t = s.totals;
    double cpu_demand = static_cast<double>(t.cpu_allocated + t.cpu_pending);
    double mem_demand = static_cast<double>(t.memory_allocated + t.memory_pending);
    demand.push_back(std::ceil(std::max(cpu_demand / static_cast<double>(cluster.cpu_mhz),
                                        mem_demand / static_cast<double>(cluster.memory_mb))));
    supply.push_back(static_cast<double>(t.nodes_ready));
    std::size_t i = demand.size() - 1;
    out.series.push_back({to_seconds(s.time), demand.back(), supply.back(),
                          i < vm_counts.size() ? vm_counts[i] : 0.0,
                          static_cast<double>(t.allocs_pending)});
    csv << to_seconds(s.time) << ',' << cpu_demand << ',' << mem_demand << ',' << t.cpu_allocated
        << ',' << t.memory_allocated << ',' << t.cpu_capacity << ',' << t.memory_capacity << ','
        << t.nodes_ready << ',' << t.allocs_pending << '\n';
  }
  out.timeseries_csv = csv.str();
  return elasticity(demand, supply, to_seconds(kSampleStep));
}

struct JobProgress {
  Time submit{0};
  std::int64_t expected = 0;
  std::int64_t completed = 0;
  Time last{0};
};

}  // namespace

Result<SimulationOutput> run_simulation(const Scenario& scenario,
                                        const std::vector<Policy>& policies,
                                        const Workload& workload,
                                        const SimulationProgress& progress) {
  auto wall_start = std::chrono::steady_clock::now();
  const ClusterSpec& cluster = scenario.cluster;
  const std::vector<TraceTask>& tasks = workload.tasks;
  std::vector<const Policy*> cluster_policies;
  std::vector<std::pair<const Policy*, std::size_t>> service_policies;  // policy, service
  for (const Policy& p : policies) {
    if (!p.enabled) continue;
    if (p.target.name == "harvester") {
      cluster_policies.push_back(&p);
    } else if (p.target.name == "nomad-target") {
      auto service = find_service(workload, p);
      if (!service) return service.error();
      service_policies.emplace_back(&p, *service);
    } else {
      return make_error("policy " + p.id + " (" + p.file + "): target \"" + p.target.name +
                        "\" is not supported by simulate");
    }
  }
  if (cluster_policies.empty()) return make_error("no enabled harvester policy to simulate");
  for (std::size_t i = 0; i < workload.services.size(); ++i) {
    bool scaled = std::any_of(service_policies.begin(), service_policies.end(),
                              [i](const auto& sp) { return sp.second == i; });
    if (!scaled) {
      const RateDrivenService& svc = workload.services[i];
      return make_error(svc.source + ": no enabled nomad-target policy scales job \"" + svc.job +
                        "\" group \"" + svc.group + "\"");
    }
  }

  SimulatedLoop loop;
  NomadModel nomad(loop, scenario.seed);
  nomad.set_node_gc_threshold(cluster.node_gc_threshold);
  HarvesterModelConfig hc;
  hc.provision = cluster.vm_provision;
  hc.boot = cluster.vm_boot;
  hc.nomad_join = cluster.nomad_join;
  hc.terminate = cluster.vm_terminate;
  hc.max_vms = cluster.max_vms;
  hc.cpu_mhz_per_core = cluster.cpu_mhz;  // every VM gets 1 "core" = one node's cpu
  HarvesterModel harvester(loop, &nomad, hc, scenario.seed + 1);
  NomadMemoryApi nomad_api(loop, nomad, cluster.nomad_api, nullptr, scenario.seed + 2);
  HarvesterMemoryApi harvester_api(loop, harvester, cluster.harvester_api, nullptr,
                                   scenario.seed + 3);
  NullLogger log;
  HarvesterTarget target(loop, nomad_api, harvester_api, log);
  ClusterMetrics metrics(loop, nomad, kSampleStep, cluster.node_class);

  // Policies run with the scenario's node size.
  std::vector<std::shared_ptr<const CompiledPolicy>> compiled;
  for (const Policy* p : cluster_policies) {
    Policy copy = *p;
    copy.target.config["cpu_request"] = "1";
    copy.target.config["memory_request"] = std::to_string(cluster.memory_mb) + "Mi";
    copy.target.config["node_class"] = cluster.node_class;
    auto c = CompiledPolicy::compile(std::move(copy));
    if (!c) return c.error();
    compiled.push_back(*c);
  }
  const PluginConfig& first_target = compiled.front()->policy().target.config;
  auto group = parse_group_config(first_target);
  if (!group) return group.error();

  // Invariants, checked on every VM phase change.
  InvariantChecker::Limits limits{group->namespace_, group->node_group, INT64_MAX, 0};
  for (const auto& c : compiled) {
    limits.min = std::min(limits.min, c->policy().min);
    limits.max = std::max(limits.max, c->policy().max);
  }
  InvariantChecker invariants(loop, harvester, nomad, limits);
  harvester.on_phase = [&invariants](const VmPhaseEvent& e) { invariants.on_phase(e); };

  // Initial nodes: Running and joined at time zero.
  for (std::int64_t i = 0; i < cluster.initial_nodes; ++i) {
    VirtualMachineSpec spec;
    spec.name = group->node_group + "-init-" + std::to_string(i);
    spec.namespace_ = group->namespace_;
    spec.labels = {{vm_labels::kNodeGroup, group->node_group},
                   {vm_labels::kNodeClass, cluster.node_class}};
    spec.cpu_cores = 1;
    spec.memory_bytes = cluster.memory_mb * 1024 * 1024;
    if (auto r = harvester.create_running(spec); !r) return r.error();
  }

  // Workload replay.
  std::int64_t total_allocs = 0, never_placeable = 0;
  std::vector<double> pending_seconds;
  std::map<std::string, JobProgress> jobs;
  DagReplay dags(loop, nomad, workload.dag_jobs, cluster.cpu_mhz, cluster.memory_mb);
  nomad.on_alloc_event = [&](const NomadAllocEvent& e) {
    dags.on_alloc_event(e);
    if (e.kind == NomadAllocEvent::Kind::kPlaced)
      pending_seconds.push_back(to_seconds(loop.now() - e.queued_at));
    if (e.kind != NomadAllocEvent::Kind::kCompleted) return;
    if (auto j = jobs.find(e.job_id); j != jobs.end()) {
      ++j->second.completed;
      j->second.last = loop.now();
    }
  };
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const TraceTask& t = tasks[i];
    if (t.submit > scenario.duration) continue;  // outside the simulated period
    total_allocs += t.count;
    if (t.cpu_mhz > cluster.cpu_mhz || t.memory_mb > cluster.memory_mb) {
      never_placeable += t.count;  // larger than any node: reported, never submitted
      continue;
    }
    std::string job_id = t.job + "#" + std::to_string(i);
    NomadJobSpec job{job_id,
                     t.duration ? (t.type == "system" ? "system" : "batch") : t.type,
                     {{t.group, t.count, t.cpu_mhz, t.memory_mb, t.duration}}};
    if (job.type == "batch") jobs[job_id] = {t.submit, t.count, 0, Time(0)};
    loop.at(t.submit, [&nomad, job] { static_cast<void>(nomad.register_job(job)); });
  }

  // Cost (every VM that exists is paid for), sampled with the metrics.
  double vm_seconds = 0;
  std::vector<double> vm_counts;
  std::function<void()> cost_sample = [&] {
    vm_seconds += static_cast<double>(harvester.size()) * to_seconds(kSampleStep);
    vm_counts.push_back(static_cast<double>(harvester.size()));
    if (loop.now() + kSampleStep <= scenario.duration) loop.after(kSampleStep, cost_sample);
  };

  std::vector<std::unique_ptr<PolicyEvaluator>> evaluators;
  auto sources = [&metrics](std::string_view name) -> MetricsSource* {
    return name == "sim" || name == "nomad-apm" ? &metrics : nullptr;
  };
  std::int64_t evaluations = 0;
  auto count_evaluation = [&evaluations](const EvaluationRecord&) { ++evaluations; };
  for (const auto& c : compiled) {
    evaluators.push_back(
        std::make_unique<PolicyEvaluator>(loop, c, target, sources, log, count_evaluation));
  }
  // Services (rate-csv): registered now, scaled by their task-group policies.
  NomadJobTarget job_target(loop, nomad_api, log);
  std::vector<std::unique_ptr<ServiceReplay>> services;
  for (const RateDrivenService& svc : workload.services) {
    services.push_back(std::make_unique<ServiceReplay>(loop, nomad, svc, kSampleStep));
  }
  for (std::size_t i = 0; i < services.size(); ++i) {
    auto first = std::find_if(service_policies.begin(), service_policies.end(),
                              [i](const auto& sp) { return sp.second == i; });
    const Policy* p = first->first;
    if (auto r = services[i]->start(p->min, p->max, scenario.duration); !r) return r.error();
  }
  for (auto& [policy, index] : service_policies) {
    ServiceReplay* replay = services[index].get();
    auto c = CompiledPolicy::compile(*policy);
    if (!c) return c.error();
    auto service_sources = [replay](std::string_view name) -> MetricsSource* {
      return name == "sim" ? replay : nullptr;
    };
    evaluators.push_back(std::make_unique<PolicyEvaluator>(loop, *c, job_target, service_sources,
                                                           log, count_evaluation));
  }
  for (auto& e : evaluators) e->start();
  dags.start(scenario.duration);
  metrics.start(scenario.duration);
  cost_sample();
  if (progress) {
    // In slices, reporting between them; events run exactly as in one pass.
    constexpr int kSlices = 200;
    for (int i = 1; i <= kSlices; ++i) {
      Time until = scenario.duration * i / kSlices;
      loop.run_until(until);
      progress(until, scenario.duration, loop.events_processed());
    }
  } else {
    loop.run_until(scenario.duration);
  }
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  // Report.
  SimulationOutput out;
  Elasticity e = sampled_series(metrics.samples(), vm_counts, cluster, out);
  std::vector<double> out_latency, in_latency;
  std::int64_t scale_out = 0, scale_in = 0;
  for (const auto& a : target.actions()) {
    if (a.direction == Direction::kUp) {
      ++scale_out;
      if (a.all_ready) out_latency.push_back(to_seconds(*a.all_ready - a.decided));
    } else {
      ++scale_in;
      if (a.all_deleted) in_latency.push_back(to_seconds(*a.all_deleted - a.decided));
    }
  }
  total_allocs += dags.allocations_submitted();
  never_placeable += dags.never_placeable();
  std::vector<double> makespans = dags.makespans();
  for (const auto& [id, j] : jobs) {
    if (j.completed >= j.expected) makespans.push_back(to_seconds(j.last - j.submit));
  }
  ordered_json service_reports = ordered_json::array();
  for (const auto& svc : services) service_reports.push_back(svc->report());
  auto final_totals = nomad.totals();
  std::int64_t still_pending = final_totals.allocs_pending;
  double events = static_cast<double>(loop.events_processed());

  out.report = ordered_json{
      {"scenario", scenario.name},
      {"seed", scenario.seed},
      {"simulated_seconds", to_seconds(scenario.duration)},
      {"node_hours", vm_seconds / 3600.0},
      {"pending_seconds",
       {{"p50", percentile(pending_seconds, 50)},
        {"p95", percentile(pending_seconds, 95)},
        {"max", percentile(pending_seconds, 100)}}},
      {"scale_out_latency_seconds", p50_p95(out_latency)},
      {"scale_in_latency_seconds", p50_p95(in_latency)},
      {"actions", {{"scale_out", scale_out}, {"scale_in", scale_in}}},
      {"evaluations", evaluations},
      {"allocations",
       {{"total", total_allocs},
        {"placed", total_allocs - never_placeable - still_pending},
        {"never_placed", never_placeable + still_pending},
        {"never_placeable", never_placeable},
        {"running_at_end", final_totals.allocs_running}}},
      {"jobs",
       {{"count", static_cast<std::int64_t>(jobs.size()) + dags.jobs_started()},
        {"completed", makespans.size()},
        {"makespan_seconds", p50_p95(makespans)}}},
      {"elasticity",
       {{"sampling_step_seconds", to_seconds(kSampleStep)},
        {"accuracy_under", e.accuracy_under},
        {"accuracy_over", e.accuracy_over},
        {"timeshare_under", e.timeshare_under},
        {"timeshare_over", e.timeshare_over},
        {"instability", e.instability}}},
      {"services", service_reports},
      {"invariant_violations",
       {{"count", invariants.violations()}, {"first", invariants.examples()}}},
      {"final_nodes", final_totals.nodes_ready},
      {"events", loop.events_processed()},
      {"events_per_second", wall > 0 ? events / wall : 0.0},
      {"wall_seconds", wall},
  };
  return out;
}

}  // namespace ha
