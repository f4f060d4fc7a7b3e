// Policies for the agent: from a directory of policy files, or from Nomad's task-group
// policies, checked for what the agent can run (targets harvester and nomad-target; sources
// nomad-apm, and prometheus when configured) and compiled, with dry-run applied.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/policy/policy.h"
#include "engine/policy_decision.h"

namespace ha {

struct AgentCapabilities {
  bool prometheus = false;  // a prometheus source is configured
  bool dry_run = false;     // every target in dry-run
};

using CompiledPolicies = std::vector<std::shared_ptr<const CompiledPolicy>>;

// One policy, checked and compiled; errors name its file (or Nomad ID) and the field.
Result<std::shared_ptr<const CompiledPolicy>> prepare_policy(Policy p,
                                                             const AgentCapabilities& can);

// Every *.hcl and *.json file of `dir` (sorted), parsed with `defaults`, IDs unique, enabled
// ones prepared. The first problem fails the whole load (with a count of the others).
Result<CompiledPolicies> load_policy_dir(const std::string& dir, const AgentCapabilities& can,
                                         const PolicyDefaults& defaults = {});

}  // namespace ha
