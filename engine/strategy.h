// Strategies turn a check's metrics and the target's current count into a ScalingAction.
// Each StrategyPlugin validates its config once (compile) so that run() only computes;
// upstream parses the config on every run, with the same outcome for valid configs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/metrics_source.h"
#include "base/result.h"
#include "engine/plugin_config.h"
#include "engine/scaling_action.h"

namespace ha {

class CompiledStrategy {
 public:
  virtual ~CompiledStrategy() = default;
  // Returns nullopt when the strategy makes no decision (upstream returns a nil eval, e.g.
  // with no metrics), an action otherwise (direction none: keep the count). Errors report
  // metrics the strategy cannot use (NaN, infinite, negative where counts are derived).
  virtual Result<std::optional<ScalingAction>> run(std::span<const MetricPoint> metrics,
                                                   std::int64_t count) const = 0;
};

class StrategyPlugin {
 public:
  virtual ~StrategyPlugin() = default;
  virtual std::string_view name() const = 0;
  // fixed-value needs no source or query; every other strategy does.
  virtual bool needs_metrics() const { return true; }
  virtual std::vector<std::string_view> known_keys() const = 0;
  // Validates `config` and returns the runnable strategy, or every problem found.
  virtual std::unique_ptr<CompiledStrategy> compile(const PluginConfig& config,
                                                    ConfigIssues& issues) const = 0;
};

// The built-in strategies by the names policies use.
const StrategyPlugin* find_strategy(std::string_view name);
std::vector<std::string> strategy_names();

}  // namespace ha
