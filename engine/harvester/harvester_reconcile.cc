// HarvesterTarget: reconciliation of what an earlier run (or a lost answer) left half done.
// See the contract in harvester_target.h.
#include <optional>
#include <set>

#include "backends/api/vm_labels.h"
#include "base/duration.h"
#include "engine/harvester/harvester_target.h"

namespace ha {
namespace {

// How long reconcile leaves a VM alone after acting on it: longer than a snapshot can lag.
constexpr Duration kSettle = std::chrono::minutes(5);

}  // namespace

void HarvesterTarget::reconcile(const HarvesterGroupConfig& c, const Snapshot& s,
                                const std::vector<const VirtualMachine*>& not_serving) {
  if (c.dry_run) return;
  Group& group = groups_[c.node_group];
  std::erase_if(group.reconciled,
                [this](const auto& e) { return loop_.now() - e.second > kSettle; });
  std::erase_if(group.last_started, [this](const auto& e) {
    return loop_.now() - e.second > options_.provision_timeout + kSettle;
  });
  std::optional<std::set<std::string_view>> draining;  // built only when needed
  // Past this a VM that does not serve is stuck: the provision timeout plus two polls, so
  // that a scale-out of this run that watches it settles it first.
  Duration stuck_after = options_.provision_timeout + 2 * options_.poll_interval;
  // When this run first saw each VM out of service (kept while it stays out).
  std::map<std::string, Time> out_since;
  for (const VirtualMachine* vm : not_serving) {
    auto before = group.out_of_service.find(vm->spec.name);
    out_since[vm->spec.name] = before == group.out_of_service.end() ? loop_.now() : before->second;
  }
  group.out_of_service = out_since;
  for (const VirtualMachine* vm : not_serving) {
    const std::string& name = vm->spec.name;
    const NomadNodeStub* node = s.node_named(name);
    bool joined = node != nullptr && node->status == "ready";
    if (!draining) {
      draining.emplace();
      for (const auto& [id, vm_name] : group.draining) draining->insert(vm_name);
    }
    // Also left alone: a VM this run is stopping into the warm pool (a view may still show
    // it Running, its node already down); the pool tends it once it is stopped.
    if (group.creating.count(name) || group.booting.count(name) || draining->count(name) ||
        group.reconciled.count(name) || group.parked.count(name)) {
      continue;
    }
    auto cls = vm->spec.labels.find(vm_labels::kNodeClass);
    if (cls == vm->spec.labels.end() || cls->second != c.node_class) continue;  // not ours to judge
    // A VM live-migrating (every Harvester upgrade moves them all) or paused is not stuck: it
    // keeps its guest, and its node comes back with it.
    if (vm->printable_status == "Migrating" || vm->printable_status == "Paused") continue;
    if (!(vm->printable_status == "Running" && joined)) {
      if (joined) continue;  // its Nomad node is ready: it serves, whatever KubeVirt says
      // Stuck is timed from the VM's last change of readiness (its Ready condition: a VM
      // KubeVirt restarts boots again from then), from its last start out of the warm pool,
      // and from when this run first saw it out of service (a restarted agent waits too).
      Time since = vm->ready_changed ? *vm->ready_changed : vm->creation_time;
      auto started = group.last_started.find(name);
      if (started != group.last_started.end()) since = std::max(since, started->second);
      bool known = vm->ready_changed || vm->creation_time != Time::max();
      Time seen = std::max(since, out_since[name]);
      if (known && loop_.now() - seen > stuck_after) {
        std::string state = vm->printable_status;
        if (vm->printable_status == "Running") state += ", its Nomad node not ready";
        std::string from = started != group.last_started.end() && since == started->second
                               ? " since its start"
                           : vm->ready_changed ? " since its readiness last changed"
                                               : " since its creation";
        reconcile_delete(c, *vm,
                         "stuck: " + state + " " + format_duration(loop_.now() - since) + from);
      }
      continue;
    }
    if (cordoned_by_others(*node, c.node_group)) {
      group.reconciled[name] = loop_.now();  // looked at again after the settle time
      log_.log(LogLevel::kDebug, loop_.now(), "reconcile: leaving a node someone else cordoned",
               {{"node_group", c.node_group}, {"vm", name}, {"node_id", node->id}});
      continue;
    }
    if (node->drain || node->scheduling_eligibility != "eligible") {
      group.reconciled[name] = loop_.now();
      log_.log(LogLevel::kWarn, loop_.now(), "reconcile: rolling back an unfinished scale-in",
               {{"node_group", c.node_group},
                {"vm", name},
                {"node_id", node->id},
                {"reason", node->drain ? "our drain, with no scale-in of this run behind it"
                                       : "drained by us, its VM never deleted"}});
      std::string vm_name = name;
      nomad_.drain_node(node->id, std::nullopt, true, guarded([this, c, vm_name](Result<Unit> r) {
                          if (r) return;
                          groups_[c.node_group].reconciled.erase(vm_name);  // next status
                          log_.log(LogLevel::kWarn, loop_.now(), "reconcile: roll back failed",
                                   {{"vm", vm_name}, {"error", r.error().message}});
                        }));
    }
  }
}

void HarvesterTarget::reconcile_delete(const HarvesterGroupConfig& c, const VirtualMachine& vm,
                                       const std::string& reason) {
  Group& group = groups_[c.node_group];
  const std::string name = vm.spec.name;
  if (!vm_labels::has(vm.spec.labels, vm_labels::kNodeGroup, c.node_group)) return;
  group.reconciled[name] = loop_.now();
  group.removing.insert(name);
  // What status saw may come from a cache, or a list already old: the VM is read fresh and
  // deleted only if it is still ours and still the object, in the state, judged stuck.
  harvester_.get_vm(
      c.namespace_, name,
      guarded([this, c, name, reason, uid = vm.uid,
               seen = vm.printable_status](Result<VirtualMachine> fresh) {
        Group& g = groups_[c.node_group];
        std::string changed;
        // Not found: gone already, or an answer not to be trusted over what the view shows
        // (found by chaos: a 404 taken as gone kept a stuck VM for 40 min). Either way it is
        // judged again at the next status, which no longer shows a VM that is truly gone.
        if (!fresh && fresh.error().kind == ErrorKind::kNotFound) {
          changed = "it was not found";
        } else if (!fresh) {
          changed = "it could not be read: " + fresh.error().message;
        } else if (!vm_labels::has(fresh->spec.labels, vm_labels::kNodeGroup, c.node_group)) {
          changed = "it lacks the ownership label now";
        } else if (!uid.empty() && fresh->uid != uid) {
          changed = "a new VM has its name";
        } else if (fresh->printable_status != seen) {
          changed = "it is " + fresh->printable_status + " now";
        }
        if (!changed.empty()) {
          g.removing.erase(name);
          g.reconciled.erase(name);  // judged again at the next status
          log_.log(LogLevel::kInfo, loop_.now(), "reconcile: not deleting VM",
                   {{"node_group", c.node_group}, {"vm", name}, {"reason", changed}});
          return;
        }
        if (seen == "Running") {
          // Its node was judged not ready on a view that may be old (a VM restarted out of
          // the warm pool had a node before): Nomad is asked afresh, as for a boot overdue.
          confirm_no_ready_node(c, name, reason);
          return;
        }
        reconcile_delete_now(c, name, reason);
      }));
}

void HarvesterTarget::confirm_no_ready_node(const HarvesterGroupConfig& c, const std::string& name,
                                            const std::string& reason) {
  // Its node by name, or by the meta its client carries (the built-in user data writes
  // harvester.vm): custom user data may name the node otherwise.
  nomad_.list_nodes(
      {c.nomad_node_class(), c.node_pool, name, c.namespace_ + "/" + name},
      guarded([this, c, name, reason](Result<NodeList> nodes) {
        bool ready = !nodes || std::any_of(nodes->begin(), nodes->end(),
                                           [](const auto& n) { return n->status == "ready"; });
        if (!ready) {
          reconcile_delete_now(c, name, reason);
          return;
        }
        Group& g = groups_[c.node_group];
        g.removing.erase(name);
        g.reconciled.erase(name);  // judged again at the next status
        log_.log(LogLevel::kInfo, loop_.now(), "reconcile: not deleting VM",
                 {{"node_group", c.node_group},
                  {"vm", name},
                  {"reason", nodes ? "its Nomad node is ready"
                                   : "Nomad could not confirm its node is not ready: " +
                                         nodes.error().message}});
      }));
}

void HarvesterTarget::reconcile_delete_now(const HarvesterGroupConfig& c, const std::string& name,
                                           const std::string& reason) {
  log_.log(LogLevel::kWarn, loop_.now(), "reconcile: deleting VM",
           {{"node_group", c.node_group}, {"vm", name}, {"reason", reason}});
  remove_vm(c, name, std::nullopt, guarded([this, c, name](Result<Unit> r) {
              Group& g = groups_[c.node_group];
              g.removing.erase(name);
              if (r) g.deleted[name] = loop_.now();
              if (r || r.error().kind == ErrorKind::kNotFound) return;
              g.reconciled.erase(name);  // tried again at the next status
              log_.log(LogLevel::kWarn, loop_.now(), "reconcile: deletion failed",
                       {{"vm", name}, {"error", r.error().message}});
            }));
}

}  // namespace ha
