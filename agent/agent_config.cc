#include "agent/agent_config.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "agent/agent_config_file.h"
#include "backends/http/kubeconfig.h"
#include "backends/runtime/stream_logger.h"
#include "backends/runtime/text_file.h"
#include "base/duration.h"

namespace ha {
namespace {

using nlohmann::json;

Result<std::string> token(const std::string& file, const char* what) {
  auto t = read_token_file(file);
  if (!t) return make_error(std::string(what) + ": " + t.error().message, ErrorKind::kInvalid);
  return *t;
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

void apply_kubeconfig(AgentConfig& c, const KubeconfigConnection& k) {
  if (c.harvester_url.empty()) c.harvester_url = k.server;
  c.harvester_token = k.token;
  if (c.harvester_ca_file.empty()) c.harvester_ca_file = k.ca_file;
  c.harvester_ca_pem = k.ca_pem;
  c.harvester_skip_verify = c.harvester_skip_verify || k.insecure;
  c.harvester_client_cert_pem = k.client_cert_pem;
  c.harvester_client_key_pem = k.client_key_pem;
  c.harvester_client_cert_file = k.client_cert_file;
  c.harvester_client_key_file = k.client_key_file;
}

Result<AgentConfig> load_agent_config(const std::optional<std::string>& file,
                                      const AgentFlags& flags, const EnvLookup& env) {
  AgentConfig c;
  AgentConfigPaths files;
  if (file) {
    Diagnostics diags;
    read_agent_config_file(*file, c, files, diags);
    if (!diags.empty()) {
      std::string message;
      for (const Diagnostic& d : diags) {
        if (!message.empty()) message.append("\n");
        message.append(d.to_string());
      }
      return make_error(message, ErrorKind::kInvalid);
    }
  }
  if (flags.kubeconfig) files.kubeconfig = *flags.kubeconfig;
  if (!files.kubeconfig.empty()) {
    // The kubeconfig first: everything after it overrides what it says.
    auto k = read_kubeconfig(files.kubeconfig, files.kubeconfig_context);
    if (!k) return k.error();
    apply_kubeconfig(c, *k);
  }
  // Environment over the file. A task with a workload identity has its client's API socket
  // (NOMAD_UNIX_ADDR, client/taskenv/env.go) where the file and NOMAD_ADDR name no address.
  if (auto v = env("NOMAD_UNIX_ADDR");
      v && !v->empty() && c.nomad_address == AgentConfig{}.nomad_address) {
    c.nomad_address = *v;
  }
  if (auto v = env("NOMAD_ADDR"); v && !v->empty()) c.nomad_address = *v;
  if (auto v = env("NOMAD_TOKEN"); v && !v->empty()) c.nomad_token = *v;
  for (auto [name, field] : {std::pair{"NOMAD_REGION", &c.nomad_region},
                             std::pair{"NOMAD_NAMESPACE", &c.nomad_namespace},
                             std::pair{"NOMAD_CACERT", &c.nomad_ca_cert},
                             std::pair{"NOMAD_CLIENT_CERT", &c.nomad_client_cert},
                             std::pair{"NOMAD_CLIENT_KEY", &c.nomad_client_key},
                             std::pair{"NOMAD_TLS_SERVER_NAME", &c.nomad_tls_server_name}}) {
    if (auto v = env(name); v && !v->empty()) *field = *v;
  }
  if (auto v = env("NOMAD_SKIP_VERIFY"); v && !v->empty()) {
    // Go's strconv.ParseBool, as Nomad's api package reads it; anything else is an error.
    static const std::set<std::string> kTrue{"1", "t", "T", "TRUE", "true", "True"};
    static const std::set<std::string> kFalse{"0", "f", "F", "FALSE", "false", "False"};
    if (!kTrue.count(*v) && !kFalse.count(*v)) {
      return make_error("NOMAD_SKIP_VERIFY: \"" + *v + "\" is not a boolean (true or false)",
                        ErrorKind::kInvalid);
    }
    c.nomad_skip_verify = kTrue.count(*v) > 0;
  }
  if (c.nomad_client_cert.empty() != c.nomad_client_key.empty()) {
    return make_error(
        "nomad: client_cert and client_key (NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY) "
        "go together",
        ErrorKind::kInvalid);
  }
  if (auto v = env("HARVESTER_URL"); v && !v->empty()) c.harvester_url = *v;
  if (auto v = env("HARVESTER_TOKEN"); v && !v->empty()) c.harvester_token = *v;
  // Flags over both.
  if (flags.nomad_address) c.nomad_address = *flags.nomad_address;
  if (flags.harvester_url) c.harvester_url = *flags.harvester_url;
  if (flags.policy_dir) c.policy_dir = *flags.policy_dir;
  if (flags.nomad_token_file) files.nomad_token = *flags.nomad_token_file;
  if (flags.harvester_token_file) files.harvester_token = *flags.harvester_token_file;
  if (flags.dry_run) c.dry_run = true;
  if (flags.log_json) c.log_json = true;
  if (flags.log_level) {
    auto l = parse_log_level(*flags.log_level);
    if (!l) return make_error("--log-level: " + l.error().message, ErrorKind::kInvalid);
    c.log_level = *l;
  }
  if (flags.http_bind) {
    const std::string& b = *flags.http_bind;
    auto colon = b.rfind(':');
    int port = -1;
    try {
      std::size_t used = 0;
      if (colon != std::string::npos) port = std::stoi(b.substr(colon + 1), &used);
      if (used != b.size() - colon - 1) port = -1;
    } catch (const std::exception&) {
      port = -1;
    }
    if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
      return make_error("--http-bind \"" + b + "\": expected HOST:PORT", ErrorKind::kInvalid);
    }
    c.http_bind_address = b.substr(0, colon);
    c.http_bind_port = port;
  }
  // A token file named explicitly wins over the environment.
  if (!files.nomad_token.empty()) {
    auto t = token(files.nomad_token, "nomad token file");
    if (!t) return t.error();
    c.nomad_token = *t;
  }
  if (!files.harvester_token.empty()) {
    auto t = token(files.harvester_token, "harvester token file");
    if (!t) return t.error();
    c.harvester_token = *t;
  }
  if (!files.prometheus_token.empty()) {
    auto t = token(files.prometheus_token, "prometheus token file");
    if (!t) return t.error();
    c.prometheus_token = *t;
  }
  if (!files.target_nomad_token.empty()) {
    auto t = token(files.target_nomad_token, "harvester target's nomad token file");
    if (!t) return t.error();
    c.target_nomad_token = *t;
  }
  if (!c.target_nomad_address.empty() && !c.nomad_socket().empty()) {
    // Both Nomad clients share the agent's Nomad connection, which a socket would carry.
    return make_error(
        "target.harvester.config.nomad_address: not supported while the agent "
        "reaches Nomad through a socket (" +
            c.nomad_address + ")",
        ErrorKind::kInvalid);
  }
  if (!c.target_nomad_address.empty() && !is_http_url(c.target_nomad_address)) {
    return make_error("target.harvester.config.nomad_address \"" + c.target_nomad_address +
                          "\" is not an http(s) URL",
                      ErrorKind::kInvalid);
  }
  if (!c.prometheus_address.empty() && !is_http_url(c.prometheus_address)) {
    return make_error(
        "apm.prometheus.config.address \"" + c.prometheus_address + "\" is not an http(s) URL",
        ErrorKind::kInvalid);
  }
  if (!is_http_url(c.nomad_address) &&
      (c.nomad_address.rfind("unix:///", 0) != 0 || c.nomad_address.size() <= 8)) {
    return make_error("nomad address \"" + c.nomad_address +
                          "\" is neither an http(s) URL nor unix:///path/to/socket",
                      ErrorKind::kInvalid);
  }
  if (c.harvester_url.empty()) {
    return make_error(
        "no Harvester URL: set target.harvester.config.harvester_url, HARVESTER_URL or "
        "--harvester-url",
        ErrorKind::kInvalid);
  }
  if (!is_http_url(c.harvester_url)) {
    return make_error("harvester URL \"" + c.harvester_url + "\" is not an http(s) URL",
                      ErrorKind::kInvalid);
  }
  if (c.http_bind_port < 0 || c.http_bind_port > 65535) {
    return make_error("http.bind_port: must be 0-65535", ErrorKind::kInvalid);
  }
  if (!c.policy_source_file) c.policy_dir.clear();
  if (c.policy_dir.empty() && !c.policy_source_nomad) {
    return make_error(
        "no policy source: set policy.dir (or --policy-dir), or enable policy source \"nomad\"",
        ErrorKind::kInvalid);
  }
  return c;
}

nlohmann::ordered_json effective_agent_config(const AgentConfig& c) {
  auto secret = [](const std::string& s) { return s.empty() ? "" : "<redacted>"; };
  auto seconds = [](Duration d) { return format_duration(d); };
  nlohmann::ordered_json out;
  out["file"] = c.file;
  out["log_level"] = std::string(to_string(c.log_level));
  out["log_json"] = c.log_json;
  out["dry_run"] = c.dry_run;
  out["shutdown_timeout"] = seconds(c.shutdown_timeout);
  out["http"] = {{"bind_address", c.http_bind_address}, {"bind_port", c.http_bind_port}};
  out["nomad"] = {{"address", c.nomad_address},
                  {"region", c.nomad_region},
                  {"namespace", c.nomad_namespace},
                  {"token", secret(c.nomad_token)},
                  {"ca_cert", c.nomad_ca_cert},
                  {"client_cert", c.nomad_client_cert},
                  {"client_key", c.nomad_client_key.empty() ? "" : "(set)"},
                  {"tls_server_name", c.nomad_tls_server_name},
                  {"skip_verify", c.nomad_skip_verify}};
  out["policy"] = {{"dir", c.policy_dir},
                   {"default_cooldown", seconds(c.policy_defaults.cooldown)},
                   {"default_evaluation_interval", seconds(c.policy_defaults.evaluation_interval)},
                   {"source", {{"file", c.policy_source_file}, {"nomad", c.policy_source_nomad}}}};
  out["apm"] = {{"nomad-apm",
                 {{"driver", "nomad-apm"},
                  {"config",
                   {{kIgnoreInitKey, c.apm_node_filter.ignore_init},
                    {kIgnoreDrainKey, c.apm_node_filter.ignore_drain},
                    {kIgnoreIneligibleKey, c.apm_node_filter.ignore_ineligible}}}}}};
  if (!c.prometheus_address.empty()) {
    out["apm"]["prometheus"] = {
        {"driver", "prometheus"},
        {"config", {{"address", c.prometheus_address}, {"token", secret(c.prometheus_token)}}}};
  }
  nlohmann::ordered_json harvester = {
      {"harvester_url", c.harvester_url},
      {"auth_token", secret(c.harvester_token)},
      {"ca_file", c.harvester_ca_file},
      {"ca_from_kubeconfig", !c.harvester_ca_pem.empty()},
      {"client_certificate_from_kubeconfig",
       !c.harvester_client_cert_pem.empty() || !c.harvester_client_cert_file.empty()},
      {"insecure_skip_verify", c.harvester_skip_verify},
      {"poll_interval", seconds(c.poll_interval)},
      {"cluster_state", c.watch_cluster_state ? "watch" : "list"},
      {"cache_stale_after", seconds(c.cache_stale_after)}};
  if (!c.target_nomad_address.empty()) {
    harvester["nomad_address"] = c.target_nomad_address;
    harvester["nomad_region"] = c.target_nomad_region;
    harvester["nomad_namespace"] = c.target_nomad_namespace;
    harvester["nomad_token"] = secret(c.target_nomad_token);
  }
  out["target"] = {{"harvester", {{"driver", "harvester"}, {"config", harvester}}},
                   {"nomad-target", {{"driver", "nomad-target"}}}};
  const auto& ha = c.high_availability;
  out["high_availability"] = {{"enabled", ha.enabled},
                              {"lock_namespace", ha.lock_namespace},
                              {"lock_path", ha.lock_path},
                              {"lock_ttl", seconds(ha.lock_ttl)},
                              {"lock_delay", seconds(ha.lock_delay)}};
  out["warnings"] = c.warnings;
  return out;
}

}  // namespace ha
