// Nearest-rank percentile, as the reports give p50, p95 and max. A pure function.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace ha {

// The nearest-rank percentile (p in [0, 100]) of `values`; 0 for an empty list.
inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

}  // namespace ha
