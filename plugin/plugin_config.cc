#include "plugin/plugin_config.h"

#include <set>

#include "backends/runtime/text_file.h"
#include "base/duration.h"

namespace ha {
namespace {

Result<bool> go_bool(const std::string& key, const std::string& v) {
  static const std::set<std::string> kTrue{"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string> kFalse{"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.count(v)) return true;
  if (kFalse.count(v)) return false;
  return make_error(key + ": \"" + v + "\" is not a boolean (true or false)", ErrorKind::kInvalid);
}

}  // namespace

Result<AgentConfig> read_plugin_config(const PluginConfig& config, const EnvLookup& env) {
  AgentConfig c;
  c.nomad_address = "";
  std::string kubeconfig, kubeconfig_context, auth_token_file, nomad_token_file;
  const std::map<std::string, std::string*> text = {
      {"harvester_url", &c.harvester_url},
      {"auth_token", &c.harvester_token},
      {"auth_token_file", &auth_token_file},
      {"ca_file", &c.harvester_ca_file},
      {"kubeconfig", &kubeconfig},
      {"kubeconfig_context", &kubeconfig_context},
      {"nomad_address", &c.nomad_address},
      {"nomad_region", &c.nomad_region},
      {"nomad_namespace", &c.nomad_namespace},
      {"nomad_token", &c.nomad_token},
      {"nomad_token_file", &nomad_token_file},
      {"nomad_ca-cert", &c.nomad_ca_cert},
      {"nomad_client-cert", &c.nomad_client_cert},
      {"nomad_client-key", &c.nomad_client_key},
      {"nomad_tls-server-name", &c.nomad_tls_server_name},
  };
  // Merged in by HashiCorp's autoscaler, with nothing to do here: its blocking-query wait
  // (the caches keep their own) and whether to merge at all.
  static const std::set<std::string> kIgnored = {"nomad_block-query-wait-time",
                                                 "nomad_config_inherit"};
  for (const auto& [key, value] : config) {
    if (auto it = text.find(key); it != text.end()) {
      *it->second = value;
    } else if (key == "insecure_skip_verify" || key == "nomad_skip-verify") {
      if (value.empty()) continue;
      auto b = go_bool(key, value);
      if (!b) return b.error();
      (key == "insecure_skip_verify" ? c.harvester_skip_verify : c.nomad_skip_verify) = *b;
    } else if (key == "poll_interval" || key == "cache_stale_after") {
      auto d = parse_duration(value);
      if (!d || d->count() <= 0) {
        return make_error(key + ": \"" + value + "\" is not a positive duration (e.g. 5s)",
                          ErrorKind::kInvalid);
      }
      (key == "poll_interval" ? c.poll_interval : c.cache_stale_after) = *d;
    } else if (key == "cluster_state") {
      if (value != "watch" && value != "list") {
        return make_error("cluster_state: \"" + value + "\": expected watch or list",
                          ErrorKind::kInvalid);
      }
      c.watch_cluster_state = value == "watch";
    } else if ((key == "nomad_http-auth" || key == "nomad_ca-path") && !value.empty()) {
      return make_error(key + ": not supported by this plugin (use nomad_token; nomad_ca-cert)",
                        ErrorKind::kInvalid);
    } else if (!kIgnored.count(key) && key != "nomad_http-auth" && key != "nomad_ca-path" &&
               key.rfind("_nomad_autoscaler", 0) != 0) {  // the autoscaler's own, if ever sent
      return make_error(key + ": unknown key (a typo?)", ErrorKind::kInvalid);
    }
  }
  // Tokens from files (a Nomad job's secrets/ directory): one way per token.
  for (auto [key, file, token] :
       {std::tuple{"auth_token_file", &auth_token_file, &c.harvester_token},
        std::tuple{"nomad_token_file", &nomad_token_file, &c.nomad_token}}) {
    if (file->empty()) continue;
    std::string inline_key = std::string(key).substr(0, std::string(key).size() - 5);
    if (!token->empty()) {
      return make_error(inline_key + " and " + key + ": give one", ErrorKind::kInvalid);
    }
    auto t = read_token_file(*file);
    if (!t) return make_error(std::string(key) + ": " + t.error().message, ErrorKind::kInvalid);
    *token = *t;
  }
  if (!kubeconfig.empty()) {
    auto k = read_kubeconfig(kubeconfig, kubeconfig_context);
    if (!k) return make_error("kubeconfig: " + k.error().message, ErrorKind::kInvalid);
    std::string url = c.harvester_url;
    apply_kubeconfig(c, *k);
    if (!url.empty()) c.harvester_url = url;
  }
  if (auto v = env("HARVESTER_URL"); v && !v->empty()) c.harvester_url = *v;
  if (auto v = env("HARVESTER_TOKEN"); v && !v->empty()) c.harvester_token = *v;
  // Unset by the config and by HashiCorp's autoscaler: NOMAD_ADDR, then the task API
  // socket of a task with a workload identity (NOMAD_UNIX_ADDR), as the agent reads them.
  for (const char* name : {"NOMAD_ADDR", "NOMAD_UNIX_ADDR"}) {
    if (c.nomad_address.empty()) c.nomad_address = env(name).value_or("");
  }
  if (c.nomad_address.empty()) c.nomad_address = AgentConfig{}.nomad_address;
  if (c.nomad_token.empty()) c.nomad_token = env("NOMAD_TOKEN").value_or("");
  bool socket = c.nomad_address.rfind("unix:///", 0) == 0 && c.nomad_address.size() > 8;
  if (!socket && c.nomad_address.rfind("http://", 0) != 0 &&
      c.nomad_address.rfind("https://", 0) != 0) {
    return make_error("nomad_address: \"" + c.nomad_address +
                          "\" is neither an http(s) URL nor unix:///path/to/socket",
                      ErrorKind::kInvalid);
  }
  if (c.harvester_url.empty()) {
    return make_error("harvester_url: missing (or HARVESTER_URL, or a kubeconfig)",
                      ErrorKind::kInvalid);
  }
  if (c.harvester_url.rfind("http://", 0) != 0 && c.harvester_url.rfind("https://", 0) != 0) {
    return make_error("harvester_url: \"" + c.harvester_url + "\" is not an http(s) URL",
                      ErrorKind::kInvalid);
  }
  if (c.harvester_token.empty() && c.harvester_client_cert_pem.empty() &&
      c.harvester_client_cert_file.empty()) {
    return make_error("auth_token: missing (or HARVESTER_TOKEN, or a kubeconfig with credentials)",
                      ErrorKind::kInvalid);
  }
  if (c.nomad_client_cert.empty() != c.nomad_client_key.empty()) {
    return make_error("nomad_client-cert and nomad_client-key go together", ErrorKind::kInvalid);
  }
  return c;
}

}  // namespace ha
