// Reading the agent's config file (HCL or JSON, the Nomad Autoscaler agent's schema; see
// agent_config.h) into an AgentConfig. The environment and flags come after (agent_config.cc).
#pragma once

#include <string>
#include <string_view>

#include "agent/agent_config.h"
#include "engine/policy/diagnostic.h"

namespace ha {

// Files the config names, read once the environment and flags had their say.
struct AgentConfigPaths {
  std::string nomad_token, harvester_token, prometheus_token, target_nomad_token;
  std::string kubeconfig, kubeconfig_context;
};

// Reads `path` into `c` and `paths`. Every problem goes to `diags` (FILE:LINE:COL: path:
// reason for HCL); every key accepted but not acted on to c.warnings.
void read_agent_config_file(const std::string& path, AgentConfig& c, AgentConfigPaths& paths,
                            Diagnostics& diags);
// The same for `text`, the content of `path` (whose mode decides whether tokens written in
// it are taken; relative paths are relative to its directory).
void read_agent_config_text(std::string_view text, const std::string& path, AgentConfig& c,
                            AgentConfigPaths& paths, Diagnostics& diags);

}  // namespace ha
