// ScalingAction: what a strategy, a check or a whole policy wants done to a target.
// Semantics follow the Nomad Autoscaler SDK (hashicorp/nomad-autoscaler sdk/strategy.go).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ha {

enum class Direction : std::int8_t { kDown = -1, kNone = 0, kUp = 1 };

std::string_view to_string(Direction d);

struct ScalingAction {
  std::int64_t count = 0;
  Direction direction = Direction::kNone;
  std::string reason;
  // Set when cap_count changed the count; earlier reasons are kept in reason_history.
  bool capped = false;
  std::int64_t original_count = 0;
  std::vector<std::string> reason_history;

  // Clamps count into [min, max] and records why, as upstream's CapCount does. The
  // direction is left as the strategy said.
  void cap_count(std::int64_t min, std::int64_t max);
};

// Whether an action asks the target to change (upstream's scalingNeeded).
bool scaling_needed(const ScalingAction& a, std::int64_t current_count);

// Which of two actions wins (upstream's PreemptScalingAction): a higher direction wins
// (up > none > down); with equal up or down directions the larger count wins, i.e. the
// safer choice. On a tie `a` wins.
const ScalingAction& preempt(const ScalingAction& a, const ScalingAction& b);

}  // namespace ha
