// Task-group policies kept by Nomad (its /v1/scaling/policy/:id, from jobs' `scaling`
// blocks) as engine Policies: type horizontal, target nomad-target {Job, Group, Namespace},
// the block's body read by the same parser as policy files. The ID is Nomad's policy ID.
#pragma once

#include "backends/api/nomad_api.h"
#include "base/result.h"
#include "engine/policy/policy.h"

namespace ha {

// Errors carry every problem the parser found, prefixed "nomad scaling policy ID".
Result<Policy> policy_from_nomad(const NomadScalingPolicy& p, const PolicyDefaults& defaults = {});

}  // namespace ha
