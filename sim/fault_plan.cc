#include "sim/fault_plan.h"

#include <algorithm>

namespace ha {
namespace {

constexpr Duration kCrashPoll = std::chrono::seconds(10);

}  // namespace

FaultPlan::FaultPlan(EventLoop& loop, const std::vector<FaultSpec>& faults, Targets targets)
    : loop_(loop), faults_(faults), targets_(std::move(targets)), active_(faults.size(), false) {}

void FaultPlan::start(Time end, bool begin_due_now) {
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const FaultSpec& f = faults_[i];
    if (f.from > end) continue;
    if (f.kind == "agent_crash") {
      timers_.push_back(loop_.at(f.from, [this, i, end] { try_crash(i, end); }));
      continue;
    }
    if (f.is_event()) {
      timers_.push_back(loop_.at(f.from, [this, i] { happen(i); }));
      continue;
    }
    if (begin_due_now && f.from <= loop_.now()) {
      begin(i);
    } else {
      timers_.push_back(loop_.at(f.from, [this, i] { begin(i); }));
    }
    if (f.until) timers_.push_back(loop_.at(*f.until, [this, i] { finish(i); }));
  }
}

void FaultPlan::stop() {
  for (EventLoop::TimerId id : timers_) loop_.cancel(id);
  timers_.clear();
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    if (active_[i]) finish(i);
  }
}

void FaultPlan::try_crash(std::size_t i, Time end) {
  if (targets_.crash && targets_.crash(faults_[i])) {
    ++crashes_;
    return;
  }
  if (loop_.now() + kCrashPoll <= end)
    timers_.push_back(loop_.after(kCrashPoll, [this, i, end] { try_crash(i, end); }));
}

void FaultPlan::happen(std::size_t i) {
  const FaultSpec& f = faults_[i];
  if (targets_.harvester == nullptr) return;
  if (f.kind == "host_maintenance") {
    ++maintenances_;
    if (f.host < 0) {
      targets_.harvester->upgrade_hosts();
    } else {
      static_cast<void>(targets_.harvester->maintain_host(f.host % targets_.harvester->hosts()));
    }
  } else if (f.kind == "vm_restarts") {
    restarts_ += targets_.harvester->fail_guests(f.rate);
  }
}

void FaultPlan::begin(std::size_t i) {
  const FaultSpec& f = faults_[i];
  active_[i] = true;
  if (!f.is_api_fault()) {
    update_models();
    return;
  }
  FaultInjector* injector = f.api == "nomad" ? targets_.nomad_api : targets_.harvester_api;
  if (injector == nullptr) return;
  FaultRule rule;
  rule.error_rate = f.rate;
  rule.timeout_rate = f.timeout_rate;
  rule.timeout = f.timeout;
  rule.kind = f.status;
  rule.applied = f.applied;
  rule.extra_latency = f.latency;
  rule.message =
      f.kind == "outage" ? f.api + " unavailable (injected outage)" : "injected " + f.kind;
  rules_[i] = injector->add_rule(f.kind == "outage" ? "*" : f.op, rule);
}

void FaultPlan::finish(std::size_t i) {
  const FaultSpec& f = faults_[i];
  active_[i] = false;
  if (!f.is_api_fault()) {
    update_models();
    return;
  }
  auto it = rules_.find(i);
  if (it == rules_.end()) return;
  FaultInjector* injector = f.api == "nomad" ? targets_.nomad_api : targets_.harvester_api;
  injector->remove_rule(it->second);
  rules_.erase(it);
}

void FaultPlan::update_models() {
  HarvesterModel::BootFaults boot;
  double stuck_drain = 0;
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    if (!active_[i]) continue;
    const FaultSpec& f = faults_[i];
    if (f.kind == "vm_stuck_starting") boot.stuck_starting = std::max(boot.stuck_starting, f.rate);
    if (f.kind == "vm_unschedulable") boot.unschedulable = std::max(boot.unschedulable, f.rate);
    if (f.kind == "node_never_joins") boot.never_join = std::max(boot.never_join, f.rate);
    if (f.kind == "drain_stuck") stuck_drain = std::max(stuck_drain, f.rate);
  }
  if (targets_.harvester) targets_.harvester->set_boot_faults(boot);
  if (targets_.nomad) targets_.nomad->set_stuck_drain_rate(stuck_drain);
}

}  // namespace ha
