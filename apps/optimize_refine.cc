#include "apps/optimize_refine.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "apps/variant_runs.h"

namespace ha::cli {
namespace {

std::vector<std::string> values_of(const std::vector<Override>& point) {
  std::vector<std::string> v;
  for (const Override& o : point) v.push_back(o.value);
  return v;
}

// Where the next round starts: a better run, or, across a plateau, one within half a per
// cent of the cost with more slack (a move along one axis that keeps the cost but gains
// slack lets a move along another axis lower the cost: cost and goal trade jointly).
bool move_to(const RunFigures& a, const RunFigures& from, const ServiceGoal& goal) {
  if (meets(a, goal) && meets(from, goal) && std::abs(a.cost - from.cost) <= 0.005 * from.cost) {
    return goal_slack(a, goal) > goal_slack(from, goal);
  }
  return better_run(a, from, goal);
}

}  // namespace

std::size_t refine_best(const RefineSearch& search, std::size_t budget,
                        std::deque<OptimizeCandidate>& all, std::vector<OptimizeRun>& rows,
                        std::vector<std::size_t>& last_rung, ProgressBar& bar) {
  // The points already run at full length, and their rows.
  std::map<std::vector<std::string>, std::size_t> run;
  for (std::size_t row : last_rung) run.emplace(values_of(rows[row].candidate->overrides), row);
  std::vector<RunFigures> figs;
  for (std::size_t row : last_rung) figs.push_back(run_figures(rows[row].run));
  std::size_t from = last_rung[best_runs(figs, 1, search.goal).front()];
  std::set<std::size_t> visited{from};  // rows that have been a round's start
  std::size_t made = 0, next_id = search.first_id;
  // Runs the points not run yet, within the budget; moves `from` to a better one.
  auto run_round = [&](std::vector<std::vector<Override>> points) {
    std::vector<VariantRun> runs;
    for (auto& point : points) {
      if (runs.size() + made == budget) break;
      if (run.count(values_of(point))) continue;
      all.push_back({next_id, point});
      runs.push_back({next_id, std::move(point), std::nullopt, ""});
      next_id += search.id_stride;
    }
    if (runs.empty()) return;
    run_variants(search.file, search.fixed, search.seed, search.jobs, runs, bar, "refinement runs");
    made += runs.size();
    std::size_t first = all.size() - runs.size();
    for (std::size_t i = 0; i < runs.size(); ++i) {
      rows.push_back({search.rung, search.full, &all[first + i], std::move(runs[i]), false, true});
      last_rung.push_back(rows.size() - 1);
      std::size_t row = rows.size() - 1;
      run.emplace(values_of(rows[row].candidate->overrides), row);
      if (!visited.count(row) &&
          move_to(run_figures(rows[row].run), run_figures(rows[from].run), search.goal)) {
        from = row;
      }
    }
  };
  for (double step = 1.0 / 8; made < budget && step >= 1.0 / 64;) {
    std::size_t start = from;
    auto points = neighbours(search.axes, rows[from].candidate->overrides, step);
    run_round(points);
    if (from == start) {  // nothing better one step away: try steps along several axes
      std::vector<std::pair<std::vector<Override>, RunFigures>> tried;
      for (const auto& point : points) {
        auto it = run.find(values_of(point));
        if (it != run.end()) tried.emplace_back(point, run_figures(rows[it->second].run));
      }
      run_round(joint_moves(rows[from].candidate->overrides, run_figures(rows[from].run), tried,
                            search.goal));
    }
    if (from != start) {
      visited.insert(from);
      continue;
    }
    step /= 2;
    if (step >= 1.0 / 64 || made == budget) continue;
    // The finest steps found nothing better: the budget left goes to the best full-length
    // run that has not been a start, from the widest step again (another basin, often).
    std::vector<std::size_t> fresh;
    std::vector<RunFigures> fresh_figs;
    for (std::size_t row : last_rung) {
      if (visited.count(row)) continue;
      RunFigures f = run_figures(rows[row].run);
      if (f.failed) continue;
      fresh.push_back(row);
      fresh_figs.push_back(f);
    }
    if (fresh.empty()) break;
    from = fresh[best_runs(fresh_figs, 1, search.goal).front()];
    visited.insert(from);
    step = 1.0 / 8;
  }
  return made;
}

}  // namespace ha::cli
