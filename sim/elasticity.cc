#include "sim/elasticity.h"

#include <algorithm>
#include <cmath>

namespace ha {
namespace {

// ε in max(d_t, ε): demand is counted in whole nodes, so one node is the smallest demand
// that over-provisioning can be measured against (and demand 0 must not divide by zero).
constexpr double kEpsilon = 1.0;

int sign(double x) {
  return (x > 0) - (x < 0);
}

}  // namespace

Elasticity elasticity(const std::vector<double>& demand, const std::vector<double>& supply,
                      double dt) {
  Elasticity e;
  std::size_t n = std::min(demand.size(), supply.size());
  if (n == 0 || dt <= 0) return e;
  double total = static_cast<double>(n) * dt;  // T
  for (std::size_t t = 0; t < n; ++t) {
    double d = demand[t], s = supply[t];
    e.accuracy_under += std::max(d - s, 0.0) / std::max(d, kEpsilon) * dt;
    e.accuracy_over += std::max(s - d, 0.0) / std::max(d, kEpsilon) * dt;
    e.timeshare_under += (d > s ? 1.0 : 0.0) * dt;
    e.timeshare_over += (s > d ? 1.0 : 0.0) * dt;
  }
  e.accuracy_under *= 100 / total;
  e.accuracy_over *= 100 / total;
  e.timeshare_under *= 100 / total;
  e.timeshare_over *= 100 / total;
  if (n > 1) {
    double moved_apart = 0;
    for (std::size_t t = 1; t < n; ++t) {
      int ds = sign(supply[t] - supply[t - 1]), dd = sign(demand[t] - demand[t - 1]);
      moved_apart += std::min(std::abs(ds - dd), 1) * dt;
    }
    e.instability = 100 / (total - dt) * moved_apart;
  }
  return e;
}

}  // namespace ha
