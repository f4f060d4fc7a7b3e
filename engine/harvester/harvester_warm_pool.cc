// HarvesterTarget: the warm pool (warm_pool_size, warm_pool_max_age). Drained VMs are stopped
// rather than deleted while the pool has room; scale-outs start them before creating VMs; each
// status deletes what is past its age or beyond the pool's size. See harvester_target.h.
#include <algorithm>

#include "backends/api/vm_labels.h"
#include "base/duration.h"
#include "engine/harvester/harvester_target.h"

namespace ha {
namespace {

bool of_class(const VirtualMachine& vm, const std::string& node_class) {
  return vm_labels::has(vm.spec.labels, vm_labels::kNodeClass, node_class);
}

}  // namespace

void HarvesterTarget::tend_pool(const HarvesterGroupConfig& c,
                                const std::vector<const VirtualMachine*>& parked) {
  Group& group = groups_[c.node_group];
  // Stopped VMs this run did not stop (an earlier run's pool, an operator's stop) join the
  // pool dated from when they stopped, as their Ready condition says; without one, from now.
  for (const VirtualMachine* vm : parked) {
    if (!group.started.count(vm->spec.name)) {
      Time since = loop_.now();
      if (vm->printable_status == "Stopped" && vm->ready_changed) {
        since = std::min(since, *vm->ready_changed);
      }
      group.parked.try_emplace(vm->spec.name, Group::Parked{since, true});
    }
  }
  if (c.dry_run) return;
  // Places are held first by stops in flight and stops no view shows yet, then by the VMs
  // being stopped now, then by the stopped VMs, the most recently parked first.
  std::int64_t room = c.warm_pool_size;
  for (const auto& [name, p] : group.parked) room -= p.confirmed ? 0 : 1;
  std::vector<const VirtualMachine*> stopped;
  for (const VirtualMachine* vm : parked) {
    const std::string& name = vm->spec.name;
    if (group.started.count(name) || group.removing.count(name) || group.reconciled.count(name) ||
        !of_class(*vm, c.node_class)) {
      continue;
    }
    if (vm->printable_status == "Stopped") {
      stopped.push_back(vm);
      continue;
    }
    // On its way to Stopped, judged once there; one that never gets there goes at its age.
    Duration age = loop_.now() - group.parked.at(name).since;
    if (c.warm_pool_max_age.count() > 0 && age > c.warm_pool_max_age) {
      reconcile_delete(c, *vm,
                       "warm pool: " + vm->printable_status + " for " + format_duration(age) +
                           ", past warm_pool_max_age");
    } else {
      --room;
    }
  }
  auto since = [&group](const VirtualMachine* vm) { return group.parked.at(vm->spec.name).since; };
  std::sort(stopped.begin(), stopped.end(), [&since](const auto* a, const auto* b) {
    return since(a) != since(b) ? since(a) > since(b) : a->spec.name < b->spec.name;
  });
  for (const VirtualMachine* vm : stopped) {
    Duration age = loop_.now() - since(vm);
    if (c.warm_pool_max_age.count() > 0 && age > c.warm_pool_max_age) {
      reconcile_delete(c, *vm,
                       "warm pool: stopped for " + format_duration(age) +
                           ", past warm_pool_max_age " + format_duration(c.warm_pool_max_age));
    } else if (room <= 0) {
      reconcile_delete(c, *vm,
                       "warm pool: beyond warm_pool_size " + std::to_string(c.warm_pool_size));
    } else {
      --room;
    }
  }
}

std::vector<std::string> HarvesterTarget::startable(const HarvesterGroupConfig& c,
                                                    const Snapshot& s, std::size_t n) {
  if (n == 0) return {};
  // From the view, not only from what this run has learnt: a scale-out before any status
  // (a restarted agent) finds the pool too. VMs this run has not dated come last.
  const std::vector<const VirtualMachine*>& parked = view_facts(c, s).parked;
  const Group& g = groups_[c.node_group];
  std::vector<std::pair<Time, std::string>> found;
  for (const VirtualMachine* vm : parked) {
    const std::string& name = vm->spec.name;
    if (vm->printable_status != "Stopped" || !of_class(*vm, c.node_class) ||
        g.removing.count(name) || g.reconciled.count(name) || g.started.count(name)) {
      continue;
    }
    auto p = g.parked.find(name);
    found.emplace_back(p == g.parked.end() ? Time(0) : p->second.since, name);
  }
  std::sort(found.begin(), found.end(), std::greater<>());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < found.size() && i < n; ++i) out.push_back(found[i].second);
  return out;
}

void HarvesterTarget::start_parked(const HarvesterGroupConfig& c, std::size_t action,
                                   std::vector<std::string> names,
                                   std::shared_ptr<std::map<std::string, int>> vms,
                                   std::function<void()> then) {
  if (names.empty()) {
    then();
    return;
  }
  auto outstanding = std::make_shared<std::size_t>(names.size());
  for (const std::string& name : names) {
    Group& group = groups_[c.node_group];
    group.started[name] = loop_.now();  // not tended away while starting
    // Reconcile's clock for a stuck boot runs from here, even if the start's answer is lost.
    group.last_started[name] = loop_.now();
    auto answered = [this, c, action, name, vms, outstanding, then](std::string failure) {
      Group& g = groups_[c.node_group];
      if (failure.empty()) {
        g.parked.erase(name);
        g.booting.insert(name);
        (*vms)[name] = 0;
        ++actions_[action].started_vms;
        log_.log(LogLevel::kInfo, loop_.now(), "started VM from the warm pool",
                 {{"node_group", c.node_group}, {"vm", name}});
      } else {
        g.started.erase(name);  // a VM is created in its place
        log_.log(LogLevel::kWarn, loop_.now(), "not starting VM from the warm pool",
                 {{"node_group", c.node_group}, {"vm", name}, {"reason", failure}});
      }
      if (--*outstanding == 0) then();
    };
    // Read fresh: the choice came from a view that may be a cache's.
    harvester_.get_vm(
        c.namespace_, name, guarded([this, c, name, answered](Result<VirtualMachine> vm) {
          if (!vm) {
            answered("its VM could not be read: " + vm.error().message);
          } else if (!vm_labels::has(vm->spec.labels, vm_labels::kNodeGroup, c.node_group)) {
            answered("its VM lacks the ownership label of " + c.node_group);
          } else if (vm->printable_status != "Stopped") {
            answered("its VM is " + vm->printable_status);
          } else {
            harvester_.start_vm(c.namespace_, name,
                                guarded([this, c, name, answered](Result<Unit> r) {
                                  if (r) {
                                    answered("");
                                  } else {
                                    confirm_start(c, name, r.error().message, answered);
                                  }
                                }));
          }
        }));
  }
}

void HarvesterTarget::confirm_start(const HarvesterGroupConfig& c, const std::string& name,
                                    const std::string& error,
                                    std::function<void(std::string)> answered) {
  // A start whose answer was lost (a timeout) may have landed: a VM asked to run is watched
  // as started, or it would boot and take work unseen while another VM is made in its place.
  harvester_.get_vm(c.namespace_, name, guarded([c, error, answered](Result<VirtualMachine> vm) {
                      bool landed =
                          vm && !is_parked(*vm) &&
                          vm_labels::has(vm->spec.labels, vm_labels::kNodeGroup, c.node_group);
                      answered(landed ? "" : "start failed: " + error);
                    }));
}

bool HarvesterTarget::pool_has_room(const HarvesterGroupConfig& c, const std::string& vm) const {
  if (c.warm_pool_size <= 0) return false;
  auto group = groups_.find(c.node_group);
  if (group == groups_.end()) return true;
  const Group& g = group->second;
  // Every place taken counts: stops asked for (answered or not) and stopped VMs, even those
  // being deleted, until a view shows them gone. The pool never has more stopped VMs than
  // its size, not even for the length of a deletion or of a lost answer.
  auto taken = static_cast<std::int64_t>(g.parked.size() - g.parked.count(vm));
  return taken < c.warm_pool_size;
}

void HarvesterTarget::park_vm(const HarvesterGroupConfig& c, std::size_t action,
                              std::string node_id, std::string vm, std::function<void()> finished) {
  // Its place is taken from the call on: a stop may land though its answer is lost.
  groups_[c.node_group].parked[vm] = Group::Parked{loop_.now(), false};
  log_.log(LogLevel::kInfo, loop_.now(), "stopping VM into the warm pool",
           {{"node_group", c.node_group}, {"node_id", node_id}, {"vm", vm}});
  harvester_.stop_vm(
      c.namespace_, vm, guarded([this, c, action, node_id, vm, finished](Result<Unit> r) {
        // KubeVirt refuses to stop a VM that is not running (409): stopped already (a stop
        // whose answer was lost landed), which the next views confirm.
        bool stopped_already = !r && r.error().kind == ErrorKind::kConflict &&
                               r.error().message.find("VM is not running") != std::string::npos;
        if (!r && r.error().kind != ErrorKind::kNotFound && !stopped_already) {
          actions_[action].failures.push_back("stop " + vm + ": " + r.error().message);
          log_.log(LogLevel::kWarn, loop_.now(), "VM stop failed; retrying",
                   {{"node_group", c.node_group}, {"vm", vm}, {"error", r.error().message}});
          // delete_vm reads the VM again and decides afresh between stopping and deleting (a VM
          // that is not stopped after all is dropped from the pool by the next views).
          loop_.after(options_.poll_interval, guarded([this, c, action, node_id, vm] {
                        delete_vm(c, action, node_id, vm);
                      }));
          return;
        }
        if (r) ++actions_[action].stopped_vms;
        if (c.purge) purge_when_off(c, node_id, vm, loop_.now() + options_.purge_wait);
        finished();
      }));
}

}  // namespace ha
