// Labels the autoscaler puts on the VirtualMachines it creates. Only VMs carrying the
// ownership label with a policy's node group may ever be modified by that policy.
#pragma once

#include <map>
#include <string>

namespace ha::vm_labels {

// Ownership: the node group (policy target `node_group_name`) the VM belongs to.
inline constexpr const char* kNodeGroup = "harvester-autoscaler/node-group";
// The Nomad node class the VM's cloud-init gives its Nomad client.
inline constexpr const char* kNodeClass = "harvester-autoscaler/node-class";
// The autoscaler's drains carry kNodeGroup in their Meta (kept by Nomad as the node's
// LastDrain.Meta): a node drained or ineligible without it was taken out of service by
// someone else (an operator's cordon) and is left as it is.
inline constexpr const char* kDrainMessage = "scale-in by harvester-autoscaler";
// The Nomad client meta the built-in user data writes: "namespace/name" of the VM the client
// runs in, checked on a fresh read of a node before it is drained.
inline constexpr const char* kNodeVmMeta = "harvester.vm";
// Annotation: the ID of the scale-out action that created the VM.
inline constexpr const char* kAction = "harvester-autoscaler/action";

// True when `m` (labels, annotations, a drain's Meta) maps `key` to `value`.
inline bool has(const std::map<std::string, std::string>& m, const char* key,
                const std::string& value) {
  auto it = m.find(key);
  return it != m.end() && it->second == value;
}

// The label selector of a node group's VMs.
inline std::string group_selector(const std::string& node_group) {
  return std::string(kNodeGroup).append("=").append(node_group);
}

}  // namespace ha::vm_labels
