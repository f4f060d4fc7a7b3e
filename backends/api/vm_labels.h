// Labels the autoscaler puts on the VirtualMachines it creates. Only VMs carrying the
// ownership label with a policy's node group may ever be modified by that policy.
#pragma once

namespace ha::vm_labels {

// Ownership: the node group (policy target `node_group_name`) the VM belongs to.
inline constexpr const char* kNodeGroup = "harvester-autoscaler/node-group";
// The Nomad node class the VM's cloud-init gives its Nomad client.
inline constexpr const char* kNodeClass = "harvester-autoscaler/node-class";
// The autoscaler's drains carry kNodeGroup in their Meta (kept by Nomad as the node's
// LastDrain.Meta): a node drained or ineligible without it was taken out of service by
// someone else (an operator's cordon) and is left as it is.
inline constexpr const char* kDrainMessage = "scale-in by harvester-autoscaler";

}  // namespace ha::vm_labels
