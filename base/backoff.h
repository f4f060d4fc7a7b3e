// Capped exponential backoff with jitter, shared by everything that retries (the HTTP
// transport, the watch caches): retry `attempt` (1 for the first) waits base * 2^(attempt-1),
// at most `cap`, scaled by a random factor in [0.5, 1) so that clients do not retry in step.
#pragma once

#include <algorithm>
#include <random>

#include "base/time.h"

namespace ha {

inline Duration jittered_backoff(Duration base, Duration cap, int attempt, std::mt19937_64& rng) {
  Duration d = base * (1LL << std::clamp(attempt - 1, 0, 20));
  d = std::min(d, cap);
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return Duration(static_cast<Duration::rep>(static_cast<double>(d.count()) * jitter(rng)));
}

}  // namespace ha
