// SPEC Research Group elasticity metrics (Herbst et al., "Ready for Rain?", 2016), over
// demand d_t and supply s_t in whole nodes, sampled every dt (formulas in
// docs/architecture.md, with ε = 1 node), and
// percentiles for the report. Pure functions.
#pragma once

#include <vector>

namespace ha {

struct Elasticity {
  double accuracy_under = 0;   // θ_U, %
  double accuracy_over = 0;    // θ_O, %
  double timeshare_under = 0;  // τ_U, %
  double timeshare_over = 0;   // τ_O, %
  double instability = 0;      // υ, %
};

// `demand` and `supply` have one sample per step (same length); dt is the step in seconds.
Elasticity elasticity(const std::vector<double>& demand, const std::vector<double>& supply,
                      double dt);

// Nearest-rank percentile (p in [0, 100]) of `values`; 0 for an empty list.
double percentile(std::vector<double> values, double p);

}  // namespace ha
