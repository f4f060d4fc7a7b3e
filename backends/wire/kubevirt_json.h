// KubeVirt's wire format (kubevirt.io/v1, as Harvester serves it; schemas in
// third_party/harvester/swagger.json) for the types of HarvesterApi, and the
// Kubernetes `Status` error body. Writers emit the shape Harvester's own tools create (its
// VM builder as the Rancher node driver and the Terraform provider use it, and its
// upgrade-repo VM); readers take what the autoscaler needs and fail naming the field (a JSON
// path). The VM as written (kubevirt_json.cc):
//   metadata.labels: the spec's;
//   metadata.annotations: the spec's, plus harvesterhci.io/volumeClaimTemplates (the root
//     disk's claim: its name, labels, imageId, ReadWriteMany, Block, size, storage class);
//   spec.runStrategy and/or spec.running, as set;
//   spec.template.metadata.labels: the VM's labels and harvesterhci.io/vmName;
//   spec.template.spec.domain: cpu {cores, sockets 1, threads 1}; resources.limits {cpu,
//     memory} (and the requests and memory.guest the mutator stored, when set); devices:
//     disks disk-0 (bootOrder 1) and cloudinitdisk, interface nic-0 (virtio, bridge);
//   evictionStrategy, hostname, terminationGracePeriodSeconds, a preferred pod anti-affinity
//   on anti_affinity_label (topologyKey kubernetes.io/hostname, weight 100);
//   networks: nic-0 multus networkName; volumes: disk-0 persistentVolumeClaim, cloudinitdisk
//   cloudInitNoCloud {userData} or {secretRef: {name}}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backends/api/harvester_api.h"
#include "base/result.h"

namespace ha::kubevirt_json {

using nlohmann::json;

inline constexpr const char* kClaimTemplates = "harvesterhci.io/volumeClaimTemplates";
inline constexpr const char* kRemovedClaims = "harvesterhci.io/removedPersistentVolumeClaims";
inline constexpr const char* kImageId = "harvesterhci.io/imageId";

json virtual_machine(const VirtualMachine& vm);
json virtual_machine_list(const VmList& vms, const std::string& resource_version);
// The VirtualMachineInstance KubeVirt runs for a VM, derived from the VM's state: none
// (null) unless the VM has one (Starting: Scheduled; Running, Migrating, Paused, Stopping,
// Terminating: Running; ErrorUnschedulable: Pending). Owned by the VM, with its template's
// spec, on the VM's host; Paused=True and a migrationState while paused or migrating.
json virtual_machine_instance(const VirtualMachine& vm);
json virtual_machine_instance_list(const VmList& vms, const std::string& resource_version);
// The body of a create: the object without server-set fields.
json virtual_machine_spec(const VirtualMachineSpec& spec);
// The annotation harvesterhci.io/volumeClaimTemplates for a root disk (a JSON array text).
std::string claim_templates(const VolumeClaimTemplate& disk);

// kubevirt_json_read.cc
Result<VirtualMachine> read_virtual_machine(const json& j);
// The spec part of an object (for a create or a merge-patched object).
Result<VirtualMachineSpec> read_virtual_machine_spec(const json& j);
Result<VmList> read_virtual_machine_list(const json& j);

// Kubernetes Status, e.g. reason NotFound code 404. `kind` and `group` name the resource in
// details (the API server's "virtualmachines" / "kubevirt.io" for a VM).
json status_error(int code, const std::string& reason, const std::string& message,
                  const std::string& name = "", const std::string& kind = "virtualmachines",
                  const std::string& group = "kubevirt.io");

// RFC 7386 JSON merge patch: `patch` applied to `target`.
json merge_patch(json target, const json& patch);

// Loop time as an RFC 3339 timestamp, and back (nullopt for a malformed or out-of-range one).
std::string timestamp(Time t);
std::optional<Time> parse_timestamp(const std::string& text);
// A quantity as Kubernetes prints one: "16Gi", "512Mi", else bytes.
std::string bytes_quantity(std::int64_t bytes);
std::string millis_quantity(std::int64_t millis);  // "2", "200m"

}  // namespace ha::kubevirt_json
