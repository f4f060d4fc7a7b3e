// Workload read from a trace: task groups submitted at a time, each asking for `count`
// allocations of a size, running for `duration` (or until the end, for services).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/time.h"

namespace ha {

struct TraceTask {
  Time submit{0};
  std::string job;
  std::string group;
  std::string type;  // service | batch | system
  std::int64_t count = 1;
  std::int64_t cpu_mhz = 0;
  std::int64_t memory_mb = 0;
  std::optional<Duration> duration;  // empty: runs until the simulation ends
};

// allocs-csv: header `submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s`.
// duration_s may be empty (or 0) for service and system rows; batch rows need it > 0.
// Errors name FILE:LINE and the column.
Result<std::vector<TraceTask>> read_allocs_csv(const std::string& path);

// swf: the Standard Workload Format of the Parallel Workloads Archive (`;` comments, 18
// columns). Each job becomes a batch task group of one allocation per processor (allocated
// processors, else requested), each `cpu_mhz_per_proc` MHz and the requested memory per
// processor (SWF gives KB; -1 means `memory_mb_default`), running for the job's run time
// (else its requested time). Cancelled jobs (status 5) are skipped and counted; so are jobs
// with no processors or no time.
struct SwfTrace {
  std::vector<TraceTask> tasks;
  std::int64_t cancelled = 0;
  std::int64_t unusable = 0;
};
Result<SwfTrace> read_swf(const std::string& path, std::int64_t cpu_mhz_per_proc,
                          std::int64_t memory_mb_default);

}  // namespace ha
