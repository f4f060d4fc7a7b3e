// Reads scaling policies written in HCL (native or JSON syntax; config_file.h), as the Nomad
// Autoscaler's file policy source reads `scaling "name" { ... }` blocks (policy/file/
// parse.go), and validates them fully: plugin names, strategy and target configs, durations,
// limits.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/policy/config_file.h"
#include "engine/policy/diagnostic.h"
#include "engine/policy/policy.h"

namespace ha {

// Parses the text of one policy file, in the syntax its name (or else its content) says.
// Every problem is appended to `diags` (file, place, reason); the returned policies are
// meaningful only when none was added.
std::vector<Policy> parse_policies(std::string_view text, const std::string& file,
                                   Diagnostics& diags, const PolicyDefaults& defaults = {});
// The same, from a file already read.
std::vector<Policy> read_policies(const ConfigFile& doc, const std::string& file,
                                  Diagnostics& diags, const PolicyDefaults& defaults = {});
// The same, from a document in the HCL JSON shape; problems are located by JSON pointers
// into `doc` (for documents made from others, such as a job's scaling blocks).
std::vector<Policy> read_policy_document(const nlohmann::json& doc, const std::string& file,
                                         Diagnostics& diags, const PolicyDefaults& defaults = {});

// Policy IDs must be unique across every loaded file.
void check_unique_ids(const std::vector<Policy>& policies, Diagnostics& diags);

// The normalized form: the same HCL-JSON shape, every default filled in. Parsing it again
// gives the same policies.
nlohmann::json to_hcl_json(const std::vector<Policy>& policies);

}  // namespace ha
