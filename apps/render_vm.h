// What a harvester policy's scale-out creates, offline (`validate --render-vm`): the
// VirtualMachine, the claim Harvester makes of its root disk, and the cloud-init Secret when
// the user data is too long to go inline.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/policy/policy.h"

namespace ha::cli {

// {"POLICY": {"virtualmachine", "persistentvolumeclaim", "secret" (or null)}} for each
// harvester policy; `image_class` is the image's storage class (empty: a placeholder).
nlohmann::ordered_json render_vms(const std::vector<Policy>& policies,
                                  const std::string& image_class);

}  // namespace ha::cli
