// sweep.html: one self-contained page (inline SVG, no scripts) with cost (node-hours)
// against p95 pending time for every variant, the Pareto front marked and joined, and a
// table of the variants.
#pragma once

#include <string>
#include <vector>

#include "sim/sweep.h"

namespace ha {

struct SweepPoint {
  std::string label;  // the variant's overrides, "key=value key=value"
  VariantFigures figures;
  bool pareto = false;
};

std::string render_sweep_html(const std::string& scenario, const std::vector<SweepPoint>& points);

}  // namespace ha
