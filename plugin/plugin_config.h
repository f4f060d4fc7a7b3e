// The plugin's SetConfig, read into the agent's connection settings: the keys of the
// original Harvester target plugin's agent block (harvester_url, auth_token, kubeconfig,
// kubeconfig_context, ca_file, insecure_skip_verify, nomad_address, nomad_region,
// nomad_namespace, nomad_token), the Nomad settings HashiCorp's autoscaler merges in from
// its own nomad block (nomad_ca-cert, nomad_client-cert, nomad_client-key,
// nomad_tls-server-name, nomad_skip-verify, nomad_block-query-wait-time), and this
// product's (auth_token_file, nomad_token_file, poll_interval, cluster_state,
// cache_stale_after). HARVESTER_URL and HARVESTER_TOKEN take precedence, as in the original
// plugin; with no Nomad address given, NOMAD_ADDR, then NOMAD_UNIX_ADDR (a workload
// identity's task API socket); with no Nomad token, NOMAD_TOKEN.
#pragma once

#include "agent/agent_config.h"
#include "engine/plugin_config.h"

namespace ha {

// An unknown key, a bad value or a missing Harvester URL is an error naming the key.
Result<AgentConfig> read_plugin_config(const PluginConfig& config, const EnvLookup& env);

}  // namespace ha
