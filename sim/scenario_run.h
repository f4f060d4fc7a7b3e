// ScenarioRun: one scenario's cluster on the in-memory models, on any event loop: the initial
// nodes, the workload replay (traces, DAG jobs, rate-driven services), the invariant checker,
// metric and cost sampling, optionally the scaling engine, and the report.
//
// The three modes share it, so they replay the same cluster the same way:
//   simulate      SimulatedLoop, engine through the memory APIs
//   emulate       RealtimeLoop, engine through the HTTP clients and the mock servers
//   mock-cluster  RealtimeLoop, no engine (an agent outside scales it over HTTP)
//
// Threads: everything here runs on the loop's thread (mock servers post model access there).
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "backends/api/harvester_api.h"
#include "backends/api/nomad_api.h"
#include "backends/memory/harvester_model.h"
#include "backends/memory/nomad_model.h"
#include "base/log.h"
#include "engine/harvester/harvester_target.h"
#include "engine/nomad/nomad_apm.h"
#include "engine/nomad/nomad_job_target.h"
#include "engine/policy_evaluator.h"
#include "sim/cluster_metrics.h"
#include "sim/dag_replay.h"
#include "sim/fault_plan.h"
#include "sim/invariants.h"
#include "sim/query_router.h"
#include "sim/scenario.h"
#include "sim/service_replay.h"
#include "sim/simulation.h"
#include "sim/workload.h"

namespace ha {

// The image a simulated cluster's VMs boot when a policy names none.
inline constexpr const char* kScenarioImage = "default/nomad-client";

// Demand, supply and cost are sampled this often, in simulated time.
inline constexpr Duration kSampleStep = std::chrono::seconds(10);

class ScenarioRun {
 public:
  // Checks that every policy can be run (harvester policies, and nomad-target policies that
  // each scale a rate-csv service of the workload; every service scaled) and builds the
  // models with the initial nodes Running and joined at the loop's time zero. The scenario,
  // policies and workload must outlive the run.
  static Result<std::unique_ptr<ScenarioRun>> create(EventLoop& loop, const Scenario& scenario,
                                                     const std::vector<Policy>& policies,
                                                     const Workload& workload);
  ~ScenarioRun();

  NomadModel& nomad() { return nomad_; }
  HarvesterModel& harvester() { return harvester_; }
  // The rate-csv services, once started (their loads and running counts, sampled).
  const std::vector<std::unique_ptr<ServiceReplay>>& services() const { return services_; }

  // The engine's view of the cluster: APIs over the models (memory, or HTTP clients through
  // the mock servers). Without them start() replays the workload but scales nothing; with
  // `nomad` alone, the task-group policies scale the rate-csv services and nothing scales
  // the cluster (mock-cluster --scale-services: an agent outside does).
  struct Engine {
    NomadApi* nomad = nullptr;
    HarvesterApi* harvester = nullptr;
    Logger* log = nullptr;  // null: no engine logs
    // The fault injectors those APIs consult: a scenario's API faults need them.
    FaultInjector* nomad_faults = nullptr;
    FaultInjector* harvester_faults = nullptr;
  };
  // Starts the replay, sampling and (with an engine) policy evaluation, until the duration.
  Result<void> start(Engine engine);

  // The report once the loop has reached the scenario's end; `events` and `wall_seconds`
  // describe the run that got there.
  SimulationOutput report(std::uint64_t events, double wall_seconds) const;

 private:
  struct JobProgress {
    Time submit{0};
    std::int64_t expected = 0;
    std::int64_t completed = 0;
    Time last{0};
  };
  ScenarioRun(EventLoop& loop, const Scenario& scenario, const Workload& workload);
  Result<void> sort_policies(const std::vector<Policy>& policies);
  Result<void> create_initial_nodes();
  void schedule_tasks();
  void sample_cost();
  // The engine (targets and evaluators) over engine_'s APIs; torn down by an agent_crash
  // fault and built again, with no memory of the earlier one, after its restart delay.
  Result<void> build_engine();
  void build_cluster_engine(Logger& log, const PolicyEvaluator::RecordSink& count);
  bool crash_engine(const FaultSpec& fault);
  // Owned VMs may stay out of service this long before the invariant checker calls it a
  // leak: the provision timeout, the drain deadline and grace, a margin, and any outages.
  Duration leak_settle_time() const;
  void final_checks();

  EventLoop& loop_;
  const Scenario& scenario_;
  const Workload& workload_;
  NomadModel nomad_;
  HarvesterModel harvester_;
  ClusterMetrics metrics_;
  DagReplay dags_;
  std::vector<std::shared_ptr<const CompiledPolicy>> cluster_policies_;
  std::vector<std::pair<const Policy*, std::size_t>> service_policies_;  // policy, service
  HarvesterGroupConfig group_;
  std::unique_ptr<InvariantChecker> invariants_;
  std::vector<std::unique_ptr<ServiceReplay>> services_;

  NullLogger null_log_;
  Engine engine_;
  std::unique_ptr<FaultPlan> fault_plan_;
  std::vector<ScaleActionRecord> past_actions_;  // of engines an agent_crash tore down
  std::unique_ptr<ClusterCaches> caches_;        // before the target, which uses them
  std::unique_ptr<HarvesterTarget> target_;
  // nodes_needed counts by placing the work, from the engine's Nomad API (and caches)
  // rather than from the sampled totals that answer the other nomad-apm queries.
  std::unique_ptr<NomadApmSource> apm_;
  std::unique_ptr<QueryRouter> cluster_sources_;
  std::unique_ptr<NomadJobTarget> job_target_;
  std::vector<std::unique_ptr<PolicyEvaluator>> evaluators_;
  std::int64_t evaluations_ = 0;

  std::int64_t total_allocs_ = 0, never_placeable_ = 0;
  std::vector<double> pending_seconds_;
  std::map<std::string, JobProgress> jobs_;
  double vm_seconds_ = 0;          // VMs not stopped
  double stopped_vm_seconds_ = 0;  // VMs stopped (the warm pool)
  std::vector<double> vm_counts_;
  std::vector<double> stopped_counts_;
};

}  // namespace ha
