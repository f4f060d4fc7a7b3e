// predictive: scales to the larger of the metric now and its forecast one lead time ahead
// (a VM's boot and join), so that capacity is there when the load arrives; scaling in
// stays reactive (the forecast never lowers the count below what the metric says now).
//
// The metric is a count of instances (nomad-apm's nodes_needed), or a load divided by
// `per_instance`. The strategy keeps the metric's own history (SeasonalHistory), so any
// source serves, even one that answers only the present. For each season S (default a day
// and a week) with history that far back, the forecast adds to the value now the rise the
// metric made from S ago to S ago + lead (at its peak); the trend adds the rise of the
// last lead time once more. While no season has history yet (a fresh agent, a new policy),
// only the trend and the present count: it is reactive until then.
#include <cmath>
#include <memory>
#include <sstream>

#include "base/duration.h"
#include "engine/config_values.h"
#include "engine/strategies/builtin.h"
#include "engine/strategies/metric_checks.h"
#include "engine/strategies/seasonal_history.h"

namespace ha::strategies {
namespace {

struct PredictiveConfig {
  Duration lead{std::chrono::minutes(3)};
  std::vector<Duration> seasons{std::chrono::hours(24), std::chrono::hours(24 * 7)};
  std::optional<double> per_instance;
  bool trend = true;
  std::optional<std::int64_t> max_down;
};

class Predictive final : public CompiledStrategy {
 public:
  explicit Predictive(PredictiveConfig config)
      : config_(std::move(config)),
        history_(std::make_unique<SeasonalHistory>(
            std::min<Duration>(std::chrono::minutes(1), config_.lead / 3),
            *std::max_element(config_.seasons.begin(), config_.seasons.end()) + config_.lead)) {}

  Result<std::optional<ScalingAction>> run(std::span<const MetricPoint> metrics,
                                           std::int64_t count) const override {
    if (metrics.empty()) return std::optional<ScalingAction>{};
    for (const MetricPoint& p : metrics) {
      if (auto ok = check_metric("predictive", p.value, false); !ok) return ok.error();
    }
    // The history is the strategy's own, fed by each run's points (it is mutable state of
    // a compiled policy, which one evaluator runs at a time).
    for (const MetricPoint& p : metrics) {
      if (!seen_ || p.time > *seen_) {
        history_->add(p.time, p.value);
        seen_ = p.time;
      }
    }
    Time now = metrics.back().time;
    double value = metrics.back().value, forecast = value;
    std::string why = "the metric now";
    for (Duration season : config_.seasons) {
      auto base = history_->at(now - season);
      auto peak = history_->peak(now - season, now - season + config_.lead);
      if (base && peak && value + (*peak - *base) > forecast) {
        forecast = value + (*peak - *base);
        why = "the rise " + format_duration(season) + " ago";
      }
    }
    if (config_.trend) {
      auto before = history_->at(now - config_.lead);
      if (before && value + (value - *before) > forecast) {
        forecast = value + (value - *before);
        why = "the trend";
      }
    }
    auto instances = [this](double v) {
      double n = config_.per_instance ? v / *config_.per_instance : v;
      return n > 9.0e18 ? INT64_MAX : static_cast<std::int64_t>(std::ceil(n - 1e-9));
    };
    std::int64_t want = std::max(instances(value), instances(forecast));
    ScalingAction action;
    action.direction = want > count   ? Direction::kUp
                       : want < count ? Direction::kDown
                                      : Direction::kNone;
    if (action.direction == Direction::kNone) return std::optional(action);
    if (action.direction == Direction::kDown && config_.max_down &&
        want < count - *config_.max_down) {
      want = count - *config_.max_down;
    }
    action.count = want;
    std::ostringstream reason;
    reason << "scaling " << to_string(action.direction) << " to " << want << ": forecast "
           << go_f(forecast) << " in " << format_duration(config_.lead) << " from " << why
           << ", metric now " << go_f(value);
    action.reason = reason.str();
    return std::optional(action);
  }

 private:
  PredictiveConfig config_;
  std::unique_ptr<SeasonalHistory> history_;
  mutable std::optional<Time> seen_;
};

class PredictivePlugin final : public StrategyPlugin {
 public:
  std::string_view name() const override { return "predictive"; }
  std::vector<std::string_view> known_keys() const override {
    return {"lead", "seasons", "per_instance", "trend", "max_scale_down"};
  }
  std::unique_ptr<CompiledStrategy> compile(const PluginConfig& config,
                                            ConfigIssues& issues) const override {
    std::size_t before = issues.size();
    ConfigReader r{config, issues};
    PredictiveConfig c;
    if (auto lead = r.duration("lead")) {
      if (lead->count() <= 0) r.fail("lead", "must be longer than 0s");
      c.lead = *lead;
    }
    if (r.has("seasons")) {
      c.seasons.clear();
      std::stringstream list(config.at("seasons"));
      for (std::string item; std::getline(list, item, ',');) {
        auto d = parse_duration(item);
        if (!d || d->count() <= 0) {
          r.fail("seasons", "\"" + item + "\" is not a positive duration (e.g. \"24h,168h\")");
          continue;
        }
        c.seasons.push_back(*d);
      }
      if (c.seasons.empty() && issues.size() == before) {
        r.fail("seasons", "expected durations separated by commas, e.g. \"24h,168h\"");
      }
    }
    c.per_instance = r.number("per_instance", false);
    if (c.per_instance && *c.per_instance <= 0) r.fail("per_instance", "must be above 0");
    if (auto t = r.boolean("trend")) c.trend = *t;
    c.max_down = r.integer("max_scale_down", false);
    if (issues.size() != before) return nullptr;
    return std::make_unique<Predictive>(std::move(c));
  }
};

}  // namespace

const StrategyPlugin& predictive_plugin() {
  static const PredictivePlugin plugin;
  return plugin;
}

}  // namespace ha::strategies
