// `chaos SCENARIO --runs N [--json]`: N simulations of the scenario with random faults (and
// seeds), invariant violations counted; exit 1 when any run broke an invariant.
#include <iostream>
#include <mutex>
#include <thread>

#include "apps/cli.h"
#include "apps/options.h"
#include "apps/progress.h"
#include "sim/chaos.h"
#include "sim/scenario_loader.h"

namespace ha::cli {
namespace {

constexpr const char* kChaosHelp =
    "Usage: harvester-autoscaler chaos SCENARIO [--runs N] [--jobs N] [--seed N] [--json]\n"
    "                                  [--set KEY=VALUE]...\n\n"
    "Simulates SCENARIO N times; run i uses seed (scenario seed + i) and one to four random\n"
    "faults (API errors, outages, latency spikes, stuck or unschedulable VMs, nodes that\n"
    "never join, stuck drains, agent crashes) on top of the scenario's own. Counts the\n"
    "invariant violations (docs/scenarios.md) and prints the first failing runs with their\n"
    "seeds and faults, so that each can be replayed with simulate. Exit status 1 when any\n"
    "run broke an invariant. --json prints {\"runs\", \"violations\", \"first_violations\", "
    "...}.\n\n";

}  // namespace

int run_chaos(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                               //
      ("runs", po::value<std::int64_t>()->default_value(100), "number of runs")              //
      ("jobs", po::value<unsigned>(), "parallel runs (default: all cores)")                  //
      ("seed", po::value<std::uint64_t>(), "first run's seed (default: the scenario's)")     //
      ("json", "print the summary as JSON")                                                  //
      ("set", po::value<std::vector<std::string>>(), "override a key, as simulate's --set")  //
      ("scenario", po::value<std::string>(), "scenario file");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  auto vm = parse_options(args, options, &positional);
  if (vm.count("help")) {
    out << kChaosHelp << options;
    return kExitOk;
  }
  std::int64_t runs = vm["runs"].as<std::int64_t>();
  if (runs < 1) throw UsageError{"--runs must be at least 1"};
  int exit_code = kExitOk;
  auto loaded = load_scenario_arg(vm, err, exit_code);
  if (!loaded) return exit_code;
  ChaosOptions opts;
  opts.runs = runs;
  opts.threads = vm.count("jobs") ? vm["jobs"].as<unsigned>() : std::thread::hardware_concurrency();
  if (opts.threads == 0) opts.threads = 1;

  ProgressBar bar(err, ProgressBar::stderr_is_terminal());
  std::mutex bar_mu;
  ChaosSummary s =
      ha::run_chaos(loaded->scenario, loaded->policies, loaded->workload, opts,
                    [&](std::int64_t done, std::int64_t total) {
                      std::lock_guard lock(bar_mu);
                      bar.update(static_cast<double>(done) / static_cast<double>(total),
                                 std::to_string(done) + "/" + std::to_string(total) + " runs");
                    });
  bar.finish();
  if (vm.count("json")) {
    nlohmann::ordered_json j{{"scenario", loaded->scenario.name},
                             {"runs", s.runs},
                             {"violations", s.violations},
                             {"runs_with_violations", s.runs_with_violations},
                             {"errors", s.errors},
                             {"faults", s.faults},
                             {"agent_crashes", s.agent_crashes},
                             {"host_maintenances", s.host_maintenances},
                             {"guest_restarts", s.guest_restarts},
                             {"deleted_while_migrating", s.deleted_while_migrating},
                             {"volumes_left", s.volumes_left},
                             {"wall_seconds", s.wall_seconds},
                             {"first_violations", s.first_violations}};
    out << j.dump(2) << "\n";
  } else {
    out << "chaos " << loaded->scenario.name << ": " << s.runs << " runs with " << s.faults
        << " faults (" << s.agent_crashes << " agent crashes, " << s.host_maintenances
        << " host maintenances, " << s.guest_restarts << " guests restarted) in " << s.wall_seconds
        << " s wall\n  invariant violations " << s.violations << " in " << s.runs_with_violations
        << " runs; VMs deleted while migrating " << s.deleted_while_migrating
        << "; volumes left behind " << s.volumes_left;
    if (s.errors > 0) out << "; " << s.errors << " runs failed to run";
    out << "\n";
    for (const auto& f : s.first_violations) out << "  " << f.dump() << "\n";
  }
  return s.violations > 0 || s.errors > 0 ? kExitInvalid : kExitOk;
}

}  // namespace ha::cli
