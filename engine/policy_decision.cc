#include "engine/policy_decision.h"

#include "engine/check_combiner.h"

namespace ha {

Result<std::shared_ptr<const CompiledPolicy>> CompiledPolicy::compile(Policy policy) {
  auto compiled = std::shared_ptr<CompiledPolicy>(new CompiledPolicy());
  for (const CheckSpec& check : policy.checks) {
    const StrategyPlugin* plugin = find_strategy(check.strategy.name);
    if (plugin == nullptr) {
      return make_error("policy " + policy.id + ": check " + check.name + ": unknown strategy \"" +
                        check.strategy.name + "\"");
    }
    ConfigIssues issues;
    auto strategy = plugin->compile(check.strategy.config, issues);
    if (!strategy) {
      const ConfigIssue& first = issues.front();
      return make_error("policy " + policy.id + ": check " + check.name + ": strategy " +
                        check.strategy.name + ": " + (first.key.empty() ? "" : first.key + ": ") +
                        first.reason);
    }
    compiled->strategies_.push_back(std::move(strategy));
    compiled->needs_metrics_.push_back(plugin->needs_metrics());
  }
  compiled->policy_ = std::move(policy);
  return std::shared_ptr<const CompiledPolicy>(std::move(compiled));
}

Result<PolicyDecision> decide(const CompiledPolicy& compiled, std::int64_t current,
                              std::span<const Result<TimeSeries>> metrics) {
  const Policy& policy = compiled.policy();
  if (metrics.size() != policy.checks.size()) {
    return make_error("policy " + policy.id + ": expected metrics for " +
                      std::to_string(policy.checks.size()) + " checks, got " +
                      std::to_string(metrics.size()));
  }
  PolicyDecision decision;
  std::vector<CheckVote> votes;
  for (std::size_t i = 0; i < policy.checks.size(); ++i) {
    const CheckSpec& check = policy.checks[i];
    std::span<const MetricPoint> points;
    if (compiled.needs_metrics(i)) {
      if (!metrics[i]) {
        return make_error("check " + check.name + ": failed to query source " + check.source +
                          ": " + metrics[i].error().message);
      }
      if (metrics[i]->empty()) {
        return make_error("check " + check.name + ": no metrics available for query \"" +
                          check.query + "\"");
      }
      points = *metrics[i];
    }
    CheckOutcome outcome{check.name, {}, {}};
    auto run = compiled.strategy(i).run(points, current);
    if (!run) {
      if (check.on_error == OnError::kFail) {
        return make_error("check " + check.name + ": " + run.error().message);
      }
      outcome.error = run.error().message;
    } else if (run->has_value()) {
      outcome.action = std::move(**run);
    }
    // Upstream caps every check's action; a "none" action carries no count worth capping.
    if (outcome.action.direction != Direction::kNone)
      outcome.action.cap_count(policy.min, policy.max);
    votes.push_back({check.group, outcome.action});
    decision.checks.push_back(std::move(outcome));
  }

  if (auto winner = pick_winner(votes)) {
    decision.action = decision.checks[*winner].action;
    decision.winning_check = decision.checks[*winner].check;
  }
  if (decision.action.direction == Direction::kNone) {
    decision.action.count = current;
    if (current < policy.min || current > policy.max) {
      decision.action.count = current < policy.min ? policy.min : policy.max;
      decision.action.direction = current < policy.min ? Direction::kUp : Direction::kDown;
      decision.action.reason = "current count " + std::to_string(current) + " is outside [" +
                               std::to_string(policy.min) + ", " + std::to_string(policy.max) + "]";
      decision.winning_check.clear();
    }
  }
  decision.needed = scaling_needed(decision.action, current);
  return decision;
}

}  // namespace ha
