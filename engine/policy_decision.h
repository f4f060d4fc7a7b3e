// One evaluation of a policy, as a pure function: given each check's metrics (or the error
// its query returned) and the target's current count, which action to take and why.
// Upstream: hashicorp/nomad-autoscaler policy/check.go (runCheckAndCapCount) and
// policy/handler.go (calculateNewCount).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/policy/policy.h"
#include "engine/scaling_action.h"
#include "engine/strategy.h"

namespace ha {

// A policy with its strategies compiled; immutable once built.
class CompiledPolicy {
 public:
  // Fails when a strategy name or config is invalid (the parser reports these first).
  static Result<std::shared_ptr<const CompiledPolicy>> compile(Policy policy);

  const Policy& policy() const { return policy_; }
  const CompiledStrategy& strategy(std::size_t check) const { return *strategies_[check]; }
  bool needs_metrics(std::size_t check) const { return needs_metrics_[check]; }

 private:
  Policy policy_;
  std::vector<std::unique_ptr<CompiledStrategy>> strategies_;
  std::vector<bool> needs_metrics_;
};

struct CheckOutcome {
  std::string check;
  ScalingAction action;  // after capping to min/max; direction none when it had no opinion
  std::string error;     // a strategy error that on_error = "ignore" swallowed
};

struct PolicyDecision {
  // The action to take; direction none (count = current) when nothing is to be done.
  ScalingAction action;
  std::string winning_check;  // empty when no check won
  std::vector<CheckOutcome> checks;
  bool needed = false;  // scaling_needed(action, current)
};

// `metrics[i]` is check i's query result (ignored for checks that need no metrics).
// Fails, as upstream does, when a query failed or returned no points, or when a strategy
// failed on a check whose on_error is "fail".
//
// Beyond upstream: when no check asks for a change but the current count lies outside
// [min, max], the decision brings it back within the limits.
Result<PolicyDecision> decide(const CompiledPolicy& policy, std::int64_t current,
                              std::span<const Result<TimeSeries>> metrics);

}  // namespace ha
