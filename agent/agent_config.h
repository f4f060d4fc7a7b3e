// The agent's configuration: a file in the Nomad Autoscaler agent's schema, in HCL or its
// JSON syntax (docs/agent.md), then the environment, then command-line flags:
//
//   log_level = "info"                      log_json, log_include_location, enable_debug,
//   http { bind_address = "127.0.0.1"  bind_port = 8080 }          plugin_dir
//   nomad { address = "https://nomad:4646"  region  namespace  token  token_file
//           ca_cert  client_cert  client_key  tls_server_name  skip_verify
//           (http_auth ca_path block_query_wait_time: accepted, not acted on) }
//   policy { dir = "policies"  default_cooldown = "5m"  default_evaluation_interval = "10s"
//            source "file" { enabled = true }  source "nomad" { enabled = true } }
//   apm "nomad-apm"  { driver = "nomad-apm" }
//   apm "prometheus" { driver = "prometheus"  config = { address = "http://prom:9090" } }
//   target "harvester" { driver = "harvester"  config = { harvester_url = "https://h:6443"
//       auth_token | auth_token_file | kubeconfig, kubeconfig_context, ca_file,
//       insecure_skip_verify, poll_interval, nomad_address, nomad_region, nomad_namespace,
//       nomad_token | nomad_token_file, cluster_state = "watch" | "list",
//       cache_stale_after = "10m" } }
//   strategy "target-value" { driver = "target-value" }   (built in; the block changes nothing)
//   high_availability { enabled = false  lock_namespace = "default"
//       lock_path = "nomad-autoscaler/lock"  lock_ttl = "60s"  lock_delay = "30s" }
//   policy_eval {}  telemetry {}  dynamic_application_sizing {}
//   dry_run = false  shutdown_timeout = "30s"               (this product's own)
//
// An unlabelled `target { driver = "harvester" ... }` (the original plugin's article) is
// named by its driver. Keys upstream has that this product does not act on are accepted,
// each with one warning; keys upstream does not have are errors. Tokens come from *_file
// keys, NOMAD_TOKEN and HARVESTER_TOKEN, or from the file itself only when group and others
// cannot read it (as ssh treats private keys). HARVESTER_URL and Nomad's own environment
// (NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION, NOMAD_NAMESPACE, NOMAD_CACERT, NOMAD_CLIENT_CERT,
// NOMAD_CLIENT_KEY, NOMAD_TLS_SERVER_NAME, NOMAD_SKIP_VERIFY) override the file, flags
// override both. Relative paths in the file are relative to its directory.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backends/http/kubeconfig.h"
#include "base/log.h"
#include "base/result.h"
#include "base/time.h"
#include "engine/nomad/pool_filter.h"
#include "engine/policy/policy.h"

namespace ha {

struct AgentConfig {
  std::string file;  // the config file read, if any
  // The User-Agent's product ("harvester-autoscaler/VERSION"; the command sets it); the agent
  // adds its instance name.
  std::string product = "harvester-autoscaler";
  LogLevel log_level = LogLevel::kInfo;
  bool log_json = false;
  bool dry_run = false;
  Duration shutdown_timeout = std::chrono::seconds(30);
  std::string http_bind_address = "127.0.0.1";
  int http_bind_port = 8080;

  // http(s)://host:port, or unix:///path/api.sock: a socket, as Nomad's api package takes
  // one (a task's API socket, NOMAD_UNIX_ADDR, when no address is configured).
  std::string nomad_address = "http://127.0.0.1:4646";
  // The socket of a unix:// address ("" for an http(s) one), and the URL requests are
  // written with (a unix:// address: http://localhost, the socket carrying them).
  std::string nomad_socket() const {
    return nomad_address.rfind("unix://", 0) == 0 ? nomad_address.substr(7) : "";
  }
  std::string nomad_url() const {
    return nomad_socket().empty() ? nomad_address : "http://localhost";
  }
  std::string nomad_region, nomad_namespace;
  std::string nomad_token;  // never logged
  std::string nomad_ca_cert;
  // Mutual TLS (a Nomad with tls { verify_https_client = true }): PEM files, never logged.
  std::string nomad_client_cert, nomad_client_key;
  std::string nomad_tls_server_name;  // e.g. server.global.nomad; empty: the address's host
  bool nomad_skip_verify = false;

  // apm "nomad-apm" { config { node_filter_ignore_* } }: the pool nodes its percentage
  // queries ignore rather than fail on.
  NodeFilterOptions apm_node_filter;

  std::string prometheus_address;  // empty: no `prometheus` source
  std::string prometheus_token;    // never logged

  std::string policy_dir;           // empty: no file policies
  bool policy_source_file = true;   // policy "file" source
  bool policy_source_nomad = true;  // task-group policies from /v1/scaling/policies
  PolicyDefaults policy_defaults;

  std::string harvester_url;
  std::string harvester_token;  // never logged
  std::string harvester_ca_file;
  std::string harvester_ca_pem;  // from a kubeconfig's certificate-authority-data
  // A client certificate from a kubeconfig (RKE2's rke2.yaml): PEM data or files.
  std::string harvester_client_cert_pem, harvester_client_key_pem;  // never logged
  std::string harvester_client_cert_file, harvester_client_key_file;
  bool harvester_skip_verify = false;
  // How often the target polls VMs it creates and nodes it drains.
  Duration poll_interval = std::chrono::seconds(5);
  // VMs from watch-fed caches ("watch", the default) or a list per evaluation ("list"); a
  // cache silent for longer than cache_stale_after is not used and fails /v1/health.
  bool watch_cluster_state = true;
  Duration cache_stale_after = std::chrono::minutes(10);
  // The Harvester target's own Nomad client, when it is not the agent's (the original
  // plugin's nomad_* target keys); empty address: the agent's.
  std::string target_nomad_address, target_nomad_region, target_nomad_namespace;
  std::string target_nomad_token;  // never logged

  // Several agents, one active: a lock on a Nomad Variable (upstream's defaults; Nomad takes
  // TTLs of 10s to 24h).
  struct HighAvailability {
    bool enabled = false;
    std::string lock_namespace = "default";
    std::string lock_path = "nomad-autoscaler/lock";
    Duration lock_ttl = std::chrono::seconds(60);
    Duration lock_delay = std::chrono::seconds(30);
  } high_availability;

  // One line per key accepted but not acted on; the agent logs them at start.
  std::vector<std::string> warnings;
};

// Flags given on the command line (unset ones leave the file's value).
struct AgentFlags {
  std::optional<std::string> nomad_address, nomad_token_file, harvester_url, harvester_token_file,
      policy_dir, http_bind, log_level, kubeconfig;
  bool dry_run = false, log_json = false;
};

using EnvLookup = std::function<std::optional<std::string>(const char*)>;

// Reads the file (if any), applies the environment and the flags, reads the token files and
// checks the result. Errors name the file and the key (every problem of the file, one per
// line), or the flag; never a token's value.
// The Harvester connection a kubeconfig gives (its server unless a URL is set, its
// credentials and CA), as the agent and the plugin take one.
void apply_kubeconfig(AgentConfig& c, const KubeconfigConnection& k);

Result<AgentConfig> load_agent_config(const std::optional<std::string>& file,
                                      const AgentFlags& flags, const EnvLookup& env);

// The configuration as the agent runs with it, every secret "<redacted>" (validate
// --agent-config).
nlohmann::ordered_json effective_agent_config(const AgentConfig& c);

}  // namespace ha
