// Shared guards for the metrics a strategy reads.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "backends/api/metrics_source.h"
#include "base/result.h"

namespace ha::strategies {

// Rejects NaN and infinities, and negatives when `allow_negative` is false, naming the
// strategy so that the check's error says which plugin refused the value.
inline Result<void> check_metric(std::string_view strategy, double value, bool allow_negative) {
  if (!std::isfinite(value)) {
    return make_error(std::string(strategy) + ": metric value is not a finite number");
  }
  if (!allow_negative && value < 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", value);
    return make_error(std::string(strategy) + ": negative metric value " + buf + " not allowed");
  }
  return {};
}

// Go's %f: six decimals.
inline std::string go_f(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

}  // namespace ha::strategies
