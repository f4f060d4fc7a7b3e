// The agent file's apm, target and strategy blocks: `KIND "name" { driver, args, config }`,
// read into the built-in plugins' settings.
#include <algorithm>

#include "agent/agent_file_reader.h"
#include "agent/upstream_agent_keys.h"
#include "base/duration.h"

namespace ha::agent_file {
namespace {

const std::vector<std::string> kStrategies = {"target-value", "threshold", "fixed-value",
                                              "pass-through"};

}  // namespace

using hcl_json::child;
using namespace upstream_agent_keys;

void AgentFileReader::read_plugins(const json& doc) {
  for (const Plugin& p : plugins(doc, "apm")) read_apm(p);
  for (const Plugin& p : plugins(doc, "target")) read_target(p);
  for (const Plugin& p : plugins(doc, "strategy")) {
    if (std::find(kStrategies.begin(), kStrategies.end(), p.driver) == kStrategies.end()) {
      r_.error(child(p.at, "driver"), "unknown strategy \"" + p.driver +
                                          "\"; built in: target-value, threshold, "
                                          "fixed-value, pass-through");
    } else {
      warn(p.at, "accepted; strategies are built in, the block changes nothing");
    }
  }
}

// A target may also be unlabelled (named by its driver).
std::vector<AgentFileReader::Plugin> AgentFileReader::plugins(const json& doc, const char* kind) {
  std::vector<Plugin> out;
  if (!doc.contains(kind)) return out;
  std::string at = child("", kind);
  auto unlabelled = [](const json& v) {
    return v.is_object() && v.contains("driver") && v["driver"].is_string();
  };
  std::vector<hcl_json::Block> blocks;
  const json& v = doc[kind];
  if (unlabelled(v)) {
    blocks.push_back({"", &v, at});
  } else if (v.is_array() && !v.empty() && unlabelled(v[0])) {
    for (std::size_t i = 0; i < v.size(); ++i)
      blocks.push_back({"", &v[i], child(at, std::to_string(i))});
  } else {
    blocks = r_.labelled_blocks(v, at);
  }
  for (const auto& b : blocks) {
    Plugin p;
    p.at = b.pointer;
    r_.reject_unknown_keys(*b.body, b.pointer, {"driver", "args", "config"});
    p.driver = r_.text(*b.body, b.pointer, "driver", true).value_or("");
    p.name = b.label.empty() ? p.driver : b.label;
    if (b.label.empty() && std::string(kind) != "target") {
      r_.error(b.pointer, std::string(kind) + " blocks are named: " + kind + " \"NAME\" {...}");
      continue;
    }
    unused(*b.body, b.pointer, "args", "plugins are built in and take no arguments");
    if (b.body->contains("config")) {
      const json& cfg = (*b.body)["config"];
      if (cfg.is_object()) {
        p.config = r_.string_map(cfg, child(b.pointer, "config"));
        p.config_json = &cfg;
      } else {
        r_.error(child(b.pointer, "config"), "expected an object (config = { key = value })");
      }
    }
    if (!p.driver.empty() && p.name != p.driver) {
      r_.error(b.pointer, std::string(kind) + " \"" + p.name + "\": policies name " + kind +
                              "s by their driver here; name the block \"" + p.driver + "\"");
      continue;
    }
    if (!p.driver.empty()) out.push_back(std::move(p));
  }
  return out;
}

void AgentFileReader::config_keys(const Plugin& p, const std::vector<std::string>& known,
                                  const std::vector<std::string>& accepted) {
  std::string at = child(p.at, "config");
  for (const auto& [key, value] : p.config) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (std::find(accepted.begin(), accepted.end(), key) != accepted.end()) {
      warn(child(at, key), "accepted, not acted on by this version");
    } else {
      r_.error(child(at, key), "unknown key (a typo?)");
    }
  }
}

void AgentFileReader::read_apm(const Plugin& p) {
  if (p.driver == "nomad-apm") {
    config_keys(p, {kIgnoreInitKey, kIgnoreDrainKey, kIgnoreIneligibleKey}, {});
    if (p.config_json == nullptr) return;
    // Upstream's config is a map of strings: "true" as well as true.
    PluginConfig filter;
    std::string at = child(p.at, "config");
    for (const char* key : {kIgnoreInitKey, kIgnoreDrainKey, kIgnoreIneligibleKey}) {
      const json& cfg = *p.config_json;
      if (!cfg.contains(key)) continue;
      if (cfg[key].is_boolean()) {
        filter[key] = cfg[key].get<bool>() ? "true" : "false";
      } else {
        text(cfg, at, key, filter[key]);
      }
    }
    if (auto o = parse_node_filter_options(filter)) {
      c_.apm_node_filter = *o;
    } else {
      r_.error(at, o.error().message);
    }
    return;
  }
  if (p.driver != "prometheus") {
    r_.error(child(p.at, "driver"),
             "unknown apm driver \"" + p.driver + "\"; built in: nomad-apm, prometheus");
    return;
  }
  if (p.config_json == nullptr) {
    r_.error(p.at, "the prometheus driver needs config = { address = \"http://...\" }");
    return;
  }
  config_keys(p, {"address", "token", "token_file"},
              {"basic_auth_user", "basic_auth_password", "ca_cert", "skip_verify"});
  const json& cfg = *p.config_json;
  std::string at = child(p.at, "config");
  text(cfg, at, "address", c_.prometheus_address);
  secret(cfg, at, "token", c_.prometheus_token, "token_file");
  path(cfg, at, "token_file", paths_.prometheus_token);
}

void AgentFileReader::read_target(const Plugin& p) {
  if (p.driver == "nomad-target") {
    config_keys(p, {}, {});
    return;
  }
  if (p.driver != "harvester") {
    r_.error(child(p.at, "driver"),
             "unknown target driver \"" + p.driver + "\"; built in: harvester, nomad-target");
    return;
  }
  if (p.config_json == nullptr) return;
  config_keys(
      p,
      {"harvester_url", "auth_token", "auth_token_file", "kubeconfig", "kubeconfig_context",
       "ca_file", "insecure_skip_verify", "poll_interval", "nomad_address", "nomad_region",
       "nomad_namespace", "nomad_token", "nomad_token_file", "cluster_state", "cache_stale_after"},
      {});
  const json& cfg = *p.config_json;
  std::string at = child(p.at, "config");
  text(cfg, at, "harvester_url", c_.harvester_url);
  secret(cfg, at, "auth_token", c_.harvester_token, "auth_token_file or HARVESTER_TOKEN");
  path(cfg, at, "auth_token_file", paths_.harvester_token);
  path(cfg, at, "kubeconfig", paths_.kubeconfig);
  text(cfg, at, "kubeconfig_context", paths_.kubeconfig_context);
  path(cfg, at, "ca_file", c_.harvester_ca_file);
  text(cfg, at, "nomad_address", c_.target_nomad_address);
  text(cfg, at, "nomad_region", c_.target_nomad_region);
  text(cfg, at, "nomad_namespace", c_.target_nomad_namespace);
  secret(cfg, at, "nomad_token", c_.target_nomad_token, "nomad_token_file");
  path(cfg, at, "nomad_token_file", paths_.target_nomad_token);
  // Plugin configs are strings in upstream's schema ("true", "5s"); both forms read.
  if (auto it = p.config.find("insecure_skip_verify"); it != p.config.end()) {
    if (it->second != "true" && it->second != "false") {
      r_.error(child(at, "insecure_skip_verify"), "expected true or false");
    }
    c_.harvester_skip_verify = it->second == "true";
  }
  positive_duration(p, at, "poll_interval", c_.poll_interval);
  positive_duration(p, at, "cache_stale_after", c_.cache_stale_after);
  if (auto it = p.config.find("cluster_state"); it != p.config.end()) {
    if (it->second != "watch" && it->second != "list") {
      r_.error(child(at, "cluster_state"), "expected \"watch\" or \"list\"");
    }
    c_.watch_cluster_state = it->second != "list";
  }
}

void AgentFileReader::positive_duration(const Plugin& p, const std::string& at, const char* key,
                                        Duration& out) {
  auto it = p.config.find(key);
  if (it == p.config.end()) return;
  auto d = parse_duration(it->second);
  if (d && d->count() > 0) {
    out = *d;
  } else {
    r_.error(child(at, key), d ? "must be greater than zero" : d.error().message);
  }
}

}  // namespace ha::agent_file
