// What `record` makes of a task group whose load it read from Prometheus (RateRecorder): a
// rate-csv service of the scenario (docs/scenarios.md), driven by that load and scaled by a
// task-group policy, in place of the group's rows in trace.allocs.csv.
//
// From the load L(t) and the group's running allocations N(t) (its recorded work) at each
// point where some ran, the load an allocation carried is L/N. The scenario takes:
// - per_alloc_capacity: its 95th percentile (the most an allocation was seen to carry);
// - the policy's target-value target on `load_per_alloc`: its median (where the cluster's
//   own scaling held it);
// - min, max, cooldown and evaluation_interval from Nomad's own policy of the group when
//   there is one; else 1, twice the most allocations seen running, and upstream's defaults
//   (5m, 10s);
// - initial_count: the allocations running when the recording began, so that the replay
//   starts where the cluster was;
// - the allocations' resources: those of the group's newest work.
// Without a point at which an allocation ran and the load was above zero, the group stays
// in the trace, and record.json says why.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/record/rate_recorder.h"
#include "agent/record/workload_recorder.h"

namespace ha {

struct RateServiceFiles {
  std::string csv_path, csv;        // rates/<job>.<group>.csv: time_s,value
  std::string policy_path, policy;  // policies/service-<job>.<group>.hcl
  nlohmann::ordered_json workload;  // the scenario's rate-csv entry
};

struct RateService {
  std::optional<RateServiceFiles> files;  // none: the group stays in the trace
  nlohmann::ordered_json seen;            // record.json's entry: the estimates, or why not
};

// `job` and `group` are the names to write (pseudonyms with --anonymize); `policy` is
// Nomad's own policy of the group, if any; `start` and `end` the recording's span.
RateService rate_service(const RecordedLoad& load, const WorkloadRecorder::GroupRuns& runs,
                         const NomadScalingPolicy* policy, Time start, Time end,
                         const std::string& job, const std::string& group);

}  // namespace ha
