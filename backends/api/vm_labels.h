// Labels the autoscaler puts on the VirtualMachines it creates. Only VMs carrying the
// ownership label with a policy's node group may ever be modified by that policy.
#pragma once

namespace ha::vm_labels {

// Ownership: the node group (policy target `node_group_name`) the VM belongs to.
inline constexpr const char* kNodeGroup = "harvester-autoscaler/node-group";
// The Nomad node class the VM's cloud-init gives its Nomad client.
inline constexpr const char* kNodeClass = "harvester-autoscaler/node-class";

}  // namespace ha::vm_labels
