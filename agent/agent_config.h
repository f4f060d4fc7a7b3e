// The agent's configuration: a JSON file in the shape of the Nomad Autoscaler's agent config
// (HCL blocks as JSON objects), then command-line flags over it, then the environment for
// secrets, as upstream does:
//
//   { "log_level": "info", "log_json": false, "dry_run": false,
//     "shutdown_timeout": "30s",
//     "http":   { "bind_address": "127.0.0.1", "bind_port": 8080 },
//     "nomad":  { "address": "http://127.0.0.1:4646", "region": "", "namespace": "",
//                 "token_file": "", "ca_cert": "", "skip_verify": false },
//     "policy": { "dir": "policies", "source_nomad": true,
//                 "default_cooldown": "5m", "default_evaluation_interval": "10s" },
//     "apm":    { "nomad-apm": { "driver": "nomad-apm" },
//                 "prometheus": { "driver": "prometheus",
//                                 "config": { "address": "http://prometheus:9090",
//                                             "token_file": "" } } },
//     "target": { "harvester": { "driver": "harvester",
//                 "config": { "harvester_url": "https://harvester:6443",
//                             "auth_token_file": "", "ca_file": "",
//                             "insecure_skip_verify": false, "poll_interval": "5s",
//                             "kubeconfig": "", "kubeconfig_context": "" } } } }
//
// Tokens are read from files (token_file, auth_token_file) or from NOMAD_TOKEN and
// HARVESTER_TOKEN, never from the config itself: a "token" key is an error saying so.
// A kubeconfig (Harvester's download) gives the Harvester URL, CA and token; explicit
// settings override it. HARVESTER_URL and NOMAD_ADDR override the file, flags override both.
// Relative paths in the file are relative to the file's directory.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/log.h"
#include "base/result.h"
#include "base/time.h"

namespace ha {

struct AgentConfig {
  LogLevel log_level = LogLevel::kInfo;
  bool log_json = false;
  bool dry_run = false;
  Duration shutdown_timeout = std::chrono::seconds(30);
  std::string http_bind_address = "127.0.0.1";
  int http_bind_port = 8080;

  std::string nomad_address = "http://127.0.0.1:4646";
  std::string nomad_region, nomad_namespace;
  std::string nomad_token;  // from token_file or NOMAD_TOKEN; never logged
  std::string nomad_ca_cert;
  bool nomad_skip_verify = false;

  std::string prometheus_address;  // empty: no `prometheus` source
  std::string prometheus_token;    // from apm.prometheus.config.token_file; never logged

  std::string policy_dir;           // empty: no file policies
  bool policy_source_nomad = true;  // also task-group policies from /v1/scaling/policies

  std::string harvester_url;
  std::string harvester_token;  // from auth_token_file or HARVESTER_TOKEN; never logged
  std::string harvester_ca_file;
  std::string harvester_ca_pem;  // from a kubeconfig's certificate-authority-data
  bool harvester_skip_verify = false;
  // How often the target polls VMs it creates and nodes it drains.
  Duration poll_interval = std::chrono::seconds(5);
};

// Flags given on the command line (unset ones leave the file's value).
struct AgentFlags {
  std::optional<std::string> nomad_address, nomad_token_file, harvester_url, harvester_token_file,
      policy_dir, http_bind, log_level, kubeconfig;
  bool dry_run = false, log_json = false;
};

using EnvLookup = std::function<std::optional<std::string>(const char*)>;

// Reads the file (if any), applies the environment and the flags, reads the token files and
// checks the result. Errors name the file and the key, or the flag; never a token's value.
Result<AgentConfig> load_agent_config(const std::optional<std::string>& file,
                                      const AgentFlags& flags, const EnvLookup& env);

}  // namespace ha
