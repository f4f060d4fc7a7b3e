// FaultPlan: carries out a scenario's faults over the run's time. API faults become rules of
// the fault injectors the engine's APIs consult, switched on and off at their window's edges;
// model faults (stuck VMs, nodes that never join, stuck drains) set the models' fault rates
// from the faults active at each edge; an agent crash is handed to `crash` at its time (and,
// with `when`, at the first poll after it that finds such a scale action under way); a host
// maintenance (one host, or every host in turn) and guests failing happen to the Harvester
// model at theirs.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "backends/memory/faults.h"
#include "backends/memory/harvester_model.h"
#include "backends/memory/nomad_model.h"
#include "base/event_loop.h"
#include "sim/fault_spec.h"

namespace ha {

class FaultPlan {
 public:
  struct Targets {
    FaultInjector* nomad_api = nullptr;
    FaultInjector* harvester_api = nullptr;
    HarvesterModel* harvester = nullptr;
    NomadModel* nomad = nullptr;
    // Crashes the engine if the fault's `when` holds now; false: not yet, ask again later.
    std::function<bool(const FaultSpec&)> crash;
  };
  FaultPlan(EventLoop& loop, const std::vector<FaultSpec>& faults, Targets targets);

  // Schedules every fault that starts before `end`. With `begin_due_now`, the faults due
  // now begin before it returns (a server's next request sees them), not at the next event.
  void start(Time end, bool begin_due_now = false);
  // Ends every fault now: cancels what is scheduled, removes the rules it added and clears
  // the model faults (a standalone mock replacing its faults).
  void stop();
  std::int64_t crashes() const { return crashes_; }
  std::int64_t maintenances() const { return maintenances_; }  // host_maintenance faults
  std::int64_t guest_restarts() const { return restarts_; }    // guests vm_restarts failed

 private:
  void begin(std::size_t i);
  void finish(std::size_t i);
  void update_models();
  void try_crash(std::size_t i, Time end);
  void happen(std::size_t i);  // a host maintenance, or guests failing

  EventLoop& loop_;
  const std::vector<FaultSpec>& faults_;
  Targets targets_;
  std::vector<bool> active_;
  std::map<std::size_t, FaultInjector::RuleId> rules_;
  std::vector<EventLoop::TimerId> timers_;
  std::int64_t crashes_ = 0, maintenances_ = 0, restarts_ = 0;
};

}  // namespace ha
