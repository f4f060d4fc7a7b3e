// The cluster policy `record` writes when no --policy-dir gives one: a starting point to tune
// with sweep (target-value at 70% of allocated cpu and memory on the node class).
#pragma once

#include <string>

namespace ha {

// The policy file's text (HCL), scaling the VMs of `node_class`.
std::string starting_policy(const std::string& node_class);

}  // namespace ha
