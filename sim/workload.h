// A scenario's workload once its traces are read: plain task groups (allocs-csv, swf),
// load-driven services scaled by their own task-group policy (rate-csv), and DAG batch
// jobs (alibaba-batch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/trace.h"

namespace ha {

// rate-csv: a service job whose task group `group` serves `load`; one allocation serves
// `per_alloc_capacity` of it. Its count is set by a nomad-target policy naming job/group.
struct RateDrivenService {
  std::string job, group;
  double per_alloc_capacity = 1;
  std::int64_t cpu_mhz = 0, memory_mb = 0;
  std::vector<LoadPoint> load;
  std::string source;  // FILE: pointer of the workload entry, for messages
  // The allocations it starts with (within the policy's min and max); none: enough for the
  // load at time zero.
  std::optional<std::int64_t> initial_count = std::nullopt;
};

struct Workload {
  std::vector<TraceTask> tasks;
  std::vector<RateDrivenService> services;
  std::vector<DagJob> dag_jobs;
  // What the readers skipped, for the summary.
  std::int64_t swf_cancelled = 0, swf_unusable = 0, dag_jobs_skipped = 0;
};

}  // namespace ha
