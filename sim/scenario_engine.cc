// ScenarioRun: starting the run, and the engine it drives (built, crashed by an agent_crash
// fault, built again), the fault plan and the checks at the end. The rest: scenario_run.cc.
#include <algorithm>

#include "engine/policy/policy_parser.h"
#include "sim/scenario_run.h"

namespace ha {
namespace {

// Leaks are judged over tens of minutes; a sample every 5 minutes keeps a month-long run of
// thousands of VMs quick (every minute cost scale-30d 5x its run time).
constexpr Duration kLeakSampleStep = std::chrono::minutes(5);

}  // namespace

Result<void> ScenarioRun::start(Engine engine) {
  engine_ = engine;
  for (const FaultSpec& f : scenario_.faults) {
    bool injectable =
        f.api == "nomad" ? engine.nomad_faults != nullptr : engine.harvester_faults != nullptr;
    if (f.is_api_fault() && !injectable) {
      return make_error(f.pointer + ": " + f.kind + " faults need a fault injector on the " +
                        f.api + " API");
    }
    if (f.kind == "agent_crash" && !(engine.nomad && engine.harvester)) {
      return make_error(f.pointer + ": agent_crash needs an engine (simulate, emulate, chaos)");
    }
  }
  schedule_tasks();
  // Services (rate-csv): registered now, scaled by their task-group policies.
  for (const RateDrivenService& svc : workload_.services) {
    services_.push_back(std::make_unique<ServiceReplay>(loop_, nomad_, svc, kSampleStep));
  }
  for (std::size_t i = 0; i < services_.size(); ++i) {
    auto first = std::find_if(service_policies_.begin(), service_policies_.end(),
                              [i](const auto& sp) { return sp.second == i; });
    const Policy* p = first->first;
    if (auto r = services_[i]->start(p->min, p->max, scenario_.duration); !r) return r.error();
    // Nomad holds a task-group policy as the job's scaling block: GET /v1/scaling/policies
    // lists it (what `record` reads), with its body in the HCL-JSON shape, target left out.
    nlohmann::json body = to_hcl_json({*p})["scaling"][p->id]["policy"];
    body.erase("target");
    const RateDrivenService& svc = workload_.services[i];
    nomad_.add_scaling_policy(
        {"", "horizontal", "default", svc.job, svc.group, p->min, p->max, p->enabled, body, 0});
  }
  if (auto r = build_engine(); !r) return r;
  fault_plan_ = std::make_unique<FaultPlan>(
      loop_, scenario_.faults,
      FaultPlan::Targets{engine.nomad_faults, engine.harvester_faults, &harvester_, &nomad_,
                         [this](const FaultSpec& f) { return crash_engine(f); }});
  fault_plan_->start(scenario_.duration);
  invariants_->watch_leaks(leak_settle_time(), kLeakSampleStep, scenario_.duration);
  loop_.at(scenario_.duration, [this] { final_checks(); });
  dags_.start(scenario_.duration);
  metrics_.start(scenario_.duration);
  sample_cost();
  return {};
}

Result<void> ScenarioRun::build_engine() {
  if (!engine_.nomad) return {};
  Logger& log = engine_.log ? *engine_.log : null_log_;
  auto count_evaluation = [this](const EvaluationRecord&) { ++evaluations_; };
  if (engine_.harvester) build_cluster_engine(log, count_evaluation);
  job_target_ = std::make_unique<NomadJobTarget>(loop_, *engine_.nomad, log);
  for (auto& [policy, index] : service_policies_) {
    ServiceReplay* replay = services_[index].get();
    auto c = CompiledPolicy::compile(*policy);
    if (!c) return c.error();
    auto service_sources = [replay](std::string_view name) -> MetricsSource* {
      return name == "sim" ? replay : nullptr;
    };
    evaluators_.push_back(std::make_unique<PolicyEvaluator>(
        loop_, *c, *job_target_, service_sources, log, count_evaluation));
  }
  for (auto& e : evaluators_) e->start();
  return {};
}

void ScenarioRun::build_cluster_engine(Logger& log, const PolicyEvaluator::RecordSink& count) {
  HarvesterTarget::Options target_options;
  if (scenario_.cluster_state == "watch") {
    caches_ = std::make_unique<ClusterCaches>(loop_, *engine_.harvester, *engine_.nomad,
                                              ClusterCaches::Options{});
    target_options.caches = caches_.get();
  }
  target_ = std::make_unique<HarvesterTarget>(loop_, *engine_.nomad, *engine_.harvester, log,
                                              target_options);
  apm_ = std::make_unique<NomadApmSource>(loop_, *engine_.nomad, caches_.get());
  cluster_sources_ = std::make_unique<QueryRouter>(metrics_, *apm_, "nodes_needed");
  auto sources = [this](std::string_view name) -> MetricsSource* {
    return name == "sim" || name == "nomad-apm" ? cluster_sources_.get() : nullptr;
  };
  for (const auto& c : cluster_policies_) {
    evaluators_.push_back(
        std::make_unique<PolicyEvaluator>(loop_, c, *target_, sources, log, count));
  }
}

bool ScenarioRun::crash_engine(const FaultSpec& fault) {
  if (!target_) return false;  // down already (an earlier crash has not restarted yet)
  if (fault.when == "scale_in" && !target_->in_flight(Direction::kDown)) return false;
  if (fault.when == "scale_out" && !target_->in_flight(Direction::kUp)) return false;
  // Calls already sent still land in the models, as requests a killed process had sent.
  past_actions_.insert(past_actions_.end(), target_->actions().begin(), target_->actions().end());
  evaluators_.clear();
  job_target_.reset();
  target_.reset();
  cluster_sources_.reset();
  apm_.reset();
  caches_.reset();  // a restarted agent starts with empty caches
  loop_.after(fault.restart_after, [this] {
    if (!target_) static_cast<void>(build_engine());  // compiled before: cannot fail now
  });
  return true;
}

Duration ScenarioRun::leak_settle_time() const {
  HarvesterTarget::Options defaults;
  Duration settle = defaults.provision_timeout + group_.drain_deadline + defaults.drain_grace +
                    std::chrono::minutes(10);
  for (const FaultSpec& f : scenario_.faults) {
    // While an API is down (or crashed), nothing can be brought in or taken away.
    if (f.kind == "outage") settle += f.until.value_or(scenario_.duration) - f.from;
    if (f.kind == "agent_crash") settle += f.restart_after;
  }
  return settle;
}

void ScenarioRun::final_checks() {
  std::map<std::string, std::int64_t> expected;
  for (const auto& [id, job] : jobs_) expected[id] = job.expected;
  invariants_->check_allocations(expected);
  invariants_->check_volumes();
  invariants_->check_purges();
}

}  // namespace ha
