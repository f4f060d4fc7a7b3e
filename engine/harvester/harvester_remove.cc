// HarvesterTarget: deleting one of the group's VMs so that its volumes go with it. Harvester
// deletes, when a VM is removed, exactly the claims its annotation
// harvesterhci.io/removedPersistentVolumeClaims names (pkg/controller/master/virtualmachine/
// vm_controller.go); our VMs carry it from their creation (vm_builder.h), and one made without
// it (by an older version) gets it, uid-checked, just before its deletion, as the Rancher node
// driver and the Terraform provider do. A VM that is live-migrating is not deleted (yet).
#include "backends/api/vm_labels.h"
#include "engine/harvester/harvester_target.h"
#include "engine/harvester/vm_builder.h"

namespace ha {

void HarvesterTarget::remove_vm(const HarvesterGroupConfig& c, const std::string& name,
                                std::optional<VirtualMachine> fresh, Done<Unit> done) {
  if (!fresh) {
    harvester_.get_vm(c.namespace_, name, guarded([this, c, name, done](Result<VirtualMachine> vm) {
                        if (!vm) {
                          done(vm.error());
                          return;
                        }
                        remove_vm(c, name, std::move(*vm), done);
                      }));
    return;
  }
  if (fresh->printable_status == "Migrating") {
    // Never while it moves (a host in maintenance, an upgrade): once it has landed.
    loop_.post([done, name] {
      done(make_error("VM " + name + " is live-migrating: it is deleted once it has landed",
                      ErrorKind::kConflict));
    });
    return;
  }
  constexpr const char* kRemovedClaims = "harvesterhci.io/removedPersistentVolumeClaims";
  std::string claims = claims_to_remove(fresh->spec);
  // Deleted only as it was read: a VM changed meanwhile (started migrating, restarted) is
  // judged again, not deleted on an old view.
  if (claims.empty() || fresh->spec.annotations.count(kRemovedClaims) ||
      !vm_labels::has(fresh->spec.labels, vm_labels::kNodeGroup, c.node_group)) {
    harvester_.delete_vm_if(c.namespace_, name, fresh->uid, fresh->resource_version, done);
    return;
  }
  log_.log(LogLevel::kInfo, loop_.now(), "marking the VM's volumes for deletion with it",
           {{"node_group", c.node_group}, {"vm", name}, {"claims", claims}});
  harvester_.annotate_vm(
      c.namespace_, name, fresh->uid, {{kRemovedClaims, claims}},
      guarded([this, c, name, done](Result<VirtualMachine> r) {
        if (!r) {
          done(
              make_error("marking its volumes for deletion: " + r.error().message, r.error().kind));
          return;
        }
        harvester_.delete_vm_if(c.namespace_, name, r->uid, r->resource_version, done);
      }));
}

}  // namespace ha
