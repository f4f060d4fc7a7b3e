// threshold: act when enough data points lie in [lower_bound, upper_bound). Semantics from
// hashicorp/nomad-autoscaler plugins/builtin/strategy/threshold/plugin/plugin.go.
#include <cmath>
#include <limits>

#include "engine/config_values.h"
#include "engine/strategies/builtin.h"
#include "engine/strategies/metric_checks.h"

namespace ha::strategies {
namespace {

constexpr std::int64_t kDefaultWithinBoundsTrigger = 5;  // upstream default

enum class ActionType { kDelta, kPercentage, kValue };

class Threshold final : public CompiledStrategy {
 public:
  Threshold(double lower, double upper, std::int64_t trigger, ActionType type, double amount)
      : lower_(lower), upper_(upper), trigger_(trigger), type_(type), amount_(amount) {}

  Result<std::optional<ScalingAction>> run(std::span<const MetricPoint> metrics,
                                           std::int64_t count) const override {
    if (metrics.empty()) return std::optional<ScalingAction>{};
    std::int64_t within = 0;
    for (const MetricPoint& p : metrics) {
      if (auto ok = check_metric("threshold", p.value, true); !ok) return ok.error();
      if (p.value >= lower_ && p.value < upper_) ++within;  // lower inclusive, upper exclusive
    }
    ScalingAction action;
    if (within < trigger_) return std::optional(action);

    std::int64_t new_count = 0;
    switch (type_) {
      case ActionType::kDelta:
        new_count = count + static_cast<std::int64_t>(amount_);
        break;
      case ActionType::kPercentage:
        new_count =
            static_cast<std::int64_t>(std::ceil(static_cast<double>(count) * (1 + amount_ / 100)));
        break;
      case ActionType::kValue:
        new_count = static_cast<std::int64_t>(amount_);
        break;
    }
    if (new_count < 0) new_count = 0;
    action.direction = new_count > count   ? Direction::kUp
                       : new_count < count ? Direction::kDown
                                           : Direction::kNone;
    if (action.direction == Direction::kNone) return std::optional(action);
    action.count = new_count;
    action.reason =
        "scaling " + std::string(to_string(action.direction)) + " because metric is within bounds";
    return std::optional(action);
  }

 private:
  double lower_, upper_;
  std::int64_t trigger_;
  ActionType type_;
  double amount_;
};

class ThresholdPlugin final : public StrategyPlugin {
 public:
  std::string_view name() const override { return "threshold"; }
  std::vector<std::string_view> known_keys() const override {
    return {"upper_bound", "lower_bound", "delta", "percentage", "value", "within_bounds_trigger"};
  }
  std::unique_ptr<CompiledStrategy> compile(const PluginConfig& config,
                                            ConfigIssues& issues) const override {
    std::size_t before = issues.size();
    ConfigReader r{config, issues};
    if (!r.has("upper_bound") && !r.has("lower_bound")) {
      r.fail("", "missing required field, must have either \"lower_bound\" or \"upper_bound\"");
    }
    auto upper = r.number("upper_bound");
    auto lower = r.number("lower_bound");
    auto trigger = r.integer("within_bounds_trigger", false);

    int actions = int{r.has("delta")} + int{r.has("percentage")} + int{r.has("value")};
    if (actions == 0) {
      r.fail("", "missing required field, must have either \"delta\", \"percentage\" or \"value\"");
    } else if (actions > 1) {
      r.fail("", "only one of \"delta\", \"percentage\" or \"value\" must be provided");
    }
    ActionType type = ActionType::kDelta;
    double amount = 0;
    if (auto d = r.integer("delta")) {
      amount = static_cast<double>(*d);
    } else if (auto p = r.number("percentage")) {
      type = ActionType::kPercentage;
      amount = *p;
    } else if (auto v = r.integer("value", false)) {
      type = ActionType::kValue;
      amount = static_cast<double>(*v);
    }
    if (issues.size() != before) return nullptr;
    constexpr double kInf = std::numeric_limits<double>::infinity();
    return std::make_unique<Threshold>(lower.value_or(-kInf), upper.value_or(kInf),
                                       trigger.value_or(kDefaultWithinBoundsTrigger), type, amount);
  }
};

}  // namespace

const StrategyPlugin& threshold_plugin() {
  static const ThresholdPlugin plugin;
  return plugin;
}

}  // namespace ha::strategies
