// Target: what a policy scales (a Harvester node group, a Nomad task group). The interface
// of the seed plugin and of upstream's target plugins: SetConfig, Status, Scale.
//
// Contract:
//  - status() and scale() complete by calling `done` exactly once, on the event loop.
//  - status().count is the number of instances the target has or is creating; ready is
//    false while the target cannot take a new decision (upstream skips evaluation then).
//  - scale() with action.dry_run set must change nothing; it reports what it would do.
//  - A ScaleResult with no_op set means nothing needed doing (no cooldown follows).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/result.h"
#include "engine/plugin_config.h"
#include "engine/scaling_action.h"

namespace ha {

struct TargetStatus {
  bool ready = false;
  std::int64_t count = 0;
  std::map<std::string, std::string> meta;
  std::string reason = {};  // why it is not ready, when the target knows ("": not said)
};

// Meta key (as upstream's sdk.TargetStatusMetaKeyLastEvent): loop time in ns of the last
// scaling event, so that a restarted evaluator honours the cooldown.
inline constexpr const char* kTargetMetaLastEvent = "nomad_autoscaler.last_event";

struct ScaleRequest {
  ScalingAction action;
  bool dry_run = false;
  std::string policy_id;
  // The policy's limits: a target re-checks them against its own fresh view, so that
  // overlapping actions never take the count outside them.
  std::int64_t min = 0;
  std::int64_t max = INT64_MAX;
};

struct ScaleResult {
  bool no_op = false;
  std::string summary;  // what was done (or, in dry-run, what would have been done)
};

class Target {
 public:
  using StatusCallback = std::function<void(Result<TargetStatus>)>;
  using ScaleCallback = std::function<void(Result<ScaleResult>)>;

  virtual ~Target() = default;
  // Agent-level configuration (connection settings); called once before use.
  virtual Result<void> set_config(const PluginConfig& config) = 0;
  virtual void status(const PluginConfig& policy_config, StatusCallback done) = 0;
  virtual void scale(const ScaleRequest& request, const PluginConfig& policy_config,
                     ScaleCallback done) = 0;
};

}  // namespace ha
