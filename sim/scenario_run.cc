#include "sim/scenario_run.h"

#include "sim/oracle.h"
#include "sim/unmoved_packing.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "backends/api/vm_labels.h"
#include "backends/memory/harvester_seed.h"
#include "sim/elasticity.h"
#include "sim/initial_vm.h"

namespace ha {
namespace {

using nlohmann::ordered_json;

ordered_json p50_p95(const std::vector<double>& v) {
  return {{"p50", percentile(v, 50)}, {"p95", percentile(v, 95)}};
}

HarvesterModelConfig harvester_config(const ClusterSpec& cluster) {
  HarvesterModelConfig hc;
  hc.provision = cluster.vm_provision;
  hc.boot = cluster.vm_boot;
  hc.nomad_join = cluster.nomad_join;
  hc.terminate = cluster.vm_terminate;
  hc.start = cluster.vm_start;
  hc.max_vms = cluster.max_vms;
  hc.cpu_mhz_per_core = cluster.cpu_mhz;  // every VM gets 1 "core" = one node's cpu
  return hc;
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
                          const std::vector<double>& vm_counts,
                          const std::vector<double>& stopped_counts, const ClusterSpec& cluster,
                          const OracleCurve& oracle, SimulationOutput& out) {
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
                          static_cast<double>(t.allocs_pending),
                          static_cast<double>(oracle.nodes_at(s.time)),
                          i < stopped_counts.size() ? stopped_counts[i] : 0.0});
    csv << to_seconds(s.time) << ',' << cpu_demand << ',' << mem_demand << ',' << t.cpu_allocated
        << ',' << t.memory_allocated << ',' << t.cpu_capacity << ',' << t.memory_capacity << ','
        << t.nodes_ready << ',' << t.allocs_pending << '\n';
  }
  out.timeseries_csv = csv.str();
  return elasticity(demand, supply, to_seconds(kSampleStep));
}

}  // namespace

ScenarioRun::ScenarioRun(EventLoop& loop, const Scenario& scenario, const Workload& workload)
    : loop_(loop),
      scenario_(scenario),
      workload_(workload),
      nomad_(loop, scenario.seed),
      harvester_(loop, &nomad_, harvester_config(scenario.cluster), scenario.seed + 1),
      metrics_(loop, nomad_, kSampleStep, scenario.cluster.node_class),
      dags_(loop, nomad_, workload.dag_jobs, scenario.cluster.cpu_mhz, scenario.cluster.memory_mb) {
  nomad_.set_node_gc_threshold(scenario.cluster.node_gc_threshold);
}

ScenarioRun::~ScenarioRun() = default;

Result<std::unique_ptr<ScenarioRun>> ScenarioRun::create(EventLoop& loop, const Scenario& scenario,
                                                         const std::vector<Policy>& policies,
                                                         const Workload& workload) {
  std::unique_ptr<ScenarioRun> run(new ScenarioRun(loop, scenario, workload));
  if (auto r = run->sort_policies(policies); !r) return r.error();
  if (auto r = run->create_initial_nodes(); !r) return r.error();
  return run;
}

Result<void> ScenarioRun::sort_policies(const std::vector<Policy>& policies) {
  const ClusterSpec& cluster = scenario_.cluster;
  for (const Policy& p : policies) {
    if (!p.enabled) continue;
    if (p.target.name == "harvester") {
      // Policies run with the scenario's node size.
      Policy copy = p;
      copy.target.config["cpu_request"] = "1";
      copy.target.config["memory_request"] = std::to_string(cluster.memory_mb) + "Mi";
      copy.target.config["node_class"] = cluster.node_class;
      // The simulated cluster has an image for a policy that names none.
      copy.target.config.try_emplace("image", kScenarioImage);
      auto c = CompiledPolicy::compile(std::move(copy));
      if (!c) return c.error();
      cluster_policies_.push_back(*c);
    } else if (p.target.name == "nomad-target") {
      auto service = find_service(workload_, p);
      if (!service) return service.error();
      service_policies_.emplace_back(&p, *service);
    } else {
      return make_error("policy " + p.id + " (" + p.file + "): target \"" + p.target.name +
                        "\" is not supported by simulate");
    }
  }
  if (cluster_policies_.empty()) return make_error("no enabled harvester policy to simulate");
  for (std::size_t i = 0; i < workload_.services.size(); ++i) {
    bool scaled = std::any_of(service_policies_.begin(), service_policies_.end(),
                              [i](const auto& sp) { return sp.second == i; });
    if (!scaled) {
      const RateDrivenService& svc = workload_.services[i];
      return make_error(svc.source + ": no enabled nomad-target policy scales job \"" + svc.job +
                        "\" group \"" + svc.group + "\"");
    }
  }
  auto group = parse_group_config(cluster_policies_.front()->policy().target.config);
  if (!group) return group.error();
  group_ = *group;
  return {};
}

Result<void> ScenarioRun::create_initial_nodes() {
  // Invariants, checked on every VM phase change.
  InvariantChecker::Limits limits{group_.namespace_, group_.node_group, INT64_MAX, 0, 0};
  for (const auto& c : cluster_policies_) {
    limits.min = std::min(limits.min, c->policy().min);
    limits.max = std::max(limits.max, c->policy().max);
    if (auto g = parse_group_config(c->policy().target.config)) {
      limits.warm_pool_size = std::max(limits.warm_pool_size, g->warm_pool_size);
      limits.drain_ignores_system_jobs =
          limits.drain_ignores_system_jobs && g->drain_ignore_system_jobs;
    }
  }
  invariants_ = std::make_unique<InvariantChecker>(loop_, harvester_, nomad_, limits);
  harvester_.on_phase = [this](const VmPhaseEvent& e) { invariants_->on_phase(e); };
  harvester_.on_change = [this](const VmChangeEvent& e) { invariants_->on_vm_change(e); };
  nomad_.on_node_change = [this](const std::string& node, const char* change) {
    invariants_->on_node_change(node, change);
  };
  nomad_.on_node_status = [this](const std::string& node, const std::string& status) {
    invariants_->on_node_status(node, status);
  };

  // The cluster has what the policies name: their namespaces, images and networks.
  for (const auto& c : cluster_policies_) {
    if (auto g = parse_group_config(c->policy().target.config)) {
      seed_group_objects(harvester_, g->namespace_, g->image, g->network);
    }
  }
  const ClusterSpec& cluster = scenario_.cluster;
  for (std::int64_t i = 0; i < cluster.initial_nodes; ++i) {
    std::string name = group_.node_group + "-init-" + std::to_string(i);
    if (auto r = create_initial_vm(harvester_, group_, cluster, name); !r) return r.error();
  }
  for (std::int64_t i = 0; i < cluster.unowned_nodes; ++i) {
    VirtualMachineSpec spec;
    spec.name = cluster.node_class + "-by-hand-" + std::to_string(i);
    spec.namespace_ = group_.namespace_;
    spec.labels = {{vm_labels::kNodeClass, cluster.node_class}};
    spec.cpu_cores = 1;
    spec.memory_bytes = cluster.memory_mb * 1024 * 1024;
    if (auto r = harvester_.create_running(spec); !r) return r.error();
  }
  return {};
}

void ScenarioRun::schedule_tasks() {
  const ClusterSpec& cluster = scenario_.cluster;
  nomad_.on_alloc_event = [this](const NomadAllocEvent& e) {
    dags_.on_alloc_event(e);
    if (e.kind == NomadAllocEvent::Kind::kPlaced)
      pending_seconds_.push_back(to_seconds(loop_.now() - e.queued_at));
    if (e.kind != NomadAllocEvent::Kind::kCompleted) return;
    if (auto j = jobs_.find(e.job_id); j != jobs_.end()) {
      ++j->second.completed;
      j->second.last = loop_.now();
    }
  };
  for (std::size_t i = 0; i < workload_.tasks.size(); ++i) {
    const TraceTask& t = workload_.tasks[i];
    if (t.submit > scenario_.duration) continue;  // outside the simulated period
    total_allocs_ += t.count;
    if (t.cpu_mhz > cluster.cpu_mhz || t.memory_mb > cluster.memory_mb) {
      never_placeable_ += t.count;  // larger than any node: reported, never submitted
      continue;
    }
    std::string job_id = t.job + "#" + std::to_string(i);
    NomadJobSpec job{job_id,
                     t.duration ? (t.type == "system" ? "system" : "batch") : t.type,
                     {{t.group, t.count, t.cpu_mhz, t.memory_mb, t.duration}},
                     t.namespace_};
    if (t.kill_timeout) job.groups[0].kill_timeout = *t.kill_timeout;
    if (job.type == "batch") jobs_[job_id] = {t.submit, t.count, 0, Time(0)};
    loop_.at(t.submit, [this, job] { static_cast<void>(nomad_.register_job(job)); });
  }
}

// Cost: every VM that exists is paid for, sampled with the metrics: a stopped one (the warm
// pool's) at its own price, every other one as a node.
void ScenarioRun::sample_cost() {
  auto stopped = static_cast<double>(harvester_.stopped());
  auto running = static_cast<double>(harvester_.size()) - stopped;
  vm_seconds_ += running * to_seconds(kSampleStep);
  stopped_vm_seconds_ += stopped * to_seconds(kSampleStep);
  vm_counts_.push_back(running);
  stopped_counts_.push_back(stopped);
  if (loop_.now() + kSampleStep <= scenario_.duration) {
    loop_.after(kSampleStep, [this] { sample_cost(); });
  }
}

SimulationOutput ScenarioRun::report(std::uint64_t events, double wall) const {
  SimulationOutput out;
  std::vector<ForesightDemand> foresight = foresight_demand(workload_, scenario_.duration);
  OracleCurve oracle = oracle_curve(foresight, scenario_.cluster, scenario_.duration);
  double unmoved = unmoved_node_hours(foresight, scenario_.cluster, scenario_.duration);
  Elasticity e = sampled_series(metrics_.samples(), vm_counts_, stopped_counts_, scenario_.cluster,
                                oracle, out);
  std::vector<double> out_latency, in_latency;
  std::int64_t scale_out = 0, scale_in = 0;
  std::vector<ScaleActionRecord> actions = past_actions_;
  if (target_) actions.insert(actions.end(), target_->actions().begin(), target_->actions().end());
  {
    for (const auto& a : actions) {
      out.actions.push_back({to_seconds(a.decided), a.direction == Direction::kUp});
      if (a.direction == Direction::kUp) {
        ++scale_out;
        if (a.all_ready) out_latency.push_back(to_seconds(*a.all_ready - a.decided));
      } else {
        ++scale_in;
        if (a.all_deleted) in_latency.push_back(to_seconds(*a.all_deleted - a.decided));
      }
    }
  }
  std::int64_t total_allocs = total_allocs_ + dags_.allocations_submitted();
  std::int64_t never_placeable = never_placeable_ + dags_.never_placeable();
  std::vector<double> makespans = dags_.makespans();
  for (const auto& [id, j] : jobs_) {
    if (j.completed >= j.expected) makespans.push_back(to_seconds(j.last - j.submit));
  }
  ordered_json service_reports = ordered_json::array();
  for (const auto& svc : services_) service_reports.push_back(svc->report());
  auto final_totals = nomad_.totals();
  std::int64_t still_pending = final_totals.allocs_pending;
  // An allocation never placed waited at least until the end: leaving it out would let a
  // policy that starves work look quick.
  std::vector<double> pending_seconds = pending_seconds_;
  for (Time queued : nomad_.queued_times()) {
    pending_seconds.push_back(to_seconds(loop_.now() - queued));
  }
  const ClusterSpec& cluster = scenario_.cluster;
  double cost = vm_seconds_ / 3600.0 * cluster.price_node_hour +
                stopped_vm_seconds_ / 3600.0 * cluster.price_stopped_vm_hour;
  double oracle_cost = oracle.node_hours * cluster.price_node_hour;

  out.report = ordered_json{
      {"scenario", scenario_.name},
      {"seed", scenario_.seed},
      {"simulated_seconds", to_seconds(scenario_.duration)},
      {"node_hours", vm_seconds_ / 3600.0},
      {"oracle_node_hours", oracle.node_hours},
      {"node_hours_vs_oracle", oracle.node_hours > 0
                                   ? ordered_json(vm_seconds_ / 3600.0 / oracle.node_hours)
                                   : ordered_json(nullptr)},
      {"unmoved_node_hours", unmoved},
      {"node_hours_vs_unmoved",
       unmoved > 0 ? ordered_json(vm_seconds_ / 3600.0 / unmoved) : ordered_json(nullptr)},
      {"stopped_vm_hours", stopped_vm_seconds_ / 3600.0},
      {"cost", cost},
      {"cost_vs_oracle",
       oracle_cost > 0 ? ordered_json(cost / oracle_cost) : ordered_json(nullptr)},
      {"pending_seconds",
       {{"p50", percentile(pending_seconds, 50)},
        {"p95", percentile(pending_seconds, 95)},
        {"max", percentile(pending_seconds, 100)}}},
      {"scale_out_latency_seconds", p50_p95(out_latency)},
      {"scale_in_latency_seconds", p50_p95(in_latency)},
      {"actions", {{"scale_out", scale_out}, {"scale_in", scale_in}}},
      {"evaluations", evaluations_},
      {"allocations",
       {{"total", total_allocs},
        {"placed", total_allocs - never_placeable - still_pending},
        {"never_placed", never_placeable + still_pending},
        {"never_placeable", never_placeable},
        {"running_at_end", final_totals.allocs_running}}},
      {"jobs",
       {{"count", static_cast<std::int64_t>(jobs_.size()) + dags_.jobs_started()},
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
       {{"count", invariants_->violations()},
        {"first", invariants_->examples()},
        {"deleted_while_migrating", invariants_->deleted_while_migrating()},
        {"volumes_left", invariants_->volumes_left()},
        {"allocations_killed", invariants_->allocations_killed()},
        {"reregistered_after_purge", nomad_.reregistered_after_purge()}}},
      {"final_nodes", final_totals.nodes_ready},
      {"events", events},
      {"events_per_second", wall > 0 ? static_cast<double>(events) / wall : 0.0},
      {"wall_seconds", wall},
  };
  if (!scenario_.faults.empty()) {
    FaultInjector::Counts calls;
    for (FaultInjector* f : {engine_.nomad_faults, engine_.harvester_faults}) {
      if (f == nullptr) continue;
      calls.failed += f->counts().failed;
      calls.delayed += f->counts().delayed;
    }
    out.report["faults"] = {{"count", scenario_.faults.size()},
                            {"agent_crashes", fault_plan_ ? fault_plan_->crashes() : 0},
                            {"host_maintenances", fault_plan_ ? fault_plan_->maintenances() : 0},
                            {"guest_restarts", fault_plan_ ? fault_plan_->guest_restarts() : 0},
                            {"api_calls_failed", calls.failed},
                            {"api_calls_delayed", calls.delayed}};
  }
  return out;
}

}  // namespace ha
