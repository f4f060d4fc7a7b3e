// NomadModel: blocked evaluations as Nomad's schedulers make and keep them.
//
// A scheduling pass that cannot place all of a job's allocations leaves one blocked
// evaluation for the job, its FailedTGAllocs counting the failures of that pass
// (scheduler/generic_sched.go createBlockedEval; nomad/structs/eval.go CreateBlockedEval,
// QueuedAllocations unset). When capacity appears Nomad runs it again; if some allocations
// still fail it reblocks a copy that keeps the first FailedTGAllocs (generic_sched.go
// l.161-171), so the counts over-state the work after a partial placement. New work (a new
// evaluation) replaces it. A system job gets one per node where its allocation does not fit
// (scheduler_system.go addBlocked, with the NodeID).
#include <algorithm>

#include "backends/memory/nomad_model.h"

namespace ha {

bool NomadModel::considers(const Job& job, const Node& n) const {
  return job_may_run_in(job.datacenters, job.node_pool, n.info.datacenter, n.info.node_pool);
}

bool NomadModel::feasible(const Job& job, const Node& n) const {
  return considers(job, n) &&
         (job.node_class_constraint.empty() || n.info.node_class == job.node_class_constraint);
}

NomadAllocMetric NomadModel::failure_metric(const Job& job, std::int64_t failed) const {
  // Every ready node the scheduler considered was either filtered by the constraint or
  // lacked room (it would have placed the allocation otherwise).
  NomadAllocMetric m;
  for (std::uint32_t i : listed_) {
    const Node& n = nodes_[i];
    if (!schedulable(n) || n.drain || !considers(job, n)) continue;
    ++m.nodes_evaluated;
    ++(feasible(job, n) ? m.nodes_exhausted : m.nodes_filtered);
  }
  m.nodes_in_pool = m.nodes_evaluated;
  m.coalesced_failures = std::max<std::int64_t>(failed - 1, 0);
  return m;
}

void NomadModel::block_evaluations() {
  std::erase_if(blocked_evals_, [this](const auto& e) {
    return e.first.second < 0 && jobs_[e.first.first].queued == 0;
  });
  for (std::uint32_t j : jobs_queued_) {
    auto [it, fresh] = blocked_evals_.try_emplace({j, -1});
    if (!fresh) continue;  // reblocked: its first FailedTGAllocs stay
    const Job& job = jobs_[j];
    it->second = {ids_.next(), index_, job.modify_index, {}};
    for (const Group& g : job.groups) {
      if (g.queued > 0) it->second.failed[g.spec.name] = failure_metric(job, g.queued);
    }
  }
}

void NomadModel::block_system_evaluation(std::uint32_t job, std::uint32_t node, bool blocked) {
  std::pair key{job, static_cast<std::int32_t>(node)};
  if (!blocked) {
    blocked_evals_.erase(key);
    return;
  }
  auto [it, fresh] = blocked_evals_.try_emplace(key);
  if (!fresh) return;
  const Job& j = jobs_[job];
  it->second = {ids_.next(), index_, j.modify_index, {}};
  for (const Group& g : j.groups) {
    NomadAllocMetric m{1, 0, 1, 1, 0};  // the one node, without room
    it->second.failed[g.spec.name] = m;
  }
}

std::vector<NomadEvaluation> NomadModel::blocked_evaluations() const {
  std::vector<NomadEvaluation> out;
  for (const auto& [key, e] : blocked_evals_) {
    const Job& job = jobs_[key.first];
    std::string node_id;
    if (key.second >= 0) {
      const Node& n = nodes_[static_cast<std::size_t>(key.second)];
      if (!schedulable(n)) continue;  // the node left: nothing blocks on it
      node_id = n.info.id;
    } else if (job.queued == 0) {
      continue;  // placed since the last pass
    }
    NomadEvaluation out_e{
        e.id, job.id,         job.namespace_, job.type,          "blocked", "queued-allocs",
        {},   e.create_index, e.create_index, e.job_modify_index};
    out_e.failed_tg_allocs = e.failed;
    out_e.node_id = std::move(node_id);
    out.push_back(std::move(out_e));
  }
  return out;
}

}  // namespace ha
