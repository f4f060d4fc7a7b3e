// A scenario's initial nodes as Harvester holds them: the VMs the target would have created
// for the group (a root disk cloned from its image and named for removal, the cloud-init
// Secret when the user data is long), already running and joined, sized as the scenario's
// nodes. A scale-in of one of them then deletes its volume as of any other.
#pragma once

#include <string>

#include "backends/memory/harvester_model.h"
#include "engine/harvester/group_config.h"
#include "sim/scenario.h"

namespace ha {

// Creates the initial node `name` of `group` in `model`; an error names what is missing (the
// group's image, or what admission refuses).
Result<void> create_initial_vm(HarvesterModel& model, const HarvesterGroupConfig& group,
                               const ClusterSpec& cluster, const std::string& name);

}  // namespace ha
