// The task-group `scaling` blocks of a Nomad job file, read as the agent will see them from
// Nomad (/v1/scaling/policy/:id): each group's block becomes a horizontal policy whose
// target is nomad-target {Job, Group, Namespace}, named "JOB/GROUP". Tasks' vertical
// `scaling "cpu"` blocks (Dynamic Application Sizing) are not this product's and are left
// alone. Two shapes are read:
//   - the HCL jobspec:  job "web" { group "api" { count = 2  scaling { min, max, enabled,
//     policy { ... } } } }  (or its HCL JSON form);
//   - the JSON job of Nomad's API (`nomad job run -output`, GET /v1/job/:id):
//     {"Job": {"ID", "Namespace", "TaskGroups": [{"Name", "Count", "Scaling": {"Min",
//     "Max", "Enabled", "Policy": {...}}}]}}.
// As in Nomad, `min` defaults to the group's count, `enabled` to true; `max` is required.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/policy/config_file.h"
#include "engine/policy/policy.h"

namespace ha {

// Whether `doc` is a job file (a top-level `job` block or `Job` object).
bool is_job_file(const nlohmann::json& doc);

// Every group's scaling policy. Problems name the job and group: by HCL path and line for a
// jobspec, by JSON pointer with "job J, group G" for an API job.
std::vector<Policy> read_job_scaling(const ConfigFile& doc, const std::string& file,
                                     Diagnostics& diags, const PolicyDefaults& defaults = {});

}  // namespace ha
