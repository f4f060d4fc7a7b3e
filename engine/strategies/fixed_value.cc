// fixed-value: always the configured count, no metrics. Semantics from
// hashicorp/nomad-autoscaler plugins/builtin/strategy/fixed-value/plugin/plugin.go.
#include "engine/config_values.h"
#include "engine/strategies/builtin.h"

namespace ha::strategies {
namespace {

class FixedValue final : public CompiledStrategy {
 public:
  explicit FixedValue(std::int64_t value) : value_(value) {}

  Result<std::optional<ScalingAction>> run(std::span<const MetricPoint>,
                                           std::int64_t count) const override {
    ScalingAction action;
    action.direction = value_ > count   ? Direction::kUp
                       : value_ < count ? Direction::kDown
                                        : Direction::kNone;
    if (action.direction == Direction::kNone) return std::optional(action);
    action.count = value_;
    action.reason = "scaling " + std::string(to_string(action.direction)) +
                    " because fixed value is " + std::to_string(value_);
    return std::optional(action);
  }

 private:
  std::int64_t value_;
};

class FixedValuePlugin final : public StrategyPlugin {
 public:
  std::string_view name() const override { return "fixed-value"; }
  bool needs_metrics() const override { return false; }
  std::vector<std::string_view> known_keys() const override { return {"value"}; }
  std::unique_ptr<CompiledStrategy> compile(const PluginConfig& config,
                                            ConfigIssues& issues) const override {
    std::size_t before = issues.size();
    ConfigReader r{config, issues};
    if (!r.has("value")) r.fail("value", "missing required field");
    auto value = r.integer("value", false);
    if (issues.size() != before) return nullptr;
    return std::make_unique<FixedValue>(*value);
  }
};

}  // namespace

const StrategyPlugin& fixed_value_plugin() {
  static const FixedValuePlugin plugin;
  return plugin;
}

}  // namespace ha::strategies
