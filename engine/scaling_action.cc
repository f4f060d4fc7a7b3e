#include "engine/scaling_action.h"

namespace ha {

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::kUp:
      return "up";
    case Direction::kDown:
      return "down";
    case Direction::kNone:
      break;
  }
  return "none";
}

void ScalingAction::cap_count(std::int64_t min, std::int64_t max) {
  std::int64_t capped_count = count < min ? min : (count > max ? max : count);
  if (capped_count == count) return;
  capped = true;
  original_count = count;
  if (!reason.empty()) reason_history.push_back(reason);
  reason = "capped count from " + std::to_string(count) + " to " + std::to_string(capped_count) +
           " to stay within limits";
  count = capped_count;
}

bool scaling_needed(const ScalingAction& a, std::int64_t current_count) {
  return a.direction != Direction::kNone && a.count != current_count;
}

const ScalingAction& preempt(const ScalingAction& a, const ScalingAction& b) {
  if (b.direction > a.direction) return b;
  if (a.direction == b.direction && a.direction != Direction::kNone && b.count > a.count) {
    return b;
  }
  return a;
}

}  // namespace ha
