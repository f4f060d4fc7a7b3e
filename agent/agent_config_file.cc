#include "agent/agent_config_file.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "agent/agent_file_reader.h"
#include "agent/upstream_agent_keys.h"
#include "backends/runtime/stream_logger.h"
#include "backends/runtime/text_file.h"
#include "engine/policy/config_file.h"

namespace ha {
namespace agent_file {

using hcl_json::child;
using namespace upstream_agent_keys;
using nlohmann::json;

AgentFileReader::AgentFileReader(const std::string& path, AgentConfig& c, AgentConfigPaths& paths,
                                 Diagnostics& diags)
    : path_(path), c_(c), paths_(paths), r_(path, diags) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) mode_ = st.st_mode & 0777;
}

void AgentFileReader::read(const json& doc) {
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
  read_plugins(doc);
}

void AgentFileReader::warn(const std::string& at, std::string why) {
  warnings.push_back({path_, at, why});
}

void AgentFileReader::text(const json& obj, const std::string& at, const char* key,
                           std::string& into) {
  if (!obj.contains(key)) return;
  if (obj[key].is_string()) {
    into = obj[key].get<std::string>();
  } else {
    r_.error(child(at, key), "expected a string");
  }
}

void AgentFileReader::flag(const json& obj, const std::string& at, const char* key, bool& into) {
  if (auto b = r_.boolean(obj, at, key, false)) into = *b;
}

void AgentFileReader::path(const json& obj, const std::string& at, const char* key,
                           std::string& into) {
  if (!obj.contains(key)) return;
  text(obj, at, key, into);
  if (!into.empty() && std::filesystem::path(into).is_relative()) {
    into = (std::filesystem::path(path_).parent_path() / into).string();
  }
}

void AgentFileReader::unused(const json& obj, const std::string& at, const char* key,
                             const std::string& why) {
  if (obj.contains(key) && !obj[key].is_null() && obj[key] != false && obj[key] != "") {
    warn(child(at, key), "accepted, not acted on: " + why);
  }
}

const json* AgentFileReader::block(const json& obj, const std::string& at, const char* key) {
  if (!obj.contains(key)) return nullptr;
  return r_.single_block(obj[key], child(at, key));
}

void AgentFileReader::accepted_block(const json& doc, const char* key,
                                     const std::vector<std::string>& keys) {
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

void AgentFileReader::secret(const json& obj, const std::string& at, const char* key,
                             std::string& into, const std::string& instead) {
  if (!obj.contains(key)) return;
  std::string value;
  text(obj, at, key, value);
  if (value.empty()) return;
  if (mode_ & 077) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", mode_);
    r_.error(child(at, key), std::string("a token in a file that group or others can read ") +
                                 "(mode " + mode + "): chmod 600 " + path_ + ", or use " + instead);
    return;
  }
  into = value;
}

void AgentFileReader::read_high_availability(const json& b, const std::string& at) {
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

void AgentFileReader::read_nomad(const json& n, const std::string& at) {
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

void AgentFileReader::read_policy(const json& p, const std::string& at) {
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

}  // namespace agent_file

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
  agent_file::AgentFileReader reader(path, c, paths, diags);
  reader.read(doc->value());
  doc->locate(diags, from);
  doc->locate(reader.warnings, 0);
  for (const Diagnostic& w : reader.warnings) c.warnings.push_back(w.to_string());
  c.file = path;
}

}  // namespace ha
