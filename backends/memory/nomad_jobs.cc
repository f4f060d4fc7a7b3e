// NomadModel: jobs (register, read, scale, list; their events) and the scaling policies it
// serves. Their allocations' placement: nomad_scheduling.cc.
#include "backends/memory/nomad_model.h"

namespace ha {

Result<Unit> NomadModel::register_job(const NomadJobSpec& spec) {
  if (job_by_id_.count(spec.id)) return make_error("job \"" + spec.id + "\" already registered");
  if (spec.type != "service" && spec.type != "batch" && spec.type != "system") {
    return make_error("job \"" + spec.id + "\": unknown type \"" + spec.type + "\"");
  }
  auto job = static_cast<std::uint32_t>(jobs_.size());
  jobs_.push_back(Job{spec.id,
                      spec.type,
                      spec.namespace_.empty() ? "default" : spec.namespace_,
                      {},
                      loop_.now(),
                      0,
                      ++index_});
  jobs_[job].node_pool = spec.node_pool.empty() ? "default" : spec.node_pool;
  if (!spec.datacenters.empty()) jobs_[job].datacenters = spec.datacenters;
  jobs_[job].node_class_constraint = spec.node_class_constraint;
  job_by_id_[spec.id] = job;
  for (const NomadTaskGroupSpec& g : spec.groups) jobs_[job].groups.push_back(Group{g, {}});
  record_job_event(jobs_[job]);
  if (spec.type == "system") {
    system_jobs_.push_back(job);
    for (std::uint32_t n = 0; n < nodes_.size(); ++n) place_system_allocs(n);
    return Unit{};
  }
  for (std::uint32_t g = 0; g < jobs_[job].groups.size(); ++g) {
    for (std::int64_t i = 0; i < jobs_[job].groups[g].spec.count; ++i) {
      enqueue(new_alloc(job, g, loop_.now()));
    }
  }
  return Unit{};
}

Result<NomadJobScaleStatus> NomadModel::job_scale_status(const std::string& job_id) const {
  auto it = job_by_id_.find(job_id);
  if (it == job_by_id_.end()) return make_error("job not found", ErrorKind::kNotFound);
  NomadJobScaleStatus out;
  out.job_id = job_id;
  out.namespace_ = jobs_[it->second].namespace_;
  for (const Group& g : jobs_[it->second].groups) {
    NomadTaskGroupScaleStatus& s = out.task_groups[g.spec.name];
    s.desired = g.spec.count;
    for (std::uint32_t a : g.allocs) s.running += allocs_[a].state == AllocState::kRunning ? 1 : 0;
    s.placed = s.healthy = s.running;  // the model has no health checks: running is healthy
    s.last_event = g.scaled_at;
  }
  return out;
}

Result<NomadJob> NomadModel::job(const std::string& job_id) const {
  auto it = job_by_id_.find(job_id);
  if (it == job_by_id_.end()) return make_error("job not found", ErrorKind::kNotFound);
  const Job& j = jobs_[it->second];
  NomadJob out{j.id,        j.namespace_, j.type,         "running",   {},
               j.submitted, j.version,    j.modify_index, j.node_pool, j.datacenters};
  bool live = false;
  for (const Group& g : j.groups) {
    out.task_groups.push_back({g.spec.name, g.spec.count, g.spec.cpu_mhz, g.spec.memory_mb});
    live = live || !g.allocs.empty();
  }
  // A batch job whose allocations have all ended is dead, as Nomad says of it.
  if (!live && j.type == "batch") out.status = "dead";
  return out;
}

void NomadModel::record_job_event(const Job& j) {
  if (!events_wanted_) return;
  auto job = this->job(j.id);
  if (!job) return;
  NomadEvent e{"Job",  "JobRegistered", j.id,    j.namespace_,
               index_, nullptr,         nullptr, std::make_shared<const NomadJob>(std::move(*job))};
  events_.record({index_, {std::move(e)}});
}

std::string NomadModel::add_scaling_policy(NomadScalingPolicy policy) {
  policy.id = ids_.next();
  policy.modify_index = ++index_;
  scaling_policies_.push_back(std::move(policy));
  return scaling_policies_.back().id;
}

std::vector<NomadJobSummary> NomadModel::list_jobs() const {
  std::vector<NomadJobSummary> out;
  out.reserve(jobs_.size());
  for (const Job& job : jobs_) out.push_back(summary_of(job));
  return out;
}

Result<NomadJobSummary> NomadModel::job_summary(const std::string& job_id) const {
  auto it = job_by_id_.find(job_id);
  if (it == job_by_id_.end()) return make_error("job not found", ErrorKind::kNotFound);
  return summary_of(jobs_[it->second]);
}

NomadJobSummary NomadModel::summary_of(const Job& job) const {
  // Queued: allocations no node has taken yet (Nomad's state store lowers it as the
  // scheduler places them, nomad/state/state_store.go updateSummaryWithAlloc).
  NomadJobSummary j{job.id, job.namespace_, job.type, "dead", {}, job.submitted};
  bool any_running = false, any_queued = false;
  for (const Group& g : job.groups) {
    NomadTaskGroupSummary& s = j.task_groups[g.spec.name];
    for (std::uint32_t a : g.allocs) {
      ++(allocs_[a].state == AllocState::kRunning ? s.running : s.queued);
    }
    s.complete = g.complete;
    s.lost = g.lost;
    any_running = any_running || s.running > 0;
    any_queued = any_queued || s.queued > 0;
  }
  j.status = any_running ? "running" : any_queued ? "pending" : "dead";
  return j;
}

Result<Unit> NomadModel::scale_job(const std::string& job_id, const std::string& group,
                                   std::int64_t count) {
  auto it = job_by_id_.find(job_id);
  if (it == job_by_id_.end()) return make_error("job not found", ErrorKind::kNotFound);
  if (count < 0) return make_error("scaling action count can't be negative");
  Job& job = jobs_[it->second];
  if (job.type == "system") return make_error("cannot scale a system job");
  for (std::uint32_t g = 0; g < job.groups.size(); ++g) {
    Group& grp = job.groups[g];
    if (grp.spec.name != group) continue;
    grp.spec.count = count;
    grp.scaled_at = loop_.now();
    blocked_evals_.erase({it->second, -1});  // the job's new evaluation replaces it
    job.submitted = loop_.now();
    ++job.version;
    job.modify_index = ++index_;
    record_job_event(job);
    while (static_cast<std::int64_t>(grp.allocs.size()) < count) {
      enqueue(new_alloc(it->second, g, loop_.now()));
    }
    // Scale-in stops the newest allocations first, queued ones before placed ones.
    while (static_cast<std::int64_t>(grp.allocs.size()) > count) {
      std::int32_t node = end_alloc(grp.allocs.back(), NomadAllocEvent::Kind::kStopped, false);
      if (node >= 0) check_drain_done(static_cast<std::uint32_t>(node));
    }
    schedule_pending();
    return Unit{};
  }
  return make_error("task group \"" + group + "\" not found in job \"" + job_id + "\"");
}

Result<std::vector<NomadAllocationStub>> NomadModel::job_allocations(
    const std::string& job_id) const {
  auto it = job_by_id_.find(job_id);
  if (it == job_by_id_.end()) return make_error("job not found", ErrorKind::kNotFound);
  std::vector<NomadAllocationStub> out;
  for (const Group& g : jobs_[it->second].groups) {
    for (std::uint32_t a : g.allocs) {
      if (allocs_[a].state == AllocState::kRunning) out.push_back(stub(allocs_[a]));
    }
  }
  return out;
}

Result<NomadAllocUsage> NomadModel::allocation_stats(const std::string& alloc_id) const {
  // As a client answers: only for an allocation it runs (stopping ones included).
  for (const Alloc& a : allocs_) {
    if (a.id != alloc_id || a.node < 0 ||
        !((a.live && a.state == AllocState::kRunning) || a.stopping)) {
      continue;
    }
    const NomadTaskGroupSpec& g = jobs_[a.job].groups[a.group].spec;
    NomadAllocUsage u;
    u.task = g.name;
    u.cpu_total_ticks = static_cast<double>(g.cpu_mhz) * g.cpu_use;
    u.cpu_percent = 100.0 * u.cpu_total_ticks / kCoreMhz;
    u.memory_usage = static_cast<std::uint64_t>(static_cast<double>(g.memory_mb) * g.memory_use *
                                                1024.0 * 1024.0);
    return u;
  }
  return make_error("Unknown allocation \"" + alloc_id + "\"", ErrorKind::kNotFound);
}

}  // namespace ha
