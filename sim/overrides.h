// --set KEY=VALUE overrides, applied to the scenario's and policies' JSON before they are
// parsed (so every override is validated like the file itself):
//   duration=3d  seed=4  cluster.max_vms=20  cluster.node.cpu_mhz=4000
//   policy.NAME.min=3  policy.NAME.cooldown=1m  policy.NAME.check.CHECK.strategy.target=60
//   policy.NAME.target.node_selector_strategy=empty
// VALUE is read as JSON when it parses as a number, boolean, array or object (an object
// replaces a whole block: policy.NAME.check={"need":{...}} swaps a policy's checks), else as
// a string. The value `as-given` leaves the key as the file has it: a search axis's way to
// offer "unchanged" beside replacements.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"

namespace ha {

struct Override {
  std::string key;
  std::string value;
  bool used = false;
};

Result<Override> parse_override(const std::string& text);

inline constexpr const char* kAsGiven = "as-given";

// Whether overrides[i] has no effect: a later override (not `as-given`) replaces the block it
// sets a value in, as `policy.P.check={...}` replaces `policy.P.check.cpu.strategy.target`.
bool superseded(const std::vector<Override>& overrides, std::size_t i);

// Applies the overrides whose key does not start with "policy." to a scenario document.
Result<void> apply_scenario_overrides(nlohmann::json& scenario, std::vector<Override>& overrides);
// Applies the "policy.NAME...." overrides whose NAME is in this policy document.
Result<void> apply_policy_overrides(nlohmann::json& policy_file, std::vector<Override>& overrides);
// After every file: an override that matched nothing is an error naming it.
Result<void> check_all_used(const std::vector<Override>& overrides);

}  // namespace ha
