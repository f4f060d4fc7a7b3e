// The agent file's reader (agent_config_file.h), shared by the two files that read its
// blocks: agent_config_file.cc (the top level; nomad, policy, high_availability) and
// agent_plugin_blocks.cc (apm, target and strategy). Internal to agent/.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "agent/agent_config_file.h"
#include "base/duration.h"
#include "engine/policy/hcl_json.h"

namespace ha::agent_file {

class AgentFileReader {
 public:
  // `path`'s mode decides whether tokens written in it are taken.
  AgentFileReader(const std::string& path, AgentConfig& c, AgentConfigPaths& paths,
                  Diagnostics& diags);

  // Reads the document into the config; errors go to the diagnostics, keys accepted but not
  // acted on to `warnings`.
  void read(const nlohmann::json& doc);

  Diagnostics warnings;

 private:
  using json = nlohmann::json;
  struct Plugin {
    std::string name, driver, at;
    std::map<std::string, std::string> config;
    const json* config_json = nullptr;
  };

  // Values, with the problem named at its JSON pointer (agent_config_file.cc).
  void warn(const std::string& at, std::string why);
  void text(const json& obj, const std::string& at, const char* key, std::string& into);
  void flag(const json& obj, const std::string& at, const char* key, bool& into);
  // A path, relative to the file's directory.
  void path(const json& obj, const std::string& at, const char* key, std::string& into);
  void unused(const json& obj, const std::string& at, const char* key, const std::string& why);
  const json* block(const json& obj, const std::string& at, const char* key);
  void accepted_block(const json& doc, const char* key, const std::vector<std::string>& keys);
  // A token written in the file: only when group and others cannot read the file.
  void secret(const json& obj, const std::string& at, const char* key, std::string& into,
              const std::string& instead);

  // The agent's own blocks (agent_config_file.cc).
  void read_high_availability(const json& b, const std::string& at);
  void read_nomad(const json& n, const std::string& at);
  void read_policy(const json& p, const std::string& at);

  // apm, target and strategy blocks (agent_plugin_blocks.cc).
  void read_plugins(const json& doc);
  std::vector<Plugin> plugins(const json& doc, const char* kind);
  void config_keys(const Plugin& p, const std::vector<std::string>& known,
                   const std::vector<std::string>& accepted);
  void read_apm(const Plugin& p);
  void read_target(const Plugin& p);
  void positive_duration(const Plugin& p, const std::string& at, const char* key, Duration& out);

  std::string path_;
  AgentConfig& c_;
  AgentConfigPaths& paths_;
  hcl_json::Reader r_;
  unsigned mode_ = 0;
};

}  // namespace ha::agent_file
