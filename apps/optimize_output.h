// What `optimize` writes of its runs: optimize.csv (every run) and optimize.html (the
// full-length runs on the cost/pending chart, the winner ringed, every run in a table).
#pragma once

#include <string>
#include <vector>

#include "apps/variant_runs.h"
#include "sim/optimize.h"

namespace ha::cli {

struct OptimizeCandidate {
  std::size_t id = 0;
  std::vector<Override> overrides;
};

// One run of one candidate on one rung.
struct OptimizeRun {
  std::size_t rung = 0;  // from 0
  Duration duration{0};
  const OptimizeCandidate* candidate = nullptr;
  VariantRun run;
  bool promoted = false;  // went on to the next rung
};

struct OptimizeSummary {
  std::string scenario;
  ServiceGoal goal;
  std::size_t candidates = 0, rungs = 0;
  std::vector<std::size_t> last_rung;  // positions of the full-length runs
  std::size_t best = 0;                // position of the winner (or the closest)
  bool met = false;
};

// A run's figures; a run without a report counts as failed.
RunFigures run_figures(const VariantRun& run);

std::string optimize_csv(const std::vector<SearchAxis>& axes, const std::vector<OptimizeRun>& rows,
                         const OptimizeSummary& s);
std::string optimize_html(const std::vector<OptimizeRun>& rows, const OptimizeSummary& s);

}  // namespace ha::cli
