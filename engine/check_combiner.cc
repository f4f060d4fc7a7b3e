#include "engine/check_combiner.h"

#include <vector>

namespace ha {
namespace {

// preempt() over indices: returns the index whose action wins (`current` on a tie).
std::size_t better(std::span<const CheckVote> votes, std::optional<std::size_t> current,
                   std::size_t candidate) {
  if (!current) return candidate;
  const ScalingAction& a = votes[*current].action;
  return &preempt(a, votes[candidate].action) == &a ? *current : candidate;
}

}  // namespace

std::optional<std::size_t> pick_winner(std::span<const CheckVote> votes) {
  std::vector<std::string_view> groups;
  for (const CheckVote& v : votes) {
    bool seen = false;
    for (std::string_view g : groups) seen = seen || g == v.group;
    if (!seen) groups.push_back(v.group);
  }

  std::optional<std::size_t> winner;
  for (std::string_view group : groups) {
    std::optional<std::size_t> group_winner, first;
    std::size_t members = 0, nones = 0;
    for (std::size_t i = 0; i < votes.size(); ++i) {
      if (votes[i].group != group) continue;
      ++members;
      if (!first) first = i;
      if (!group.empty() && votes[i].action.direction == Direction::kNone) {
        ++nones;
        continue;
      }
      group_winner = better(votes, group_winner, i);
    }
    if (nones > 0 && nones == members) group_winner = first;
    if (group_winner) winner = better(votes, winner, *group_winner);
  }
  return winner;
}

}  // namespace ha
