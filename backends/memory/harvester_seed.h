// What a Harvester cluster has before a node group's first VM: the namespace the VMs go in,
// the image they boot (imported, with its storage class) and the VLAN network they join.
// The simulator and the mock servers seed their model with what the policies name, as an
// operator's cluster would have it.
#pragma once

#include <string>

#include "backends/memory/harvester_model.h"

namespace ha {

// `image` and `network` as policies write them ("namespace/name"); empty ones are skipped,
// existing ones kept. The image's virtual size is `image_bytes`.
void seed_group_objects(HarvesterModel& model, const std::string& ns, const std::string& image,
                        const std::string& network, std::int64_t image_bytes = 5LL << 30);

}  // namespace ha
