// KubeVirt's wire format (kubevirt.io/v1, as Harvester serves it; schemas in
// third_party/harvester/swagger.json) for the types of HarvesterApi, and the
// Kubernetes `Status` error body. Writers emit what Harvester's API server does; readers
// take what the autoscaler needs and fail naming the field (a JSON path).
//
// Mapping: cpu cores -> spec.template.spec.domain.cpu.cores; memory ->
// spec.template.spec.domain.resources.requests.memory (a quantity, e.g. "8Gi"); image ->
// the `harvesterhci.io/imageId` of the root disk's claim template (annotation
// `harvesterhci.io/volumeClaimTemplates`, as Harvester's UI and Terraform provider write it);
// network -> spec.template.spec.networks[0].multus.networkName; cloud-init ->
// spec.template.spec.volumes[cloudinitdisk].cloudInitNoCloud.userData; running ->
// spec.running; phase -> status.printableStatus.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backends/api/harvester_api.h"
#include "base/result.h"

namespace ha::kubevirt_json {

using nlohmann::json;

json virtual_machine(const VirtualMachine& vm);
json virtual_machine_list(const VmList& vms, const std::string& resource_version);
// The VirtualMachineInstance KubeVirt runs for a VM, derived from the VM's state: none
// (null) unless the VM is Starting (VMI phase Scheduled), Running, Stopping or Terminating
// (Running), or ErrorUnschedulable (Pending). Owned by the VM, with its template's spec.
json virtual_machine_instance(const VirtualMachine& vm);
json virtual_machine_instance_list(const VmList& vms, const std::string& resource_version);
// The body of a create: the object without server-set fields.
json virtual_machine_spec(const VirtualMachineSpec& spec);

Result<VirtualMachine> read_virtual_machine(const json& j);
// The spec part of an object (for a create or a merge-patched object).
Result<VirtualMachineSpec> read_virtual_machine_spec(const json& j);
Result<VmList> read_virtual_machine_list(const json& j);

// Kubernetes Status, e.g. reason NotFound code 404.
json status_error(int code, const std::string& reason, const std::string& message,
                  const std::string& name = "");

// RFC 7386 JSON merge patch: `patch` applied to `target`.
json merge_patch(json target, const json& patch);

}  // namespace ha::kubevirt_json
