// What `optimize` writes of its runs: optimize.csv (every run) and optimize.html (the
// full-length runs on the cost/pending chart, the winner ringed, every run in a table).
#pragma once

#include <filesystem>
#include <ostream>
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
  bool refining = false;  // a run of the refinement (its rung is one past the halving's)
};

struct OptimizeSummary {
  std::string scenario;
  ServiceGoal goal;
  std::size_t candidates = 0, rungs = 0;
  std::vector<std::size_t> last_rung;  // positions of the full-length runs
  std::size_t best = 0;                // position of the winner (or the closest)
  bool met = false;
  std::size_t refined = 0;  // runs of the refinement (the rung after the halving's last)
};

// A run's figures; a run without a report counts as failed.
RunFigures run_figures(const VariantRun& run);

std::string optimize_csv(const std::vector<SearchAxis>& axes, const std::vector<OptimizeRun>& rows,
                         const OptimizeSummary& s);
std::string optimize_html(const std::vector<OptimizeRun>& rows, const OptimizeSummary& s);

// "node-hours N [and stopped VM-hours S, cost C] (Rx perfect foresight), p95 pending P s".
std::string winner_figures(const nlohmann::ordered_json& report);

// The winner's policies, loaded again from `file` with `fixed` and its values (what the agent
// should run): DIR/best-policy.hcl and .json, and its report as DIR/best-report.json. False,
// with the reason on `err`, when one cannot be written.
bool write_winner(const std::string& file, const std::vector<Override>& fixed,
                  const std::string& scenario, const std::string& slo, const OptimizeRun& best,
                  const std::filesystem::path& dir, std::ostream& err);

}  // namespace ha::cli
