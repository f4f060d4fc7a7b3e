// SPEC Research Group elasticity metrics (Herbst et al., "Ready for Rain?", 2016), over
// demand d_t and supply s_t in whole nodes, sampled every dt (formulas in
// docs/architecture.md, with ε = 1 node); the reports' percentiles are base/percentile.h.
// Pure functions.
#pragma once

#include <vector>

#include "base/percentile.h"  // percentile(), for the reports

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

}  // namespace ha
