#include "backends/memory/latency.h"

#include <cmath>

namespace ha {

Duration Latency::sample(std::mt19937_64& rng) const {
  if (is_constant()) return median_;
  // ln X ~ N(mu, sigma): median = e^mu, p95 = e^(mu + 1.6449 sigma).
  double mu = std::log(static_cast<double>(median_.count()));
  double sigma = (std::log(static_cast<double>(p95_.count())) - mu) / 1.6448536269514722;
  std::normal_distribution<double> normal(mu, sigma);
  return Duration(static_cast<std::int64_t>(std::exp(normal(rng))));
}

}  // namespace ha
