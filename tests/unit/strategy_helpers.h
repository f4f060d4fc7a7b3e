// Test helpers: compile a built-in strategy and run it on plain values.
#pragma once

#include <gtest/gtest.h>

#include <cmath>

#include <optional>
#include <string>
#include <vector>

#include "engine/strategy.h"

namespace ha::testing {

struct StrategyRun {
  ConfigIssues issues;                  // compile problems
  std::optional<std::string> error;     // run error
  std::optional<ScalingAction> action;  // nullopt: no decision
};

inline StrategyRun run_strategy(const std::string& name, const PluginConfig& config,
                                const std::vector<double>& values, std::int64_t count) {
  StrategyRun out;
  const StrategyPlugin* plugin = find_strategy(name);
  EXPECT_NE(plugin, nullptr) << name;
  if (plugin == nullptr) return out;
  auto compiled = plugin->compile(config, out.issues);
  if (!compiled) return out;
  TimeSeries points;
  for (std::size_t i = 0; i < values.size(); ++i) {
    points.push_back({std::chrono::seconds(static_cast<long>(i)), values[i]});
  }
  auto result = compiled->run(points, count);
  if (!result) {
    out.error = result.error().message;
  } else {
    out.action = *result;
  }
  return out;
}

inline std::string first_issue(const StrategyRun& r) {
  if (r.issues.empty()) return "";
  return r.issues.front().key + ": " + r.issues.front().reason;
}

}  // namespace ha::testing
