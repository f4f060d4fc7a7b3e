#include "apps/variant_runs.h"

#include <atomic>
#include <thread>

#include "sim/scenario_loader.h"
#include "sim/simulation.h"

namespace ha::cli {

void run_variants(const std::string& file, const std::vector<Override>& fixed,
                  std::optional<std::uint64_t> seed, unsigned jobs, std::vector<VariantRun>& runs,
                  ProgressBar& bar, const std::string& what) {
  std::atomic<std::size_t> next{0}, done{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < runs.size(); i = next++) {
      VariantRun& run = runs[i];
      std::vector<Override> overrides = fixed;
      overrides.insert(overrides.end(), run.overrides.begin(), run.overrides.end());
      Diagnostics diags;
      auto loaded = load_scenario(file, overrides, diags);
      if (!diags.empty()) {
        run.error = diags.front().to_string();
      } else if (!loaded) {
        run.error = loaded.error().message;
      } else if (auto used = check_all_used(overrides); !used) {
        run.error = used.error().message;
      } else {
        if (seed) loaded->scenario.seed = *seed;
        auto result = run_simulation(loaded->scenario, loaded->policies, loaded->workload);
        if (result) {
          run.report = std::move(result->report);
        } else {
          run.error = result.error().message;
        }
      }
      std::size_t finished = ++done;
      bar.update(static_cast<double>(finished) / static_cast<double>(runs.size()),
                 std::to_string(finished) + "/" + std::to_string(runs.size()) + " " + what);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::min<std::size_t>(std::max(jobs, 1u), runs.size()); ++t)
    threads.emplace_back(worker);
  for (auto& t : threads) t.join();
}

}  // namespace ha::cli
