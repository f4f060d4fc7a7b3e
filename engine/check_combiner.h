// Combining the actions of a policy's checks into one, as upstream's policy handler does
// (hashicorp/nomad-autoscaler policy/handler.go pickWinnerActionFromGroups):
//  - checks are grouped by `group`; within a named group, checks that say "none" are
//    ignored unless every check of the group says none (then the group's first check wins);
//    in the unnamed group, "none" takes part like any other direction;
//  - within a group and then across groups, preempt() picks: up beats none beats down, and
//    with equal up/down directions the larger count wins.
// Upstream visits groups in Go map order (random); here groups are visited in the order
// they first appear, so ties resolve the same way on every run.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "engine/scaling_action.h"

namespace ha {

struct CheckVote {
  std::string_view group;
  ScalingAction action;
};

// Index of the winning vote, or nullopt when there are no votes.
std::optional<std::size_t> pick_winner(std::span<const CheckVote> votes);

}  // namespace ha
