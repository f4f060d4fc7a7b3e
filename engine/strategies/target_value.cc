// target-value: scale so that the metric approaches `target`. Semantics from
// hashicorp/nomad-autoscaler plugins/builtin/strategy/target-value/plugin/plugin.go.
#include <cmath>
#include <optional>

#include "engine/config_values.h"
#include "engine/strategies/builtin.h"
#include "engine/strategies/metric_checks.h"

namespace ha::strategies {
namespace {

constexpr double kDefaultThreshold = 0.01;  // upstream defaultThreshold

class TargetValue final : public CompiledStrategy {
 public:
  TargetValue(double target, double threshold, std::optional<std::int64_t> max_up,
              std::optional<std::int64_t> max_down)
      : target_(target), threshold_(threshold), max_up_(max_up), max_down_(max_down) {}

  Result<std::optional<ScalingAction>> run(std::span<const MetricPoint> metrics,
                                           std::int64_t count) const override {
    if (metrics.empty()) return std::optional<ScalingAction>{};
    double value = metrics.back().value;  // upstream uses only the latest point
    if (auto ok = check_metric("target-value", value, false); !ok) return ok.error();

    // A zero target (e.g. an empty CI queue) scales on the raw metric.
    double factor = target_ == 0 ? value : value / target_;
    ScalingAction action;
    action.direction = direction(count, factor);
    if (action.direction == Direction::kNone) return std::optional(action);

    double wanted = count == 0 ? std::ceil(factor) : std::ceil(static_cast<double>(count) * factor);
    std::int64_t new_count = wanted > 9.0e18 ? INT64_MAX : static_cast<std::int64_t>(wanted);
    if (max_down_ && new_count < count - *max_down_) new_count = count - *max_down_;
    if (max_up_ && new_count > count + *max_up_) new_count = count + *max_up_;
    if (new_count == count) {
      action.direction = Direction::kNone;
      return std::optional(action);
    }
    action.count = new_count;
    action.reason = "scaling " + std::string(to_string(action.direction)) + " because factor is " +
                    go_f(factor);
    return std::optional(action);
  }

 private:
  // Factors within [1-threshold, 1+threshold] are "on target"; from zero any load scales up.
  Direction direction(std::int64_t count, double factor) const {
    if (count == 0) return factor > 0 ? Direction::kUp : Direction::kNone;
    if (factor < 1 - threshold_) return Direction::kDown;
    if (factor > 1 + threshold_) return Direction::kUp;
    return Direction::kNone;
  }

  double target_, threshold_;
  std::optional<std::int64_t> max_up_, max_down_;
};

class TargetValuePlugin final : public StrategyPlugin {
 public:
  std::string_view name() const override { return "target-value"; }
  std::vector<std::string_view> known_keys() const override {
    return {"target", "threshold", "max_scale_up", "max_scale_down"};
  }
  std::unique_ptr<CompiledStrategy> compile(const PluginConfig& config,
                                            ConfigIssues& issues) const override {
    std::size_t before = issues.size();
    ConfigReader r{config, issues};
    auto target = r.number("target", false);
    if (!r.has("target")) r.fail("target", "missing required field");
    auto threshold = r.number("threshold", false);
    auto max_up = r.integer("max_scale_up", false);
    auto max_down = r.integer("max_scale_down", false);
    if (issues.size() != before) return nullptr;
    return std::make_unique<TargetValue>(*target, threshold.value_or(kDefaultThreshold), max_up,
                                         max_down);
  }
};

}  // namespace

const StrategyPlugin& target_value_plugin() {
  static const TargetValuePlugin plugin;
  return plugin;
}

}  // namespace ha::strategies
