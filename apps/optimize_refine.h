// optimize's last stage: a coordinate search from the best full-length run of the halving
// (sim/optimize.h, neighbours()), each point a full-length run.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "apps/optimize_output.h"
#include "apps/progress.h"

namespace ha::cli {

struct RefineSearch {
  std::string file;
  std::vector<Override> fixed;
  std::uint64_t seed = 0;
  unsigned jobs = 1;
  std::vector<SearchAxis> axes;
  ServiceGoal goal;
  std::size_t rung = 0;  // the rows' rung number: one past the halving's last
  Duration full{0};
  // Ids of the new points: first_id, first_id + id_stride, ... (slices of one search use
  // disjoint ids: first_id = candidates + slice, id_stride = slices).
  std::size_t first_id = 0, id_stride = 1;
};

// Up to `budget` more full-length runs, in rounds of the neighbours of a start: first the
// best full-length run, then the round's best when it is better, or when it costs within
// 0.5 % and is further inside the goal (a plateau move; no run starts two rounds). A round
// that moves nowhere runs its joint moves (joint_moves: a saving step paired with a step
// that buys slack) and, when none of them moves either, halves the step, from 1/8 of each
// range down to 1/64; then the budget left restarts from the best full-length run that has
// not been a start. New points go to `all`, their runs to `rows` and the runs' positions to
// `last_rung`. Returns the number of runs made: fewer than `budget` when every start's neighbours
// have been run.
std::size_t refine_best(const RefineSearch& search, std::size_t budget,
                        std::deque<OptimizeCandidate>& all, std::vector<OptimizeRun>& rows,
                        std::vector<std::size_t>& last_rung, ProgressBar& bar);

}  // namespace ha::cli
