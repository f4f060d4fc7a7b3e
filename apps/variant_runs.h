// Many simulations of one scenario, each with its own --set overrides, on N threads: what
// `sweep` and `optimize` run. Each run loads the scenario afresh (the overrides are applied
// to its documents) and keeps only its report.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "apps/progress.h"
#include "sim/overrides.h"

namespace ha::cli {

struct VariantRun {
  std::size_t index = 0;  // in the whole grid or search
  std::vector<Override> overrides;
  std::optional<nlohmann::ordered_json> report;  // only the report: series are not kept
  std::string error;                             // why there is no report
};

// Runs every entry of `runs` with `fixed` then its own overrides, the scenario's seed
// replaced by `seed` when given; `what` names the runs in the progress line.
void run_variants(const std::string& file, const std::vector<Override>& fixed,
                  std::optional<std::uint64_t> seed, unsigned jobs, std::vector<VariantRun>& runs,
                  ProgressBar& bar, const std::string& what);

}  // namespace ha::cli
