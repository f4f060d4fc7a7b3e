// Workload read from a trace: task groups submitted at a time, each asking for `count`
// allocations of a size, running for `duration` (or until the end, for services).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"

namespace ha {

// The largest number a trace may hold where a time (seconds) or a size is expected: loop
// time counts nanoseconds in 64 bits (about 292 years), so larger values are errors naming
// the line, not conversions that overflow (found by fuzzing).
inline constexpr double kMaxTraceNumber = 1e9;

struct TraceTask {
  Time submit{0};
  std::string job;
  std::string group;
  std::string type;  // service | batch | system
  std::int64_t count = 1;
  std::int64_t cpu_mhz = 0;
  std::int64_t memory_mb = 0;
  std::optional<Duration> duration;           // empty: runs until the simulation ends
  std::optional<Duration> kill_timeout = {};  // empty: Nomad's default (5 s)
  std::string namespace_ = "default";
};

// allocs-csv: header `submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s`, optionally
// followed by `,kill_timeout_s` and `,namespace` (empty cells: 5 s, default).
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

// rate-csv: header `time_s,value`; the value (a load, >= 0) holds until the next row.
// Times must not go back.
struct LoadPoint {
  Time time{0};
  double value = 0;
};
Result<std::vector<LoadPoint>> read_rate_csv(const std::string& path);

// alibaba-batch: batch_task.csv of Alibaba's cluster-trace-v2018, no header, 9 columns:
// task_name, instance_num, job_name, task_type, status, start_time, end_time, plan_cpu,
// plan_mem. A task name `<letters><n>[_<d>...]` is task n depending on tasks d of the same
// job (`M1`, `R2_1`, `J4_2_3`); other names are tasks without dependencies. Each job is a
// DAG (Boost.Graph); a dependency on a task the job lacks, or a cycle, is an error naming
// the job. Times are made relative to the earliest start. Rows without a start, an end
// after it, or a cpu/memory plan are unusable: their whole job is skipped and counted.
struct DagTask {
  std::string name;
  std::int64_t instances = 1;
  std::int64_t cpu_mhz = 0, memory_mb = 0;
  Duration duration{0};
  Time start{0};                   // when it started in the trace (used for root tasks)
  std::vector<std::size_t> preds;  // positions in DagJob::tasks
  std::vector<std::size_t> succs;
};
struct DagJob {
  std::string name;
  std::vector<DagTask> tasks;  // topologically ordered: predecessors first
};
struct AlibabaTrace {
  std::vector<DagJob> jobs;
  std::int64_t skipped_jobs = 0;
};
// plan_cpu 100 = one core = `cpu_mhz_per_core` MHz; plan_mem is a percentage of
// `machine_memory_mb`.
Result<AlibabaTrace> read_alibaba_batch(const std::string& path, std::int64_t cpu_mhz_per_core,
                                        std::int64_t machine_memory_mb);

}  // namespace ha
