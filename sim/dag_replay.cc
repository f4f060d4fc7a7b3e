#include "sim/dag_replay.h"

namespace ha {

DagReplay::DagReplay(EventLoop& loop, NomadModel& nomad, const std::vector<DagJob>& jobs,
                     std::int64_t node_cpu_mhz, std::int64_t node_memory_mb)
    : loop_(loop),
      nomad_(nomad),
      jobs_(jobs),
      node_cpu_mhz_(node_cpu_mhz),
      node_memory_mb_(node_memory_mb) {}

void DagReplay::start(Time horizon) {
  state_.resize(jobs_.size());
  for (std::size_t j = 0; j < jobs_.size(); ++j) {
    const DagJob& job = jobs_[j];
    JobState& s = state_[j];
    s.tasks.resize(job.tasks.size());
    s.tasks_left = job.tasks.size();
    for (std::size_t t = 0; t < job.tasks.size(); ++t) {
      s.tasks[t].preds_left = job.tasks[t].preds.size();
      if (!job.tasks[t].preds.empty() || job.tasks[t].start > horizon) continue;
      loop_.at(job.tasks[t].start, [this, j, t] { submit(j, t); });
    }
  }
}

void DagReplay::submit(std::size_t j, std::size_t t) {
  const DagTask& task = jobs_[j].tasks[t];
  JobState& s = state_[j];
  if (!s.first_submit) {
    s.first_submit = loop_.now();
    ++jobs_started_;
  }
  allocs_submitted_ += task.instances;
  if (task.cpu_mhz > node_cpu_mhz_ || task.memory_mb > node_memory_mb_) {
    never_placeable_ += task.instances;  // reported; its successors never run
    s.blocked = true;
    return;
  }
  std::string id = jobs_[j].name;
  id += '/';
  id += task.name;
  by_nomad_job_[id] = {j, t};
  NomadJobSpec spec{
      id, "batch", {{"task", task.instances, task.cpu_mhz, task.memory_mb, task.duration}}};
  static_cast<void>(nomad_.register_job(spec));
}

void DagReplay::on_alloc_event(const NomadAllocEvent& e) {
  if (e.kind != NomadAllocEvent::Kind::kCompleted) return;
  auto it = by_nomad_job_.find(e.job_id);
  if (it == by_nomad_job_.end()) return;
  std::size_t j = it->second.first, t = it->second.second;  // (clang 14: no capture of bindings)
  JobState& s = state_[j];
  if (++s.tasks[t].completed < jobs_[j].tasks[t].instances) return;
  by_nomad_job_.erase(it);
  if (--s.tasks_left == 0) makespans_.push_back(to_seconds(loop_.now() - *s.first_submit));
  for (std::size_t next : jobs_[j].tasks[t].succs) {
    // Posted, not called: this runs inside the model's event callback, and registering a
    // job from there would change the model under the caller's feet.
    if (--s.tasks[next].preds_left == 0) loop_.post([this, j, next] { submit(j, next); });
  }
}

}  // namespace ha
