// The VirtualMachine a node group's scale-out creates, shaped as Harvester's own tools create
// theirs (its VM builder, as the Rancher node driver and the Terraform provider use it, and
// its upgrade-repo VM): the root disk a claim of the image's storage class (so that it is a
// clone of the image, not blank), named in removedPersistentVolumeClaims (so that it goes
// with the VM), cpu and memory as limits (Harvester's mutator derives the requests), run
// strategy RerunOnFailure, evictionStrategy LiveMigrateIfPossible (a host drain migrates it),
// a preferred anti-affinity on the node group across hosts, and the cloud-init user data
// inline up to 2,048 bytes, else in a Secret the VM owns (what KubeVirt accepts inline).
#pragma once

#include <optional>
#include <string>

#include "backends/api/harvester_api.h"
#include "engine/harvester/group_config.h"

namespace ha {

// KubeVirt refuses inline cloud-init user data longer than this.
inline constexpr std::size_t kMaxInlineUserData = 2048;

struct NewVm {
  VirtualMachineSpec spec;
  // The Secret holding the user data when it is too long to go inline; created after the VM,
  // owned by it (its owner reference is filled in then), deleted with it by Kubernetes.
  std::optional<Secret> cloud_init;
};

// The root disk's size: disk_size, else the image's virtual size rounded up to a GiB, and at
// least 10Gi. An error (naming disk_size) when disk_size is smaller than the image.
Result<std::int64_t> root_disk_bytes(const HarvesterGroupConfig& c, const VmImage& image);

// Five characters [a-z0-9] for a claim's name, from the VM's name and the time: unique, and
// the same in every run of a simulation.
std::string claim_suffix(const std::string& vm, Time now);

// `suffix` (claim_suffix's): five characters [a-z0-9] making the claim's name unique (as
// Harvester's <vm>-<disk>-<random>), so that a claim left by an older VM of the same name is never
// reused.
NewVm build_vm(const HarvesterGroupConfig& c, const std::string& name, const std::string& action_id,
               const VmImage& image, std::int64_t disk_bytes, const std::string& suffix);

// The claims a VM of ours boots from, for removedPersistentVolumeClaims ("" for none).
std::string claims_to_remove(const VirtualMachineSpec& vm);

}  // namespace ha
