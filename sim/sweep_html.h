// sweep.html: one self-contained page (inline SVG, no scripts) with cost (node-hours)
// against p95 pending time for every variant, the Pareto front marked and joined, and a
// table of the variants.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/sweep.h"

namespace ha {

struct SweepPoint {
  std::string label;  // the variant's overrides, "key=value key=value"
  VariantFigures figures;
  bool pareto = false;
};

// What differs between sweep's page and optimize's.
struct SweepPage {
  std::string heading = "Sweep of";         // followed by the scenario's name
  std::string intro_html;                   // after the first paragraph
  std::string extra_html;                   // after the table
  std::optional<std::size_t> winner = {};   // a point drawn and listed as the one chosen
  std::optional<double> goal_pending = {};  // a p95 goal, drawn as a dashed line
};

std::string render_sweep_html(const std::string& scenario, const std::vector<SweepPoint>& points,
                              const SweepPage& page = {});

}  // namespace ha
