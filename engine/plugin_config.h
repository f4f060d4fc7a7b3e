// Plugin configuration maps, as in policies: every value is a string (HCL's `remain`).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ha {

using PluginConfig = std::map<std::string, std::string>;

// A problem with one key of a plugin config (key empty: the config as a whole).
struct ConfigIssue {
  std::string key;
  std::string reason;
};

using ConfigIssues = std::vector<ConfigIssue>;

}  // namespace ha
