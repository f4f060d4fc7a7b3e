#include "sim/invariants.h"

#include "backends/api/vm_labels.h"

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
  if (first && e.namespace_ == limits_.namespace_) {
    if (auto vm = harvester_.get(e.namespace_, e.name)) {
      auto label = vm->spec.labels.find(vm_labels::kNodeGroup);
      seen.owned = label != vm->spec.labels.end() && label->second == limits_.node_group;
    }
  }
  std::string previous = std::move(seen.phase);
  seen.phase = e.phase;
  if (e.phase != "Terminating") {
    if (first && seen.owned && ++active_ > limits_.max) {
      violate("node group has " + std::to_string(active_) + " VMs, above max " +
              std::to_string(limits_.max));
    }
    return;
  }
  if (!seen.owned) {
    violate("VM " + e.name + " without the group's ownership label deleted");
    return;
  }
  --active_;
  if (previous == "Running" && active_ < limits_.min) {
    violate("deleting running VM " + e.name + " left " + std::to_string(active_) +
            " VMs, below min " + std::to_string(limits_.min));
  }
  if (auto node = nomad_.node_id_by_name(e.name)) {
    for (const auto& a : nomad_.node_allocations(*node)) {
      if (a.job_type != "system") {
        violate("VM " + e.name + " deleted with running allocation " + a.id + " of " + a.job_id);
        break;
      }
    }
  }
}

}  // namespace ha
