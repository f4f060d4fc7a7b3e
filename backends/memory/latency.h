// Modelled delays: a constant, or a lognormal distribution given by its median and 95th
// percentile (how operators describe boot times). Sampling uses the caller's RNG so that
// a run is reproducible from its seed.
#pragma once

#include <random>

#include "base/time.h"

namespace ha {

class Latency {
 public:
  static Latency constant(Duration d) { return Latency(d, d); }
  // p95 < median is treated as a constant median.
  static Latency lognormal(Duration median, Duration p95) { return Latency(median, p95); }

  Duration sample(std::mt19937_64& rng) const;
  Duration median() const { return median_; }
  Duration p95() const { return p95_; }
  bool is_constant() const { return p95_ <= median_; }

 private:
  Latency(Duration median, Duration p95) : median_(median), p95_(p95) {}
  Duration median_;
  Duration p95_;
};

}  // namespace ha
