// HarvesterTarget: a drained node's last steps, in the order HashiCorp's Nomad Autoscaler
// takes them (sdk/helper/scaleutils: drain, MonitorDrain, terminate, purge once the instance
// is gone). Nomad says a drain is complete once the node's non-system allocations are
// terminal; its system allocations are stopped after that, and each allocation takes its
// kill_timeout to stop (nomad/drainer/draining_node.go, scheduler/reconcile_node.go). A VM
// deleted at "complete" kills them mid-stop; a node purged while its guest still shuts down
// is registered again by its live client at its next heartbeat (client/client.go).
#include <algorithm>

#include "backends/api/vm_labels.h"
#include "engine/harvester/harvester_target.h"

namespace ha {

namespace {

// api.Nodes().MonitorDrain's rule: the node is empty when none of its allocations is pending
// or running on its client; system ones are left out when the drain leaves them running.
std::size_t still_running(const std::vector<NomadAllocationStub>& allocations,
                          bool ignore_system_jobs) {
  std::size_t n = 0;
  for (const NomadAllocationStub& a : allocations) {
    if (a.client_status != "pending" && a.client_status != "running") continue;
    if (ignore_system_jobs && a.job_type == "system") continue;
    ++n;
  }
  return n;
}

}  // namespace

void HarvesterTarget::await_node_empty(const HarvesterGroupConfig& c, std::size_t action,
                                       std::string node_id, std::string vm, Time give_up_at) {
  nomad_.node_allocations(
      node_id, guarded([this, c, action, node_id, vm,
                        give_up_at](Result<std::vector<NomadAllocationStub>> r) {
        std::size_t left = r ? still_running(*r, c.drain_ignore_system_jobs) : 0;
        if (r && left == 0) {
          delete_vm(c, action, node_id, vm);
          return;
        }
        if (loop_.now() >= give_up_at) {
          // The drain is complete: its deadline (or Nomad) has had its say. A client that
          // never reports its allocations stopped must not keep the VM forever.
          std::string why = r ? std::to_string(left) + " allocations still running"
                              : "its allocations could not be read: " + r.error().message;
          log_.log(
              LogLevel::kWarn, loop_.now(), "deleting VM of a drained node not yet empty",
              {{"node_group", c.node_group}, {"node_id", node_id}, {"vm", vm}, {"reason", why}});
          delete_vm(c, action, node_id, vm);
          return;
        }
        loop_.after(options_.poll_interval, guarded([this, c, action, node_id, vm, give_up_at] {
                      await_node_empty(c, action, node_id, vm, give_up_at);
                    }));
      }));
}

void HarvesterTarget::purge_when_off(const HarvesterGroupConfig& c, std::string node_id,
                                     std::string vm, Time give_up_at) {
  harvester_.get_vm(
      c.namespace_, vm, guarded([this, c, node_id, vm, give_up_at](Result<VirtualMachine> r) {
        if (r && r->printable_status == "Stopped") {
          nomad_.purge_node(node_id, [](Result<Unit>) {});
          return;
        }
        if (!r && r.error().kind == ErrorKind::kNotFound) {
          // A 404 is checked against the group's list: a wrong one must not purge a node
          // whose client still runs (it would register again).
          harvester_.list_vms(c.namespace_, vm_labels::group_selector(c.node_group),
                              guarded([this, c, node_id, vm, give_up_at](Result<VmList> vms) {
                                bool listed = !vms || std::any_of(vms->begin(), vms->end(),
                                                                  [&](const auto& v) {
                                                                    return v->spec.name == vm;
                                                                  });
                                if (!listed) {
                                  nomad_.purge_node(node_id, [](Result<Unit>) {});
                                  return;
                                }
                                purge_later(c, node_id, vm, give_up_at);
                              }));
          return;
        }
        purge_later(c, node_id, vm, give_up_at);
      }));
}

void HarvesterTarget::purge_later(const HarvesterGroupConfig& c, std::string node_id,
                                  std::string vm, Time give_up_at) {
  if (loop_.now() >= give_up_at) {
    log_.log(LogLevel::kWarn, loop_.now(), "node not purged: its VM is not gone",
             {{"node_group", c.node_group}, {"node_id", node_id}, {"vm", vm}});
    return;
  }
  loop_.after(options_.poll_interval, guarded([this, c, node_id, vm, give_up_at] {
                purge_when_off(c, node_id, vm, give_up_at);
              }));
}

}  // namespace ha
