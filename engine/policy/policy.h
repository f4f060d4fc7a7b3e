// The scaling policy model: what a Nomad Autoscaler `scaling "name" { ... }` block says, with
// defaults resolved. Field meanings follow hashicorp/nomad-autoscaler sdk/policy.go.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/time.h"
#include "engine/plugin_config.h"

namespace ha {

// Upstream defaults: agent/config/config.go (defaultPolicyCooldown 5m,
// defaultEvaluationInterval 10s) and policy/source.go (DefaultQueryWindow 1m);
// policy/policy.go ApplyPolicyDefaults sets cooldown_on_scale_up to cooldown when unset.
inline constexpr Duration kDefaultCooldown = std::chrono::minutes(5);
inline constexpr Duration kDefaultEvaluationInterval = std::chrono::seconds(10);
inline constexpr Duration kDefaultQueryWindow = std::chrono::minutes(1);
inline constexpr const char* kDefaultSource = "nomad-apm";

// What a policy that sets no cooldown or evaluation interval gets: upstream's defaults, or
// the agent config's policy.default_cooldown and default_evaluation_interval.
struct PolicyDefaults {
  Duration cooldown = kDefaultCooldown;
  Duration evaluation_interval = kDefaultEvaluationInterval;
};

enum class OnError { kIgnore, kFail };

struct StrategySpec {
  std::string name;
  PluginConfig config;
};

struct CheckSpec {
  std::string name;
  std::string group;  // checks in one non-empty group combine first (policy/handler.go)
  std::string source;
  std::string query;
  Duration query_window = kDefaultQueryWindow;
  bool query_instant = false;  // query_window = "instant"
  Duration query_window_offset{0};
  OnError on_error = OnError::kIgnore;  // resolved: the check's own, else the policy's
  StrategySpec strategy;
};

struct TargetSpec {
  std::string name;
  PluginConfig config;
};

struct Policy {
  std::string id;        // unique across the loaded files: the policy's name
  std::string file;      // where it was read from
  bool enabled = false;  // upstream file policies are disabled unless enabled = true
  std::string type = "cluster";
  std::int64_t min = 0;
  std::int64_t max = 0;
  Duration cooldown = kDefaultCooldown;
  Duration cooldown_on_scale_up = kDefaultCooldown;
  Duration evaluation_interval = kDefaultEvaluationInterval;
  OnError on_check_error = OnError::kIgnore;
  std::vector<CheckSpec> checks;
  TargetSpec target;

  bool dry_run() const {
    auto it = target.config.find("dry-run");
    return it != target.config.end() && it->second == "true";
  }
};

}  // namespace ha
