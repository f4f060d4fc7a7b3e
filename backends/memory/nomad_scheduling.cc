// NomadModel: allocation placement (binpack / spread), the blocked queue and its blocked
// evaluations, and drains.
#include <algorithm>

#include "backends/memory/nomad_model.h"

namespace ha {

std::vector<Time> NomadModel::queued_times() const {
  std::vector<Time> out;
  out.reserve(pending_.size());
  for (std::uint32_t a : pending_) out.push_back(allocs_[a].queued_at);
  return out;
}

std::uint32_t NomadModel::new_alloc(std::uint32_t job, std::uint32_t group, Time queued_at) {
  std::uint32_t index;
  if (!free_allocs_.empty()) {
    index = free_allocs_.back();
    free_allocs_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(allocs_.size());
    allocs_.emplace_back();
  }
  Alloc& a = allocs_[index];
  a = Alloc{};
  a.id = ids_.next();
  a.job = job;
  a.group = group;
  a.queued_at = queued_at;
  a.job_version = jobs_[job].version;
  a.live = true;
  jobs_[job].groups[group].allocs.push_back(index);
  return index;
}

void NomadModel::emit(NomadAllocEvent::Kind kind, const Alloc& a) {
  allocations_index_ = ++index_;
  // Posted, as node waiters are: they run after the update is complete.
  for (auto& f : allocation_waiters_) loop_.post(std::move(f));
  allocation_waiters_.clear();
  const Job& job = jobs_[a.job];
  if (events_wanted_ && a.state == AllocState::kRunning) record_event(kind, a);
  if (!on_alloc_event) return;
  on_alloc_event({kind, a.id, job.id, job.groups[a.group].spec.name,
                  a.node >= 0 ? nodes_[static_cast<std::size_t>(a.node)].info.id : "",
                  a.queued_at});
}

NomadAllocationStub NomadModel::stub(const Alloc& a) const {
  const Job& job = jobs_[a.job];
  const Group& group = job.groups[a.group];
  const NomadNode& node = nodes_[static_cast<std::size_t>(a.node)].info;
  NomadAllocationStub out{a.id,
                          job.id,
                          group.spec.name,
                          job.type,
                          node.id,
                          "running",
                          "run",
                          group.spec.cpu_mhz,
                          group.spec.memory_mb,
                          node.name};
  if (a.stopping) out.desired_status = "stop";  // its client still stopping it
  out.create_time = a.placed_at;
  out.modify_time = a.changed_at;
  out.job_version = a.job_version;
  out.namespace_ = job.namespace_;
  out.previous_allocation = a.previous;
  return out;
}

void NomadModel::record_event(NomadAllocEvent::Kind kind, const Alloc& a) {
  auto stub = std::make_shared<NomadAllocationStub>(this->stub(a));
  // Placements and stops come from the scheduler's plans (PlanResult), a finished one from
  // its client (AllocationUpdated). The model runs an allocation as soon as it is placed.
  const char* type = "PlanResult";
  if (kind == NomadAllocEvent::Kind::kCompleted) {
    type = "AllocationUpdated";
    stub->client_status = "complete";
  } else if (kind == NomadAllocEvent::Kind::kStopped) {
    stub->desired_status = "stop";  // still running: its client stops it afterwards
  } else if (kind == NomadAllocEvent::Kind::kLost) {
    stub->client_status = "lost";
    stub->desired_status = "stop";
  }
  NomadEvent e{"Allocation",    type,    a.id,   stub->namespace_, index_,
               std::move(stub), nullptr, nullptr};
  events_.record({index_, {std::move(e)}});
}

void NomadModel::count_pending(const Alloc& a, int sign) {
  Job& job = jobs_[a.job];
  job.groups[a.group].queued += sign;
  job.queued += sign;
  if (job.queued > 0) {
    jobs_queued_.insert(a.job);
  } else {
    jobs_queued_.erase(a.job);
  }
  const NomadTaskGroupSpec& g = job.groups[a.group].spec;
  work_.allocs_pending += sign;
  work_.cpu_pending += sign * g.cpu_mhz;
  work_.memory_pending += sign * g.memory_mb;
}

void NomadModel::enqueue(std::uint32_t alloc) {
  // New work is a new evaluation in Nomad (a job registered or scaled, a node down or
  // drained, an allocation stopped): it replaces the job's blocked one, and the pass that
  // runs it blocks a fresh one for whatever it cannot place.
  blocked_evals_.erase({allocs_[alloc].job, -1});
  pending_.push_back(alloc);
  allocs_[alloc].queued = true;
  count_pending(allocs_[alloc], +1);
  emit(NomadAllocEvent::Kind::kQueued, allocs_[alloc]);
  schedule_pending();
}

void NomadModel::schedule_pending() {
  if (pending_pass_scheduled_ || pending_.empty()) return;
  pending_pass_scheduled_ = true;
  loop_.post([this] { run_pending_pass(); });
}

void NomadModel::run_pending_pass() {
  pending_pass_scheduled_ = false;
  std::deque<std::uint32_t> still_blocked;
  while (!pending_.empty()) {
    std::uint32_t a = pending_.front();
    pending_.pop_front();
    if (by_free_cpu_.empty() || !try_place(a)) still_blocked.push_back(a);
  }
  pending_.swap(still_blocked);
  block_evaluations();
}

bool NomadModel::try_place(std::uint32_t alloc) {
  const Job& job = jobs_[allocs_[alloc].job];
  const NomadTaskGroupSpec& g = job.groups[allocs_[alloc].group].spec;
  auto fits_memory = [&](std::uint32_t n) {
    return nodes_[n].info.memory_mb - nodes_[n].memory_used >= g.memory_mb &&
           feasible(job, nodes_[n]);
  };
  if (placement_ == Placement::kBinpack) {
    // Best fit on cpu: the fullest node that still has room, as binpack scoring prefers.
    for (auto it = by_free_cpu_.lower_bound({g.cpu_mhz, 0}); it != by_free_cpu_.end(); ++it) {
      if (fits_memory(it->second)) {
        place_on(alloc, it->second);
        return true;
      }
    }
    return false;
  }
  for (auto it = by_free_cpu_.rbegin(); it != by_free_cpu_.rend() && it->first >= g.cpu_mhz; ++it) {
    if (fits_memory(it->second)) {
      place_on(alloc, it->second);
      return true;
    }
  }
  return false;
}

void NomadModel::place_on(std::uint32_t alloc, std::uint32_t node) {
  Alloc& a = allocs_[alloc];
  const NomadTaskGroupSpec& g = jobs_[a.job].groups[a.group].spec;
  Node& n = nodes_[node];
  if (a.queued) count_pending(a, -1);
  a.queued = false;
  ++work_.allocs_running;
  a.state = AllocState::kRunning;
  a.node = static_cast<std::int32_t>(node);
  a.placed_at = a.changed_at = loop_.now();
  n.cpu_used += g.cpu_mhz;
  n.memory_used += g.memory_mb;
  n.allocs.insert(alloc);
  refresh_schedulable(node);
  if (jobs_[a.job].type == "batch" && g.run_time) {
    a.finish_timer = loop_.after(*g.run_time, [this, alloc] {
      allocs_[alloc].finish_timer.reset();
      std::int32_t on = end_alloc(alloc, NomadAllocEvent::Kind::kCompleted, false);
      if (on >= 0) check_drain_done(static_cast<std::uint32_t>(on));
      schedule_pending();
    });
  }
  emit(NomadAllocEvent::Kind::kPlaced, a);
}

void NomadModel::place_system_allocs(std::uint32_t node) {
  if (!schedulable(nodes_[node])) return;
  for (std::uint32_t j : system_jobs_) {
    for (std::uint32_t g = 0; g < jobs_[j].groups.size(); ++g) {
      bool present = std::any_of(
          nodes_[node].allocs.begin(), nodes_[node].allocs.end(),
          [&](std::uint32_t a) { return allocs_[a].job == j && allocs_[a].group == g; });
      const NomadTaskGroupSpec& spec = jobs_[j].groups[g].spec;
      const Node& n = nodes_[node];
      if (!feasible(jobs_[j], n)) continue;
      bool fits = n.info.cpu_mhz - n.cpu_used >= spec.cpu_mhz &&
                  n.info.memory_mb - n.memory_used >= spec.memory_mb;
      block_system_evaluation(j, node, !present && !fits);
      if (present || !fits) continue;
      std::uint32_t a = new_alloc(j, g, loop_.now());
      emit(NomadAllocEvent::Kind::kQueued, allocs_[a]);
      place_on(a, node);
    }
  }
}

std::int32_t NomadModel::end_alloc(std::uint32_t alloc, NomadAllocEvent::Kind why, bool replace) {
  Alloc& a = allocs_[alloc];
  std::int32_t on = a.node;
  if (a.finish_timer) loop_.cancel(*a.finish_timer);
  a.finish_timer.reset();
  bool stopping = false;
  if (a.state == AllocState::kRunning) {
    --work_.allocs_running;
    Node& n = nodes_[static_cast<std::size_t>(on)];
    const NomadTaskGroupSpec& g = jobs_[a.job].groups[a.group].spec;
    // A stopped allocation leaves its job at once (its replacement is queued) but holds its
    // node's resources until its client has stopped it, up to the kill_timeout later: the
    // scheduler skips client-terminal allocations only (scheduler/feasible/context.go
    // ProposedAllocs).
    n.allocs.erase(alloc);
    if (why != NomadAllocEvent::Kind::kStopped) {
      n.cpu_used -= g.cpu_mhz;
      n.memory_used -= g.memory_mb;
    } else {
      stopping = a.stopping = true;
      n.stopping.insert(alloc);
      a.finish_timer = loop_.after(std::min(g.kill_timeout, kMaxKillTimeout), [this, alloc] {
        allocs_[alloc].finish_timer.reset();
        client_stopped_alloc(alloc, false);
      });
    }
    refresh_schedulable(static_cast<std::uint32_t>(on));
  } else {
    pending_.erase(std::find(pending_.begin(), pending_.end(), alloc));
    count_pending(a, -1);
    a.queued = false;
  }
  a.changed_at = loop_.now();
  emit(why, a);
  Group& ended_in = jobs_[a.job].groups[a.group];
  ++(why == NomadAllocEvent::Kind::kLost ? ended_in.lost : ended_in.complete);
  auto& group_allocs = ended_in.allocs;
  group_allocs.erase(std::find(group_allocs.begin(), group_allocs.end(), alloc));
  a.live = false;
  std::uint32_t job = a.job, group = a.group;
  std::string previous = a.id;
  if (!stopping) free_allocs_.push_back(alloc);  // else once its client has stopped it
  if (replace) {
    std::uint32_t next = new_alloc(job, group, loop_.now());
    allocs_[next].previous = std::move(previous);
    enqueue(next);
  }
  return on;
}

void NomadModel::client_stopped_alloc(std::uint32_t alloc, bool lost) {
  Alloc& a = allocs_[alloc];
  if (a.finish_timer) loop_.cancel(*a.finish_timer);
  a.finish_timer.reset();
  auto node = static_cast<std::uint32_t>(a.node);
  const NomadTaskGroupSpec& g = jobs_[a.job].groups[a.group].spec;
  nodes_[node].stopping.erase(alloc);
  nodes_[node].cpu_used -= g.cpu_mhz;  // its resources free now
  nodes_[node].memory_used -= g.memory_mb;
  refresh_schedulable(node);
  a.stopping = false;
  a.changed_at = loop_.now();
  allocations_index_ = ++index_;
  for (auto& f : allocation_waiters_) loop_.post(std::move(f));
  allocation_waiters_.clear();
  if (events_wanted_) {  // the client's update: ClientStatus complete (or lost with it)
    auto stub = std::make_shared<NomadAllocationStub>(this->stub(a));
    stub->desired_status = "stop";
    stub->client_status = lost ? "lost" : "complete";
    std::string ns = stub->namespace_;
    NomadEvent e{"Allocation", "AllocationUpdated", a.id,    ns,
                 index_,       std::move(stub),     nullptr, nullptr};
    events_.record({index_, {std::move(e)}});
  }
  free_allocs_.push_back(alloc);
  if (!lost) check_drain_done(node);
  schedule_pending();  // its room may take queued work now
}

Result<Unit> NomadModel::drain_node(const std::string& node_id, std::optional<NomadDrainSpec> spec,
                                    bool mark_eligible) {
  Node* n = find(node_id);
  if (n == nullptr) return make_error("node not found", ErrorKind::kNotFound);
  if (on_node_change) on_node_change(n->info.name, spec ? "drain" : "cancel drain");
  std::uint32_t index = node_index(*n);
  if (n->drain && n->drain->deadline_timer) loop_.cancel(*n->drain->deadline_timer);
  if (!spec) {
    if (n->drain) n->info.last_drain_status = "canceled";
    n->drain.reset();
    if (mark_eligible) n->info.scheduling_eligibility = "eligible";
    touch(*n, "NodeDrain");
    refresh_schedulable(index);
    place_system_allocs(index);
    schedule_pending();
    return Unit{};
  }
  n->drain = DrainState{*spec, std::nullopt};
  n->info.scheduling_eligibility = "ineligible";
  n->info.last_drain_status = "draining";
  n->info.last_drain_meta = spec->meta;
  touch(*n, "NodeDrain");
  refresh_schedulable(index);
  if (spec->deadline.count() < 0) {
    drain_deadline(index);  // force: stop everything now
    return Unit{};
  }
  if (spec->deadline.count() > 0) {
    n->drain->deadline_timer = loop_.after(spec->deadline, [this, index] {
      nodes_[index].drain->deadline_timer.reset();
      drain_deadline(index);
    });
  }
  bool stuck = stuck_drain_rate_ > 0 &&
               std::uniform_real_distribution<double>(0.0, 1.0)(fault_rng_) < stuck_drain_rate_;
  if (!stuck) migrate_for_drain(index);
  return Unit{};
}

void NomadModel::migrate_for_drain(std::uint32_t node) {
  std::vector<std::uint32_t> allocs(nodes_[node].allocs.begin(), nodes_[node].allocs.end());
  for (std::uint32_t a : allocs) {
    if (jobs_[allocs_[a].job].type == "service")
      end_alloc(a, NomadAllocEvent::Kind::kStopped, true);
  }
  check_drain_done(node);
}

void NomadModel::drain_deadline(std::uint32_t node) {
  if (!nodes_[node].drain) return;
  // Nomad's drainer at the deadline: every allocation left is stopped (system ones too,
  // unless the drain ignores them) and the drain is complete at once, whatever their
  // clients still take to stop them (nomad/drainer/drainer.go handleDeadlinedNodes).
  std::vector<std::uint32_t> allocs(nodes_[node].allocs.begin(), nodes_[node].allocs.end());
  for (std::uint32_t a : allocs) {
    if (jobs_[allocs_[a].job].type != "system") end_alloc(a, NomadAllocEvent::Kind::kStopped, true);
  }
  complete_drain(node);
}

void NomadModel::check_drain_done(std::uint32_t node) {
  Node& n = nodes_[node];
  if (!n.drain) return;
  // Done once every allocation but the system ones is terminal on its client
  // (nomad/drainer/draining_node.go IsDone): placed ones, and ones still stopping.
  auto system = [&](std::uint32_t a) { return jobs_[allocs_[a].job].type == "system"; };
  if (!std::all_of(n.allocs.begin(), n.allocs.end(), system) ||
      !std::all_of(n.stopping.begin(), n.stopping.end(), system)) {
    return;
  }
  complete_drain(node);
}

void NomadModel::complete_drain(std::uint32_t node) {
  Node& n = nodes_[node];
  bool ignore_system = n.drain->spec.ignore_system_jobs;
  if (n.drain->deadline_timer) loop_.cancel(*n.drain->deadline_timer);
  n.drain.reset();
  n.info.last_drain_status = "complete";  // the node stays ineligible, as in Nomad
  touch(n, "NodeDrain");
  // Then the system scheduler stops the system allocations of the drained node ("alloc not
  // needed as node is tainted"); they take their kill_timeout as any other.
  if (!ignore_system) {
    std::vector<std::uint32_t> system(n.allocs.begin(), n.allocs.end());
    for (std::uint32_t a : system) end_alloc(a, NomadAllocEvent::Kind::kStopped, false);
  }
  schedule_pending();
}

}  // namespace ha
