// pass-through: the metric is the count. Semantics from hashicorp/nomad-autoscaler
// plugins/builtin/strategy/pass-through/plugin/plugin.go.
#include "engine/config_values.h"
#include "engine/strategies/builtin.h"
#include "engine/strategies/metric_checks.h"

namespace ha::strategies {
namespace {

class PassThrough final : public CompiledStrategy {
 public:
  PassThrough(std::optional<std::int64_t> max_up, std::optional<std::int64_t> max_down)
      : max_up_(max_up), max_down_(max_down) {}

  Result<std::optional<ScalingAction>> run(std::span<const MetricPoint> metrics,
                                           std::int64_t count) const override {
    if (metrics.empty()) return std::optional<ScalingAction>{};
    double value = metrics.back().value;
    if (auto ok = check_metric("pass-through", value, false); !ok) return ok.error();
    ScalingAction action;
    auto c = static_cast<double>(count);
    action.direction = value > c ? Direction::kUp : value < c ? Direction::kDown : Direction::kNone;
    if (action.direction == Direction::kNone) return std::optional(action);
    // Go's int64(float) truncates toward zero.
    std::int64_t new_count = value > 9.0e18 ? INT64_MAX : static_cast<std::int64_t>(value);
    if (action.direction == Direction::kUp && max_up_ && new_count > count + *max_up_) {
      new_count = count + *max_up_;
    }
    if (action.direction == Direction::kDown && max_down_ && new_count < count - *max_down_) {
      new_count = count - *max_down_;
    }
    action.count = new_count;
    action.reason = "scaling " + std::string(to_string(action.direction)) + " because metric is " +
                    std::to_string(static_cast<std::int64_t>(value > 9.0e18 ? 9.0e18 : value));
    return std::optional(action);
  }

 private:
  std::optional<std::int64_t> max_up_, max_down_;
};

class PassThroughPlugin final : public StrategyPlugin {
 public:
  std::string_view name() const override { return "pass-through"; }
  std::vector<std::string_view> known_keys() const override {
    return {"max_scale_up", "max_scale_down"};
  }
  std::unique_ptr<CompiledStrategy> compile(const PluginConfig& config,
                                            ConfigIssues& issues) const override {
    std::size_t before = issues.size();
    ConfigReader r{config, issues};
    auto max_up = r.integer("max_scale_up", false);
    auto max_down = r.integer("max_scale_down", false);
    if (issues.size() != before) return nullptr;
    return std::make_unique<PassThrough>(max_up, max_down);
  }
};

}  // namespace

const StrategyPlugin& pass_through_plugin() {
  static const PassThroughPlugin plugin;
  return plugin;
}

}  // namespace ha::strategies
