#include "sim/invariants.h"

#include "backends/api/vm_labels.h"
#include "base/duration.h"

namespace ha {
namespace {

constexpr std::size_t kMaxExamples = 5;

}  // namespace

InvariantChecker::InvariantChecker(EventLoop& loop, const HarvesterModel& harvester,
                                   const NomadModel& nomad, Limits limits)
    : loop_(loop), harvester_(harvester), nomad_(nomad), limits_(std::move(limits)) {}

void InvariantChecker::violate(std::string what) {
  ++violations_;
  if (examples_.size() < kMaxExamples) {
    examples_.push_back({{"time_s", to_seconds(loop_.now())}, {"what", std::move(what)}});
  }
}

void InvariantChecker::on_phase(const VmPhaseEvent& e) {
  ++phase_events_;
  std::string key = e.namespace_;
  key += '/';
  key += e.name;
  if (e.phase == "Deleted") {
    vms_.erase(key);
    return;
  }
  if (e.phase == "Joined") return;  // an event (the node registered), not a VM phase
  auto [it, first] = vms_.try_emplace(key);
  Seen& seen = it->second;
  if (first) seen.name = e.name;
  if (first && e.namespace_ == limits_.namespace_) {
    if (auto vm = harvester_.get(e.namespace_, e.name)) seen.owned = owned(vm->spec.labels);
  }
  std::string previous = std::move(seen.phase);
  seen.phase = e.phase;
  if (!seen.owned) return;  // changing it at all is the violation (on_vm_change)
  if (e.phase == "Stopped" && ++stopped_ > limits_.warm_pool_size) {
    violate("node group has " + std::to_string(stopped_) + " stopped VMs, above warm_pool_size " +
            std::to_string(limits_.warm_pool_size));
  }
  if (previous == "Stopped") --stopped_;
  bool was = !first && counted(previous), is = counted(e.phase);
  if (!was && is && ++active_ > limits_.max) {
    violate("node group has " + std::to_string(active_) + " VMs, above max " +
            std::to_string(limits_.max));
  }
  if (!was || is) return;
  // Deleted or stopped: out of the group's count, and off its work.
  --active_;
  bool deleted = e.phase == "Terminating";
  if (previous == "Running" && active_ < limits_.min) {
    violate(std::string(deleted ? "deleting" : "stopping") + " running VM " + e.name + " left " +
            std::to_string(active_) + " VMs, below min " + std::to_string(limits_.min));
  }
  if (auto node = nomad_.node_id_by_name(e.name)) {
    // Work its client still runs (a stopped allocation runs until its kill_timeout); system
    // work too unless the drain leaves it running.
    std::int64_t killed = 0;
    std::string first;
    for (const auto& a : nomad_.node_allocations(*node)) {
      if (a.job_type == "system" && limits_.drain_ignores_system_jobs) continue;
      if (killed++ == 0) {
        first = a.id + " of " + a.job_id + (a.desired_status == "stop" ? " (stopping)" : "");
      }
    }
    if (killed > 0) {
      allocations_killed_ += killed;
      violate("VM " + e.name + (deleted ? " deleted" : " stopped") + " with " +
              std::to_string(killed) + " allocations running on it, first " + first);
    }
  }
}

bool InvariantChecker::counted(const std::string& phase) {
  return phase != "Terminating" && phase != "Stopping" && phase != "Stopped";
}

bool InvariantChecker::owned(const std::map<std::string, std::string>& labels) const {
  return vm_labels::has(labels, vm_labels::kNodeGroup, limits_.node_group);
}

void InvariantChecker::on_vm_change(const VmChangeEvent& e) {
  if (!owned(e.labels)) {
    violate("VM " + e.name + " without the group's ownership label changed (" + e.change + ")");
    return;
  }
  if (e.change != "delete") return;
  if (e.phase == "Migrating") {
    ++deleted_migrating_;
    violate("VM " + e.name + " deleted while live-migrating");
  }
  auto id = nomad_.node_id_by_name(e.name);
  if (!id) return;  // never joined
  auto node = nomad_.node(*id);
  if (!node || node->last_drain_status == "complete") return;
  auto last = last_ready_.find(e.name);
  bool recently =
      node->status == "ready" ||
      (last != last_ready_.end() && loop_.now() - last->second <= limits_.provision_timeout);
  if (recently) {
    violate("VM " + e.name + " deleted, its node " +
            (node->status == "ready"
                 ? std::string("ready")
                 : "ready " + format_duration(loop_.now() - last->second) + " ago") +
            ", without a completed drain");
  }
}

void InvariantChecker::on_node_status(const std::string& node_name, const std::string& status) {
  if (status == "down") {
    last_ready_[node_name] = loop_.now();  // ready until now
  } else {
    last_ready_.erase(node_name);
  }
}

void InvariantChecker::check_purges() {
  if (std::int64_t back = nomad_.reregistered_after_purge(); back > 0) {
    violate(std::to_string(back) +
            " purged nodes registered again: purged while their client still ran");
  }
}

void InvariantChecker::check_volumes() {
  auto left = harvester_.orphaned_claims(vm_labels::kNodeGroup, limits_.node_group);
  volumes_left_ = static_cast<std::int64_t>(left.size());
  if (!left.empty()) {
    violate(std::to_string(left.size()) + " volumes left behind by deleted VMs, first " +
            left[0].meta.name);
  }
}

void InvariantChecker::on_node_change(const std::string& node_name, const char* change) {
  auto vm = harvester_.get(limits_.namespace_, node_name);
  if (vm && !owned(vm->spec.labels)) {
    violate("Nomad node " + node_name + " of a VM without the group's ownership label changed (" +
            change + ")");
  }
}

void InvariantChecker::watch_leaks(Duration settle, Duration step, Time end) {
  loop_.after(step, [this, settle, step, end] { sample_leaks(settle, step, end); });
}

void InvariantChecker::sample_leaks(Duration settle, Duration step, Time end) {
  auto report = [this, settle](const std::string& key, OutOfService& entry) {
    if (entry.reported || loop_.now() - entry.since <= settle) return;
    entry.reported = true;
    violate("VM " + key.substr(key.find('/') + 1) + " out of service for " +
            format_duration(loop_.now() - entry.since) + " (" + entry.why + ")");
  };
  std::pair<std::uint64_t, std::uint64_t> now_at{phase_events_, nomad_.nodes_index()};
  if (sampled_at_ == now_at) {
    for (auto& [key, entry] : out_of_service_) report(key, entry);
  } else {
    // The owned VMs and their phases are known from the phase events: no list, no selector.
    std::unordered_map<std::string, OutOfService> still;
    for (const auto& [key, seen] : vms_) {
      if (!seen.owned || seen.phase == "Terminating") continue;
      // The warm pool's VMs are out of service on purpose (their number is checked above).
      if (limits_.warm_pool_size > 0 && (seen.phase == "Stopped" || seen.phase == "Stopping")) {
        continue;
      }
      std::string why = seen.phase;
      if (seen.phase == "Running" || seen.phase == "Migrating") {
        auto node = nomad_.node_state_by_name(seen.name);
        if (node && node->status == "ready" && node->eligible && !node->draining) continue;
        why = !node ? "Running, no Nomad node"
                    : "Running, node " + std::string(node->status) +
                          (node->eligible ? ", eligible" : ", ineligible") +
                          (node->draining ? ", draining" : "");
      }
      auto before = out_of_service_.find(key);
      OutOfService entry = before == out_of_service_.end()
                               ? OutOfService{loop_.now(), false, why}
                               : OutOfService{before->second.since, before->second.reported, why};
      report(key, entry);
      still.emplace(key, std::move(entry));
    }
    out_of_service_ = std::move(still);
    sampled_at_ = now_at;
  }
  if (loop_.now() + step <= end) {
    loop_.after(step, [this, settle, step, end] { sample_leaks(settle, step, end); });
  }
}

void InvariantChecker::check_allocations(const std::map<std::string, std::int64_t>& expected) {
  std::int64_t missing = 0;
  std::string first;
  for (const auto& job : nomad_.list_jobs()) {
    auto want = expected.find(job.job_id);
    if (want == expected.end()) continue;
    std::int64_t accounted = 0;
    for (const auto& [group, s] : job.task_groups) accounted += s.complete + s.running + s.queued;
    if (accounted < want->second) {
      missing += want->second - accounted;
      if (first.empty()) first = job.job_id;
    }
  }
  if (missing > 0) {
    violate(std::to_string(missing) + " allocations lost (neither complete, running nor queued)," +
            " first in job " + first);
  }
}

}  // namespace ha
