// DagReplay: alibaba-batch jobs in a simulation. A job's root tasks are submitted at their
// start in the trace; any other task when all its predecessors have finished, in simulated
// time, so a slow scale-out delays everything after it. Each task is a Nomad batch job
// "<job>/<task>" of `instances` allocations. A task larger than a node is never submitted
// (counted as never placeable) and its job never completes.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "backends/memory/nomad_model.h"
#include "sim/trace.h"

namespace ha {

class DagReplay {
 public:
  DagReplay(EventLoop& loop, NomadModel& nomad, const std::vector<DagJob>& jobs,
            std::int64_t node_cpu_mhz, std::int64_t node_memory_mb);

  // Schedules the root tasks that start before `horizon`.
  void start(Time horizon);
  // Feed every allocation event of the Nomad model.
  void on_alloc_event(const NomadAllocEvent& e);

  std::int64_t jobs_started() const { return jobs_started_; }
  std::int64_t allocations_submitted() const { return allocs_submitted_; }
  std::int64_t never_placeable() const { return never_placeable_; }
  // Seconds from a job's first submission to its last task's end, for finished jobs.
  const std::vector<double>& makespans() const { return makespans_; }

 private:
  struct TaskState {
    std::int64_t completed = 0;
    std::size_t preds_left = 0;
  };
  struct JobState {
    std::vector<TaskState> tasks;
    std::size_t tasks_left = 0;
    std::optional<Time> first_submit;
    bool blocked = false;  // a task can never run
  };
  void submit(std::size_t job, std::size_t task);

  EventLoop& loop_;
  NomadModel& nomad_;
  const std::vector<DagJob>& jobs_;
  std::int64_t node_cpu_mhz_, node_memory_mb_;
  std::vector<JobState> state_;
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> by_nomad_job_;
  std::int64_t jobs_started_ = 0, allocs_submitted_ = 0, never_placeable_ = 0;
  std::vector<double> makespans_;
};

}  // namespace ha
