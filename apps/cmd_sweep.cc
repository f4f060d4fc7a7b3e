// `sweep SCENARIO --grid KEY=V1,V2 ...`: every combination of the grid's values as --set
// overrides of one scenario, run in parallel; writes sweep.csv, sweep.html and each
// variant's report, and prints the Pareto-optimal variants (cost vs p95 pending time).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "apps/cli.h"
#include "apps/options.h"
#include "apps/progress.h"
#include "apps/sweep_output.h"
#include "apps/variant_runs.h"
#include "sim/html_text.h"
#include "sim/scenario_loader.h"
#include "sim/simulation.h"
#include "sim/sweep.h"

namespace ha::cli {
namespace {

constexpr std::size_t kMaxVariants = 10000;

constexpr const char* kSweepHelp =
    "Usage: harvester-autoscaler sweep SCENARIO --grid KEY=V1,V2,... [--grid ...]\n"
    "                                  [--jobs N] [--out DIR] [--seed N] [--set KEY=VALUE]...\n\n"
    "Runs SCENARIO once per combination of the grid values (each KEY=VALUE applied as\n"
    "simulate's --set), in parallel on N threads (default: all cores). Writes DIR/sweep.csv\n"
    "(one row per variant with the report's headline figures), DIR/sweep.html (cost vs p95\n"
    "pending time, Pareto front marked) and DIR/variant-<i>.json (each report); DIR\n"
    "defaults to out/<scenario name>-sweep/. Prints the Pareto-optimal variants: those no\n"
    "other variant beats on both node-hours and p95 pending seconds. Example:\n"
    "  sweep scenarios/default.json --grid policy.hashistack-cluster.cooldown=1m,5m \\\n"
    "        --grid policy.hashistack-cluster.min=1,2,4\n\n"
    "Beyond one machine: --shard I/N runs only the variants whose index is I modulo N and\n"
    "writes their reports and DIR/shard-I-of-N.json; `harvester-autoscaler sweep merge\n"
    "DIR... [--out DIR]` then builds the same sweep.csv and sweep.html from all N slices\n"
    "(docs/scenarios.md has a Nomad job that runs the slices).\n\n";

}  // namespace

int run_sweep(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "merge") {
    return run_sweep_merge(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  }
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                                 //
      ("grid", po::value<std::vector<std::string>>(), "KEY=V1,V2,... (repeatable)")            //
      ("jobs", po::value<unsigned>(), "parallel runs (default: all cores)")                    //
      ("out", po::value<std::string>(), "output directory (default out/<name>-sweep)")         //
      ("seed", po::value<std::uint64_t>(), "override the scenario's seed in every variant")    //
      ("set", po::value<std::vector<std::string>>(), "an override applied to every variant")   //
      ("shard", po::value<std::string>(), "I/N: run one slice of the variants (sweep merge)")  //
      ("scenario", po::value<std::string>(), "scenario file");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  auto vm = parse_options(args, options, &positional);
  if (vm.count("help")) {
    out << kSweepHelp << options;
    return kExitOk;
  }
  if (!vm.count("scenario")) throw UsageError{"no scenario file given"};
  if (!vm.count("grid")) throw UsageError{"no --grid given: nothing to sweep"};
  std::string file = vm["scenario"].as<std::string>();
  std::vector<GridAxis> axes;
  for (const std::string& g : vm["grid"].as<std::vector<std::string>>()) {
    auto axis = parse_grid_axis(g);
    if (!axis) throw UsageError{axis.error().message};
    axes.push_back(*axis);
  }
  auto grid = expand_grid(axes, kMaxVariants);
  if (!grid) throw UsageError{grid.error().message};
  std::vector<Override> fixed = set_overrides(vm);
  unsigned jobs =
      vm.count("jobs") ? vm["jobs"].as<unsigned>() : std::thread::hardware_concurrency();
  if (jobs == 0) jobs = 1;

  std::size_t shard = 0, shards = 1;
  if (vm.count("shard")) {
    auto parsed = parse_shard(vm["shard"].as<std::string>());
    if (!parsed) throw UsageError{parsed.error().message};
    std::tie(shard, shards) = *parsed;
  }
  // This slice's variants (all of them without --shard). The first is loaded up front so
  // that a bad file or key fails before any run.
  std::vector<VariantRun> runs;
  for (std::size_t i = shard; i < grid->size(); i += shards)
    runs.push_back({i, (*grid)[i], std::nullopt, ""});
  if (runs.empty()) {
    throw UsageError{"--shard " + vm["shard"].as<std::string>() + ": the grid has only " +
                     std::to_string(grid->size()) + " variants, none in this slice"};
  }
  std::string name;
  {
    std::vector<Override> overrides = fixed;
    overrides.insert(overrides.end(), runs[0].overrides.begin(), runs[0].overrides.end());
    Diagnostics diags;
    auto loaded = load_scenario(file, overrides, diags);
    if (!diags.empty()) return report(diags, err);
    if (!loaded) {
      err << loaded.error().message << "\n";
      return kExitInvalid;
    }
    if (auto used = check_all_used(overrides); !used) throw UsageError{used.error().message};
    name = loaded->scenario.name;
  }

  ProgressBar bar(err, ProgressBar::stderr_is_terminal());
  auto started = std::chrono::steady_clock::now();
  std::optional<std::uint64_t> seed;
  if (vm.count("seed")) seed = vm["seed"].as<std::uint64_t>();
  run_variants(file, fixed, seed, jobs, runs, bar, "variants");
  bar.finish();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  bool failed = false;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].error.empty()) continue;
    err << file << ": variant " << runs[i].index << " (" << describe(runs[i].overrides)
        << "): " << runs[i].error << "\n";
    failed = true;
  }
  if (failed) return kExitInvalid;

  std::filesystem::path dir = vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                                              : std::filesystem::path("out") / (name + "-sweep");
  if (!make_output_dir(dir.string(), err)) return kExitInvalid;
  std::vector<SweepVariant> variants;
  for (VariantRun& run : runs) {
    std::string report_file = (dir / ("variant-" + std::to_string(run.index) + ".json")).string();
    if (!write_output_file(report_file, run.report->dump(2) + "\n", err)) return kExitInvalid;
    variants.push_back({run.index, run.overrides, std::move(*run.report)});
  }
  char timing[96];
  std::snprintf(timing, sizeof timing, "%.2f s wall on %u threads", wall,
                std::min<unsigned>(jobs, static_cast<unsigned>(runs.size())));
  if (vm.count("shard")) {
    std::string manifest =
        "shard-" + std::to_string(shard) + "-of-" + std::to_string(shards) + ".json";
    if (!write_output_file((dir / manifest).string(),
                           shard_manifest(name, axes, shard, shards, variants).dump(2) + "\n",
                           err)) {
      return kExitInvalid;
    }
    out << "sweep of " << name << ", slice " << shard << "/" << shards << ": " << runs.size()
        << " of " << grid->size() << " variants in " << timing << "\n  wrote "
        << (dir / manifest).string() << " and variant-<i>.json; `sweep merge` the " << shards
        << " slices' directories for sweep.csv and sweep.html\n";
    return kExitOk;
  }
  std::string headline =
      "sweep of " + name + ": " + std::to_string(runs.size()) + " variants in " + timing;
  return write_sweep_results(name, axes, variants, dir, headline, out, err) ? kExitOk
                                                                            : kExitInvalid;
}

}  // namespace ha::cli
