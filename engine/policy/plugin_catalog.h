// The plugin names a policy may use for targets and metric sources, and the validation of
// each target's config keys. Strategies have their own registry (engine/strategy.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/plugin_config.h"

namespace ha {

struct TargetKind {
  std::string_view name;
  // Checks keys and values; appends every problem to `issues`. Fills documented defaults
  // into `config` so that the normalized policy shows them.
  void (*validate)(PluginConfig& config, ConfigIssues& issues);
};

// The Harvester target names VMs <node_group_name>-<5 characters>: a DNS label of 63 at most.
inline constexpr std::size_t kMaxNodeGroupName = 57;

const TargetKind* find_target_kind(std::string_view name);
std::vector<std::string> target_names();

bool is_known_source(std::string_view name);
std::vector<std::string> source_names();

std::string join_names(const std::vector<std::string>& names);

}  // namespace ha
