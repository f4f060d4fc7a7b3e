// HarvesterTarget: after a scale-out's creates, waiting for each new VM to run and its Nomad
// node to join (from the caches when fresh, else by reads), and settling the ones that miss
// their deadline. Creating them: harvester_scale_out.cc.
#include <algorithm>

#include "backends/api/vm_labels.h"
#include "base/duration.h"
#include "engine/harvester/harvester_target.h"

namespace ha {

void HarvesterTarget::watch_boot(const HarvesterGroupConfig& c, std::size_t action,
                                 std::shared_ptr<std::map<std::string, int>> vms, Time deadline,
                                 ScaleCallback done) {
  std::vector<std::string> open;
  for (const auto& [name, state] : *vms) {
    if (state >= 0 && state < 2) open.push_back(name);
  }
  if (open.empty()) {
    ScaleActionRecord& r = actions_[action];
    std::size_t ok = 0;
    for (const auto& [name, state] : *vms) {
      ok += state == 2 ? 1 : 0;
      groups_[c.node_group].booting.erase(name);
    }
    finish_record(action);
    scale_out_finished(c, !r.failures.empty());
    std::string summary = std::to_string(ok) + " VMs running and joined";
    if (r.started_vms > 0) {
      summary += " (" + std::to_string(r.started_vms) + " started from the warm pool)";
    }
    if (r.reused_nodes > 0)
      summary += ", reused " + std::to_string(r.reused_nodes) + " draining nodes";
    if (r.failures.empty()) {
      done(ScaleResult{false, summary});
    } else {
      done(make_error(summary + "; " + std::to_string(r.failures.size()) +
                      " failed: " + r.failures.front()));
    }
    return;
  }
  // Each poll asks about the VMs still booting (and their nodes), not the whole group: a
  // scale-out of k VMs costs O(k) calls per poll whatever the group's size.
  loop_.after(options_.poll_interval, guarded([this, c, action, vms, deadline, done, open] {
                auto outstanding = std::make_shared<std::size_t>(open.size());
                auto round_done = [this, c, action, vms, deadline, done, outstanding] {
                  if (--*outstanding > 0) return;
                  ScaleActionRecord& r = actions_[action];
                  bool all_running =
                      std::all_of(vms->begin(), vms->end(), [](auto& v) { return v.second != 0; });
                  bool all_ready = std::all_of(vms->begin(), vms->end(), [](auto& v) {
                    return v.second == 2 || v.second < 0;
                  });
                  if (all_running && !r.all_running) r.all_running = loop_.now();
                  if (all_ready && !r.all_ready) r.all_ready = loop_.now();
                  watch_boot(c, action, vms, deadline, done);
                };
                for (const std::string& name : open) {
                  check_booting_vm(c, action, name, vms, deadline, round_done);
                }
              }));
}

void HarvesterTarget::check_booting_vm(const HarvesterGroupConfig& c, std::size_t action,
                                       const std::string& name,
                                       std::shared_ptr<std::map<std::string, int>> vms,
                                       Time deadline, std::function<void()> then) {
  if (cached_boot_progress(c, name, *vms, deadline)) {
    then();
    return;
  }
  harvester_.get_vm(
      c.namespace_, name,
      guarded([this, c, action, name, vms, deadline, then](Result<VirtualMachine> vm) {
        int& state = (*vms)[name];
        std::string failure;
        if (!vm && vm.error().kind == ErrorKind::kNotFound) {
          failure = "VM " + name + " disappeared";
        } else if (!vm) {
          then();  // a failed call says nothing: asked again at the next poll
          return;
        } else if (vm->printable_status == "ErrorUnschedulable") {
          failure = "VM " + name + " is ErrorUnschedulable (no capacity on Harvester)";
        } else if (loop_.now() >= deadline && vm->printable_status == "Running") {
          settle_overdue_vm(c, action, name, vms, then);
          return;
        } else if (loop_.now() >= deadline) {
          failure = "VM " + name + " not running within the provision timeout";
        }
        if (!failure.empty()) {
          // Clean up: a VM that will not serve is not left behind.
          state = -1;
          groups_[c.node_group].created.erase(name);
          actions_[action].failures.push_back(failure);
          if (vm) remove_vm(c, name, std::move(*vm), [](Result<Unit>) {});
          then();
          return;
        }
        if (vm->printable_status == "Running" && state == 0) state = 1;
        if (state != 1) {
          then();
          return;
        }
        nomad_.list_nodes({c.nomad_node_class(), c.node_pool, name, c.namespace_ + "/" + name},
                          guarded([vms, name, then](Result<NodeList> nodes) {
                            if (nodes) {
                              // A VM restarted under the same name may leave an older registration.
                              const NomadNodeStub* newest = nullptr;
                              for (const auto& n : *nodes) {
                                if (!newest || n->create_index > newest->create_index) {
                                  newest = n.get();
                                }
                              }
                              if (newest && newest->status == "ready") (*vms)[name] = 2;
                            }
                            then();
                          }));
      }));
}

bool HarvesterTarget::cached_boot_progress(const HarvesterGroupConfig& c, const std::string& name,
                                           std::map<std::string, int>& vms, Time deadline) {
  ClusterCaches* caches = options_.caches;
  if (caches == nullptr || loop_.now() >= deadline) return false;
  VmCache& vm_cache = caches->vms(c.namespace_, vm_labels::group_selector(c.node_group));
  NodeCache& node_cache = caches->nodes(c.nomad_node_class());
  if (!caches->usable(vm_cache) || !caches->usable(node_cache)) return false;
  auto vm = vm_cache.find(name);
  // Not there yet (the creation's event on its way) or on its way to a deletion: read fresh.
  if (vm == nullptr || vm->printable_status == "ErrorUnschedulable") return false;
  int& state = vms[name];
  if (vm->printable_status == "Running" && state == 0) state = 1;
  if (state == 1) {
    const NomadNodeStub* node = node_cache.view()->named(name);
    if (node != nullptr && node->status == "ready") state = 2;
  }
  return true;
}

void HarvesterTarget::settle_overdue_vm(const HarvesterGroupConfig& c, std::size_t action,
                                        const std::string& name,
                                        std::shared_ptr<std::map<std::string, int>> vms,
                                        std::function<void()> then) {
  // A Running VM past the provision timeout is deleted only when Nomad confirms that no
  // ready node runs on it: a node that joined unseen (Nomad unreachable) may hold work.
  nomad_.list_nodes({c.nomad_node_class(), c.node_pool, name, c.namespace_ + "/" + name},
                    guarded([this, c, action, name, vms, then](Result<NodeList> nodes) {
                      int& state = (*vms)[name];
                      if (!nodes) {
                        state = -1;
                        actions_[action].failures.push_back(
                            "VM " + name + " not confirmed joined within the provision timeout (" +
                            nodes.error().message + "); left to reconciliation");
                      } else if (std::any_of(nodes->begin(), nodes->end(),
                                             [](const auto& n) { return n->status == "ready"; })) {
                        state = 2;  // joined after all
                      } else {
                        state = -1;
                        groups_[c.node_group].created.erase(name);
                        actions_[action].failures.push_back(
                            "VM " + name + " not running and joined within the provision timeout");
                        remove_vm(c, name, std::nullopt, [](Result<Unit>) {});
                      }
                      then();
                    }));
}

void HarvesterTarget::scale_out_finished(const HarvesterGroupConfig& c, bool failed) {
  Group& group = groups_[c.node_group];
  if (!failed) {
    group.failed_scale_outs = 0;
    group.backoff_until.reset();
    return;
  }
  group.image.reset();  // read again: it may have changed (or been the cause)
  Duration backoff = options_.backoff_initial;
  for (int i = 1; i < group.failed_scale_outs + 1 && backoff < options_.backoff_max; ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, options_.backoff_max);
  ++group.failed_scale_outs;
  group.backoff_until = loop_.now() + backoff;
  log_.log(LogLevel::kWarn, loop_.now(), "node group backed off",
           {{"node_group", c.node_group},
            {"failed_scale_outs", std::to_string(group.failed_scale_outs)},
            {"for", format_duration(backoff)}});
}

}  // namespace ha
