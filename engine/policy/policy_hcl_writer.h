// Writes policies in HCL's native syntax from their HCL-JSON form (to_hcl_json), so that a
// policy the simulator chose can be handed to the agent as users write them. Blocks are
// those of a policy file: `scaling "NAME"`, `policy`, `check "NAME"`, `strategy "KIND"`,
// `target "KIND"`, each only where a policy file has it; everything else is an attribute
// (objects as maps, arrays as lists).
// Reading the text back gives the same policies (policy_hcl_writer_test).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ha {

std::string write_policies_hcl(const nlohmann::json& hcl_json, const std::string& header = "");

}  // namespace ha
