// MetricsSource: the seam through which checks read metrics (nomad-apm, prometheus, sim).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"

namespace ha {

struct MetricPoint {
  Time time{0};
  double value = 0;
};

using TimeSeries = std::vector<MetricPoint>;

// [from, to] in loop time; an instant query has from == to.
struct TimeRange {
  Time from{0};
  Time to{0};
};

class MetricsSource {
 public:
  using Callback = std::function<void(Result<TimeSeries>)>;
  virtual ~MetricsSource() = default;

  // Answers `query` over `range` by calling `done` exactly once, on the event loop, with the
  // points oldest first (or an error naming the query).
  virtual void query(const std::string& query, TimeRange range, Callback done) = 0;
};

}  // namespace ha
