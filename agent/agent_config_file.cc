#include "agent/agent_config_file.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "agent/upstream_agent_keys.h"
#include "backends/runtime/stream_logger.h"
#include "backends/runtime/text_file.h"
#include "base/duration.h"
#include "engine/policy/config_file.h"
#include "engine/policy/hcl_json.h"

namespace ha {
namespace {

using hcl_json::child;
using namespace upstream_agent_keys;
using nlohmann::json;

const std::vector<std::string> kStrategies = {"target-value", "threshold", "fixed-value",
                                              "pass-through"};

class AgentFileReader {
 public:
  AgentFileReader(const std::string& path, AgentConfig& c, AgentConfigPaths& paths,
                  Diagnostics& diags)
      : path_(path), c_(c), paths_(paths), r_(path, diags) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) mode_ = st.st_mode & 0777;
  }

  void read(const json& doc) {
    if (!doc.is_object()) return r_.error("/", "expected a body of attributes and blocks");
    r_.reject_unknown_keys(
        doc, "",
        {"log_level", "log_json", "log_include_location", "enable_debug", "plugin_dir", "http",
         "nomad", "policy", "policy_eval", "apm", "target", "strategy", "telemetry",
         "high_availability", "dynamic_application_sizing", "dry_run", "shutdown_timeout"});
    if (auto level = r_.text(doc, "", "log_level", false)) {
      auto l = parse_log_level(*level);
      if (l) {
        c_.log_level = *l;
      } else {
        r_.error("/log_level", l.error().message);
      }
    }
    flag(doc, "", "log_json", c_.log_json);
    flag(doc, "", "dry_run", c_.dry_run);
    if (auto d = r_.duration(doc, "", "shutdown_timeout", false, {})) c_.shutdown_timeout = *d;
    unused(doc, "", "log_include_location", "log lines carry no source location");
    unused(doc, "", "enable_debug", "there is no debug endpoint");
    unused(doc, "", "plugin_dir", "plugins are built in");
    if (const json* http = block(doc, "", "http")) {
      r_.reject_unknown_keys(*http, "/http", {"bind_address", "bind_port"});
      text(*http, "/http", "bind_address", c_.http_bind_address);
      if (auto port = r_.whole_number(*http, "/http", "bind_port", false)) {
        c_.http_bind_port = static_cast<int>(std::min<std::int64_t>(*port, 65536));
      }
    }
    if (const json* nomad = block(doc, "", "nomad")) read_nomad(*nomad, "/nomad");
    if (const json* policy = block(doc, "", "policy")) read_policy(*policy, "/policy");
    accepted_block(doc, "policy_eval", kPolicyEvalKeys);
    accepted_block(doc, "telemetry", kTelemetryKeys);
    if (const json* ha = block(doc, "", "high_availability")) {
      read_high_availability(*ha, "/high_availability");
    }
    accepted_block(doc, "dynamic_application_sizing", kDasKeys);
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

  Diagnostics warnings;

 private:
  struct Plugin {
    std::string name, driver, at;
    std::map<std::string, std::string> config;
    const json* config_json = nullptr;
  };

  void warn(const std::string& at, std::string why) { warnings.push_back({path_, at, why}); }

  void text(const json& obj, const std::string& at, const char* key, std::string& into) {
    if (!obj.contains(key)) return;
    if (obj[key].is_string()) {
      into = obj[key].get<std::string>();
    } else {
      r_.error(child(at, key), "expected a string");
    }
  }
  void flag(const json& obj, const std::string& at, const char* key, bool& into) {
    if (auto b = r_.boolean(obj, at, key, false)) into = *b;
  }
  void path(const json& obj, const std::string& at, const char* key, std::string& into) {
    if (!obj.contains(key)) return;
    text(obj, at, key, into);
    if (!into.empty() && std::filesystem::path(into).is_relative()) {
      into = (std::filesystem::path(path_).parent_path() / into).string();
    }
  }
  void unused(const json& obj, const std::string& at, const char* key, const std::string& why) {
    if (obj.contains(key) && !obj[key].is_null() && obj[key] != false && obj[key] != "") {
      warn(child(at, key), "accepted, not acted on: " + why);
    }
  }
  const json* block(const json& obj, const std::string& at, const char* key) {
    if (!obj.contains(key)) return nullptr;
    return r_.single_block(obj[key], child(at, key));
  }
  void accepted_block(const json& doc, const char* key, const std::vector<std::string>& keys) {
    const json* b = block(doc, "", key);
    if (b == nullptr) return;
    std::string at = child("", key);
    r_.reject_unknown_keys(*b, at, keys);
    for (const auto& [k, v] : b->items()) {
      if (std::find(keys.begin(), keys.end(), k) != keys.end()) {
        warn(child(at, k), "accepted, not acted on by this version");
      }
    }
  }
  void read_high_availability(const json& b, const std::string& at) {
    auto& ha = c_.high_availability;
    r_.reject_unknown_keys(b, at,
                           {"enabled", "lock_namespace", "lock_path", "lock_ttl", "lock_delay"});
    flag(b, at, "enabled", ha.enabled);
    text(b, at, "lock_namespace", ha.lock_namespace);
    text(b, at, "lock_path", ha.lock_path);
    if (ha.lock_path.empty()) r_.error(child(at, "lock_path"), "must not be empty");
    if (auto d = r_.duration(b, at, "lock_delay", false, {})) ha.lock_delay = *d;
    auto ttl = r_.duration(b, at, "lock_ttl", false, {});
    // Nomad refuses other TTLs (nomad/structs/variables.go): said here, before it does.
    if (ttl && (*ttl < std::chrono::seconds(10) || *ttl > std::chrono::hours(24))) {
      r_.error(child(at, "lock_ttl"), "must be between 10s and 24h (Nomad's bounds)");
    } else if (ttl) {
      ha.lock_ttl = *ttl;
    }
  }
  // A token written in the file: only when group and others cannot read the file.
  void secret(const json& obj, const std::string& at, const char* key, std::string& into,
              const std::string& instead) {
    if (!obj.contains(key)) return;
    std::string value;
    text(obj, at, key, value);
    if (value.empty()) return;
    if (mode_ & 077) {
      char mode[16];
      std::snprintf(mode, sizeof mode, "%04o", mode_);
      r_.error(child(at, key), std::string("a token in a file that group or others can read ") +
                                   "(mode " + mode + "): chmod 600 " + path_ + ", or use " +
                                   instead);
      return;
    }
    into = value;
  }

  void read_nomad(const json& n, const std::string& at) {
    r_.reject_unknown_keys(
        n, at,
        {"address", "region", "namespace", "token", "token_file", "http_auth", "ca_cert", "ca_path",
         "client_cert", "client_key", "tls_server_name", "skip_verify", "block_query_wait_time"});
    text(n, at, "address", c_.nomad_address);
    text(n, at, "region", c_.nomad_region);
    if (n.contains("namespace")) {
      // Upstream takes one namespace or, since 0.4.7, a list; this agent watches one.
      const json& ns = n["namespace"];
      if (ns.is_string()) {
        c_.nomad_namespace = ns.get<std::string>();
      } else if (ns.is_array() && ns.size() == 1 && ns[0].is_string() && ns[0] != "*") {
        c_.nomad_namespace = ns[0].get<std::string>();
      } else {
        r_.error(child(at, "namespace"),
                 "expected one namespace (a string); this agent does "
                 "not watch several");
      }
    }
    secret(n, at, "token", c_.nomad_token, "nomad.token_file or NOMAD_TOKEN");
    path(n, at, "token_file", paths_.nomad_token);
    path(n, at, "ca_cert", c_.nomad_ca_cert);
    path(n, at, "client_cert", c_.nomad_client_cert);
    path(n, at, "client_key", c_.nomad_client_key);
    text(n, at, "tls_server_name", c_.nomad_tls_server_name);
    flag(n, at, "skip_verify", c_.nomad_skip_verify);
    unused(n, at, "http_auth", "HTTP basic auth to Nomad is not supported");
    unused(n, at, "ca_path", "use ca_cert (one PEM file)");
    if (r_.duration(n, at, "block_query_wait_time", false, {})) {
      warn(child(at, "block_query_wait_time"), "accepted, not acted on: Nomad is polled");
    }
  }

  void read_policy(const json& p, const std::string& at) {
    r_.reject_unknown_keys(p, at,
                           {"dir", "default_cooldown", "default_evaluation_interval", "source"});
    path(p, at, "dir", c_.policy_dir);
    if (auto d = r_.duration(p, at, "default_cooldown", false, {})) {
      c_.policy_defaults.cooldown = *d;
    }
    if (auto d = r_.duration(p, at, "default_evaluation_interval", false, {.positive = true})) {
      c_.policy_defaults.evaluation_interval = *d;
    }
    if (!p.contains("source")) return;
    for (const auto& s : r_.labelled_blocks(p["source"], child(at, "source"))) {
      r_.reject_unknown_keys(*s.body, s.pointer, {"enabled"});
      bool* enabled = s.label == "file"    ? &c_.policy_source_file
                      : s.label == "nomad" ? &c_.policy_source_nomad
                                           : nullptr;
      if (enabled == nullptr) {
        r_.error(s.pointer, "unknown policy source \"" + s.label + "\" (file, nomad)");
      } else {
        flag(*s.body, s.pointer, "enabled", *enabled);
      }
    }
  }

  // apm, target and strategy blocks: `KIND "name" { driver, args, config }`; a target may
  // also be unlabelled (named by its driver).
  std::vector<Plugin> plugins(const json& doc, const char* kind) {
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

  void config_keys(const Plugin& p, const std::vector<std::string>& known,
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

  void read_apm(const Plugin& p) {
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

  void read_target(const Plugin& p) {
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
    config_keys(p,
                {"harvester_url", "auth_token", "auth_token_file", "kubeconfig",
                 "kubeconfig_context", "ca_file", "insecure_skip_verify", "poll_interval",
                 "nomad_address", "nomad_region", "nomad_namespace", "nomad_token",
                 "nomad_token_file", "cluster_state", "cache_stale_after"},
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

  void positive_duration(const Plugin& p, const std::string& at, const char* key, Duration& out) {
    auto it = p.config.find(key);
    if (it == p.config.end()) return;
    auto d = parse_duration(it->second);
    if (d && d->count() > 0) {
      out = *d;
    } else {
      r_.error(child(at, key), d ? "must be greater than zero" : d.error().message);
    }
  }

  std::string path_;
  AgentConfig& c_;
  AgentConfigPaths& paths_;
  hcl_json::Reader r_;
  unsigned mode_ = 0;
};

}  // namespace

void read_agent_config_file(const std::string& path, AgentConfig& c, AgentConfigPaths& paths,
                            Diagnostics& diags) {
  auto text = read_text_file(path);
  if (!text) {
    diags.push_back({path, "", text.error().message.substr(path.size() + 2)});
    return;
  }
  read_agent_config_text(*text, path, c, paths, diags);
}

void read_agent_config_text(std::string_view text, const std::string& path, AgentConfig& c,
                            AgentConfigPaths& paths, Diagnostics& diags) {
  auto doc = ConfigFile::read(text, path, diags);
  if (!doc) return;
  std::size_t from = diags.size();
  AgentFileReader reader(path, c, paths, diags);
  reader.read(doc->value());
  doc->locate(diags, from);
  doc->locate(reader.warnings, 0);
  for (const Diagnostic& w : reader.warnings) c.warnings.push_back(w.to_string());
  c.file = path;
}

}  // namespace ha
