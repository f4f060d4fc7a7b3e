#include "backends/memory/faults.h"

#include <iterator>

namespace ha {

void FaultInjector::set_rule(const std::string& op, FaultRule rule) {
  {
    std::lock_guard lock(mu_);
    std::erase_if(rules_, [&op](const auto& entry) { return entry.second.first == op; });
  }
  add_rule(op, std::move(rule));
}

FaultInjector::RuleId FaultInjector::add_rule(const std::string& op, FaultRule rule) {
  std::lock_guard lock(mu_);
  RuleId id = next_id_++;
  rules_.emplace(id, std::make_pair(op, std::move(rule)));
  return id;
}

std::optional<InjectedFault> FaultInjector::decide(std::string_view op) {
  std::lock_guard lock(mu_);
  for (std::string_view key : {op, std::string_view("*")}) {
    auto it = scripted_.find(key);
    if (it != scripted_.end() && it->second.first > 0) {
      --it->second.first;
      ++counts_.failed;
      InjectedFault f;
      f.error = make_error(std::string(op) + ": " + it->second.second, ErrorKind::kUnavailable);
      return f;
    }
  }
  std::optional<InjectedFault> result;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (const auto& [id, entry] : rules_) {
    const auto& [rule_op, rule] = entry;
    if (rule_op != op && rule_op != "*") continue;
    if (rule.extra_latency > Duration(0)) {
      if (!result) result.emplace();
      result->delay += rule.extra_latency;
    }
    if (rule.error_rate <= 0 && rule.timeout_rate <= 0) continue;
    double draw = u(rng_);
    if (draw < rule.error_rate) {
      if (!result) result.emplace();
      result->error = make_error(std::string(op) + ": " + rule.message, rule.kind);
      result->applied = rule.applied;
      ++counts_.failed;
      return result;
    }
    if (draw < rule.error_rate + rule.timeout_rate) {
      InjectedFault f;
      f.error = make_error(std::string(op) + ": timed out", ErrorKind::kTimeout);
      f.delay = rule.timeout;
      f.timeout = true;
      f.applied = rule.applied;
      ++counts_.failed;
      return f;
    }
  }
  if (result) ++counts_.delayed;
  return result;
}

}  // namespace ha
