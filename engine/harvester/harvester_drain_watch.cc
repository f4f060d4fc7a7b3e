// HarvesterTarget: a scale-in after its drains were asked for: each drain watched to its
// end, a node gone from Nomad confirmed against its list, then the VM deleted (or stopped).
#include <algorithm>

#include "backends/api/vm_labels.h"
#include "base/duration.h"
#include "engine/harvester/harvester_target.h"

namespace ha {

void HarvesterTarget::watch_drain(const HarvesterGroupConfig& c, std::size_t action,
                                  std::string node_id, std::string vm, Time give_up_at) {
  // Checked before each poll and again on its answer: a scale-out may have started taking
  // the node back meanwhile, and an answer from before its cancel must not delete the VM.
  auto held = [this, c, action, node_id, vm, give_up_at] {
    switch (drain_claim(c.node_group, node_id)) {
      case DrainClaim::kReleased:
        part_done(action);  // a scale-out took this node back
        return true;
      case DrainClaim::kOnHold:
        watch_drain(c, action, node_id, vm, give_up_at);
        return true;
      case DrainClaim::kOurs:
        return false;
    }
    return false;
  };
  loop_.after(
      options_.poll_interval, guarded([this, c, action, node_id, vm, give_up_at, held] {
        if (held()) return;
        nomad_.get_node(
            node_id, guarded([this, c, action, node_id, vm, give_up_at, held](Result<NomadNode> r) {
              if (held()) return;
              if (!r && r.error().kind == ErrorKind::kNotFound) {
                confirm_node_gone(c, action, node_id, vm, give_up_at);
                return;
              }
              if (r && r->status != "down" && !r->drain_strategy &&
                  r->scheduling_eligibility == "eligible") {
                // Cancelled elsewhere (a cancel whose answer was lost, an operator): the node
                // takes work again, so it is kept.
                log_.log(LogLevel::kWarn, loop_.now(), "drain cancelled elsewhere; node kept",
                         {{"node_group", c.node_group}, {"node_id", node_id}, {"vm", vm}});
                groups_[c.node_group].draining.erase(node_id);
                part_done(action);
                return;
              }
              bool drained = r && ((!r->drain_strategy && r->last_drain_status == "complete") ||
                                   r->status == "down");
              // Past the deadline only on a fresh answer: never delete on a node not seen.
              if (drained || (r && loop_.now() >= give_up_at)) {
                actions_[action].all_drained = loop_.now();
                groups_[c.node_group].deleting.insert(node_id);
                await_node_empty(c, action, node_id, vm, loop_.now() + options_.stop_grace);
              } else {
                watch_drain(c, action, node_id, vm, give_up_at);
              }
            }));
      }));
}

void HarvesterTarget::confirm_node_gone(const HarvesterGroupConfig& c, std::size_t action,
                                        std::string node_id, std::string vm, Time give_up_at) {
  // A 404 for a node this target drains is checked against the node list before the VM is
  // deleted on its word: a wrong answer must not delete a VM whose work is still running.
  nomad_.list_nodes({c.nomad_node_class(), c.node_pool, vm},
                    guarded([this, c, action, node_id, vm, give_up_at](Result<NodeList> nodes) {
                      bool listed =
                          !nodes || std::any_of(nodes->begin(), nodes->end(), [&](const auto& n) {
                            return n->id == node_id && n->status != "down";
                          });
                      // A node being (or taken) back is settled by the next poll.
                      if ((listed && loop_.now() < give_up_at) ||
                          drain_claim(c.node_group, node_id) != DrainClaim::kOurs) {
                        watch_drain(c, action, node_id, vm, give_up_at);
                        return;
                      }
                      actions_[action].all_drained = loop_.now();
                      groups_[c.node_group].deleting.insert(node_id);
                      delete_vm(c, action, node_id, vm);
                    }));
}

void HarvesterTarget::delete_vm(const HarvesterGroupConfig& c, std::size_t action,
                                std::string node_id, std::string vm) {
  // Ownership is checked again on the VM itself right before deleting it.
  harvester_.get_vm(
      c.namespace_, vm, guarded([this, c, action, node_id, vm](Result<VirtualMachine> r) {
        auto finished = [this, c, action, node_id] {
          groups_[c.node_group].draining.erase(node_id);
          groups_[c.node_group].deleting.erase(node_id);
          actions_[action].all_deleted = loop_.now();  // the last deletion's time stays
          part_done(action);
        };
        if (!r && r.error().kind == ErrorKind::kNotFound) {
          finished();
          return;
        }
        if (!r) {
          // Cannot confirm ownership now: try again later, never delete blind.
          actions_[action].failures.push_back("delete " + vm + ": " + r.error().message);
          loop_.after(options_.poll_interval, guarded([this, c, action, node_id, vm] {
                        delete_vm(c, action, node_id, vm);
                      }));
          return;
        }
        if (!vm_labels::has(r->spec.labels, vm_labels::kNodeGroup, c.node_group)) {
          std::string why = "VM lacks the ownership label of " + c.node_group;
          actions_[action].failures.push_back("delete " + vm + ": " + why);
          log_.log(LogLevel::kError, loop_.now(), "not deleting VM",
                   {{"node_group", c.node_group}, {"vm", vm}, {"reason", why}});
          finished();  // not ours: never touched; stop tracking it
          return;
        }
        if (pool_has_room(c, vm)) {
          park_vm(c, action, node_id, vm, finished);
          return;
        }
        log_.log(LogLevel::kInfo, loop_.now(), "deleting VM",
                 {{"node_group", c.node_group}, {"node_id", node_id}, {"vm", vm}});
        remove_vm(
            c, vm, std::move(*r), guarded([this, c, action, node_id, vm, finished](Result<Unit> d) {
              if (!d && d.error().kind != ErrorKind::kNotFound) {
                actions_[action].failures.push_back("delete " + vm + ": " + d.error().message);
                log_.log(LogLevel::kWarn, loop_.now(), "VM deletion failed; retrying",
                         {{"node_group", c.node_group}, {"vm", vm}, {"error", d.error().message}});
                loop_.after(options_.poll_interval, guarded([this, c, action, node_id, vm] {
                              delete_vm(c, action, node_id, vm);
                            }));
                return;
              }
              // (Not on a 404: a VM said to be gone that a list still shows is settled by
              // reconcile, which needs to see it counted.)
              if (d) groups_[c.node_group].deleted[vm] = loop_.now();
              if (c.purge) purge_when_off(c, node_id, vm, loop_.now() + options_.purge_wait);
              finished();
            }));
      }));
}

}  // namespace ha
