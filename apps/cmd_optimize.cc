// `optimize SCENARIO --slo pending_p95=120s --space KEY=... [...]`: the cheapest policy that
// meets the goal, by successive halving (sim/optimize.h) over simulate runs; writes the
// winner's policies (HCL and JSON), its full-length report, and every run (CSV, HTML).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "apps/cli.h"
#include "apps/optimize_output.h"
#include "apps/optimize_refine.h"
#include "apps/optimize_shards.h"
#include "apps/options.h"
#include "apps/sweep_output.h"
#include "apps/variant_runs.h"
#include "base/duration.h"
#include "sim/html_text.h"
#include "sim/optimize.h"
#include "sim/scenario_loader.h"

namespace ha::cli {
namespace {

constexpr const char* kOptimizeHelp =
    "Usage: harvester-autoscaler optimize SCENARIO --slo GOAL\n"
    "           [--space KEY=V1,V2,...|KEY=LO..HI]... [--budget N] [--refine N] [--jobs N]\n"
    "           [--seed S] [--out DIR] [--set KEY=VALUE]... [--shard I/N]\n"
    "       harvester-autoscaler optimize merge DIR... [--out DIR]\n\n"
    "Searches the policy space for the cheapest policy (least cost: node-hours, plus stopped\n"
    "VM-hours at their price) that meets the goal: pending_p95=DURATION (p95 pending time),\n"
    "unserved_load=FRACTION (the worst rate-driven service's load left unserved, 0.03 or 3%),\n"
    "or both, comma-separated. Each --space is a key as simulate's --set takes it, with a\n"
    "list of values or a range (numbers, or Go durations such as 30s..5m, drawn by ratio);\n"
    "without --space, each cluster policy's cooldown,\n"
    "evaluation_interval, allocated-percentage targets, nodes_needed headroom (and, for a\n"
    "metric-driven policy, a nodes_needed check in place of its checks), min and the warm\n"
    "pool are searched, and under an unserved_load bound each service's\n"
    "load_per_alloc target and cooldown (printed first). Up to --budget candidates\n"
    "(default 24: every combination when a list-only space has no more, else random draws\n"
    "from --seed) run on a shortened scenario; the better half goes on to runs twice as long,\n"
    "until the last rung runs the full duration (successive halving; docs/scenarios.md).\n"
    "Then up to --refine more full-length runs (default: --budget; 0: none) step from the\n"
    "best along one axis at a time (coordinate search).\n"
    "Writes DIR/best-policy.hcl and best-policy.json (the scenario's policies with the\n"
    "winner's values, ready for the agent), best-report.json (the winner's full-length\n"
    "report), optimize.csv and optimize.html (every run); DIR defaults to\n"
    "out/<scenario name>-optimize/. Same seed, same answer. Exits 1 when no candidate meets\n"
    "the goal, naming the one that came closest. Beyond one machine: --shard I/N searches\n"
    "only the candidates whose index is I modulo N and writes DIR/optimize-shard-I-of-N.json;\n"
    "`optimize merge` the N slices' directories for the answer. Example:\n"
    "  optimize scenarios/default.json --slo pending_p95=120s \\\n"
    "    --space 'policies=[\"policies/demand-cluster.hcl\"]' \\\n"
    "    --space policy.hashistack-cluster.check.nodes_needed.query=\\\n"
    "nodes_needed/node_class=hashistack,headroom=4;...\n\n";

}  // namespace

int run_optimize(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "merge") {
    return run_optimize_merge(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  }
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                                    //
      ("slo", po::value<std::string>(), "the goal: pending_p95=D[,unserved_load=F]")              //
      ("space", po::value<std::vector<std::string>>(), "KEY=V1,V2,... or KEY=LO..HI")             //
      ("budget", po::value<std::size_t>(), "candidates (default 24)")                             //
      ("jobs", po::value<unsigned>(), "parallel runs (default: all cores)")                       //
      ("out", po::value<std::string>(), "output directory (default out/<name>-optimize)")         //
      ("refine", po::value<std::size_t>(), "full-length runs stepping from the best (= budget)")  //
      ("seed", po::value<std::uint64_t>(), "seed of the draws and of every run")                  //
      ("set", po::value<std::vector<std::string>>(), "an override applied to every run")          //
      ("shard", po::value<std::string>(), "I/N: search one slice of the candidates (merge)")      //
      ("scenario", po::value<std::string>(), "scenario file");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  auto vm = parse_options(args, options, &positional);
  if (vm.count("help")) {
    out << kOptimizeHelp << options;
    return kExitOk;
  }
  if (!vm.count("scenario")) throw UsageError{"no scenario file given"};
  if (!vm.count("slo")) throw UsageError{"no --slo given: optimize needs a goal"};
  auto goal = parse_service_goal(vm["slo"].as<std::string>());
  if (!goal) throw UsageError{goal.error().message};
  std::vector<SearchAxis> axes;
  if (vm.count("space")) {
    for (const std::string& s : vm["space"].as<std::vector<std::string>>()) {
      auto axis = parse_search_axis(s);
      if (!axis) throw UsageError{axis.error().message};
      axes.push_back(*axis);
    }
  }
  std::string file = vm["scenario"].as<std::string>();
  std::vector<Override> fixed = set_overrides(vm);
  unsigned jobs =
      vm.count("jobs") ? vm["jobs"].as<unsigned>() : std::thread::hardware_concurrency();
  std::size_t budget = vm.count("budget") ? vm["budget"].as<std::size_t>() : 24;
  std::size_t refine = vm.count("refine") ? vm["refine"].as<std::size_t>() : budget;

  // The scenario as given: its name, seed and length; a bad file fails before any run.
  LoadedScenario base;
  {
    std::vector<Override> overrides = fixed;
    Diagnostics diags;
    auto loaded = load_scenario(file, overrides, diags);
    if (!diags.empty()) return report(diags, err);
    if (!loaded) {
      err << loaded.error().message << "\n";
      return kExitInvalid;
    }
    if (auto used = check_all_used(overrides); !used) throw UsageError{used.error().message};
    base = std::move(*loaded);
  }
  if (axes.empty()) {
    axes =
        default_search_space(base.policies, base.workload.services, *goal, base.scenario.cluster);
    if (axes.empty()) {
      throw UsageError{"no --space given, and the scenario has no cluster policy to search"};
    }
    out << "searching the default space:";
    for (const SearchAxis& a : axes) {
      out << "\n  --space " << a.text;
    }
    out << "\n";
  }
  std::uint64_t seed = vm.count("seed") ? vm["seed"].as<std::uint64_t>() : base.scenario.seed;
  auto drawn = optimize_candidates(axes, budget, seed);
  if (!drawn) throw UsageError{drawn.error().message};
  std::size_t shard = 0, shards = 1;
  if (vm.count("shard")) {
    auto parsed = parse_shard(vm["shard"].as<std::string>());
    if (!parsed) throw UsageError{parsed.error().message};
    std::tie(shard, shards) = *parsed;
  }
  // Every candidate (rows point into `all`); this slice searches those whose index is
  // `shard` modulo `shards` (all of them without --shard).
  std::deque<OptimizeCandidate> all;  // rows point into it: it only grows at its end
  std::vector<OptimizeCandidate> alive;
  for (std::size_t i = 0; i < drawn->size(); ++i) {
    all.push_back({i, (*drawn)[i]});
    if (i % shards == shard) alive.push_back(all.back());
  }
  if (alive.empty()) {
    throw UsageError{"--shard " + vm["shard"].as<std::string>() + ": the search has only " +
                     std::to_string(all.size()) + " candidates"};
  }
  const std::size_t slice_size = alive.size();
  std::vector<Duration> rungs = rung_durations(base.scenario.duration, slice_size);

  ProgressBar bar(err, ProgressBar::stderr_is_terminal());
  auto started = std::chrono::steady_clock::now();
  std::vector<OptimizeRun> rows;
  std::vector<std::size_t> last_rung;  // rows of the full-length runs
  for (std::size_t r = 0; r < rungs.size(); ++r) {
    std::vector<VariantRun> runs;
    for (const OptimizeCandidate& c : alive) {
      std::vector<Override> o = c.overrides;
      if (r + 1 < rungs.size()) o.push_back({"duration", format_duration(rungs[r]), false});
      runs.push_back({c.id, o, std::nullopt, ""});
    }
    run_variants(file, fixed, seed, jobs, runs, bar,
                 "runs of rung " + std::to_string(r + 1) + "/" + std::to_string(rungs.size()));
    if (r == 0 && !runs.front().error.empty()) {
      // The first candidate's error is most likely every candidate's: a key the space
      // names that the scenario does not have.
      bar.finish();
      err << file << ": candidate " << runs.front().index << " ("
          << describe(runs.front().overrides) << "): " << runs.front().error << "\n";
      return kExitInvalid;
    }
    std::vector<RunFigures> figs;
    std::size_t first_row = rows.size();
    for (std::size_t i = 0; i < runs.size(); ++i) {
      figs.push_back(run_figures(runs[i]));
      rows.push_back({r, rungs[r], &all[alive[i].id], std::move(runs[i]), false});
    }
    if (r + 1 == rungs.size()) {
      for (std::size_t i = 0; i < figs.size(); ++i) last_rung.push_back(first_row + i);
      break;
    }
    std::size_t keep = std::max<std::size_t>(1, (alive.size() + 1) / 2);
    std::vector<OptimizeCandidate> next;
    for (std::size_t i : best_runs(figs, keep, *goal)) {
      rows[first_row + i].promoted = true;
      next.push_back(alive[i]);
    }
    std::sort(next.begin(), next.end(),
              [](const OptimizeCandidate& a, const OptimizeCandidate& b) { return a.id < b.id; });
    alive = std::move(next);
  }
  std::size_t refined = 0;
  if (refine > 0) {
    RefineSearch search{
        file,  fixed, seed, jobs, axes, *goal, rungs.size(), rungs.back(), drawn->size() + shard,
        shards};
    refined = refine_best(search, refine, all, rows, last_rung, bar);
  }
  bar.finish();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::vector<RunFigures> final_figs;
  for (std::size_t row : last_rung) final_figs.push_back(run_figures(rows[row].run));
  std::size_t best_row = last_rung[best_runs(final_figs, 1, *goal).front()];
  const OptimizeRun& best = rows[best_row];
  bool met = meets(run_figures(best.run), *goal);

  std::filesystem::path dir =
      vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                      : std::filesystem::path("out") / (base.scenario.name + "-optimize");
  if (!make_output_dir(dir.string(), err)) return kExitInvalid;

  OptimizeSummary summary{base.scenario.name, *goal,    drawn->size(), rungs.size(),
                          last_rung,          best_row, met,           refined};
  if (vm.count("shard")) {
    nlohmann::ordered_json search = {{"scenario_file", file},
                                     {"scenario", base.scenario.name},
                                     {"slo", vm["slo"].as<std::string>()},
                                     {"seed", seed},
                                     {"budget", budget},
                                     {"refine", refine},
                                     {"candidates", drawn->size()},
                                     {"space", nlohmann::ordered_json::array()},
                                     {"set", nlohmann::ordered_json::array()},
                                     {"shards", shards}};
    for (const SearchAxis& a : axes) search["space"].push_back(a.text);
    for (const Override& o : fixed) search["set"].push_back(o.key + "=" + o.value);
    std::string manifest = optimize_slice_name(shard, shards);
    if (!write_output_file((dir / manifest).string(),
                           optimize_slice_manifest(search, shard, rows, last_rung).dump(1) + "\n",
                           err)) {
      return kExitInvalid;
    }
    out << "optimize of " << base.scenario.name << ", slice " << shard << "/" << shards << ": "
        << slice_size << " of " << drawn->size() << " candidates, " << rows.size() << " runs ("
        << refined << " refining); wrote " << (dir / manifest).string() << "; `optimize merge` the "
        << shards << " slices' directories for the answer\n";
    return kExitOk;
  }
  if (!write_output_file((dir / "optimize.csv").string(), optimize_csv(axes, rows, summary), err) ||
      !write_output_file((dir / "optimize.html").string(), optimize_html(rows, summary), err)) {
    return kExitInvalid;
  }

  char timing[96];
  std::snprintf(timing, sizeof timing, "%.2f s wall", wall);
  out << "optimize of " << base.scenario.name << ": " << drawn->size() << " candidates, "
      << rows.size() << " runs over " << rungs.size()
      << (rungs.size() == 1 ? " rung (" : " rungs (");
  for (std::size_t r = 0; r < rungs.size(); ++r)
    out << (r ? ", " : "") << format_duration(rungs[r]);
  out << ") and " << refined << " refining at full length, in " << timing << "\n";
  if (!best.run.report) {
    err << "no run completed; the first error: " << best.run.error << "\n";
    return kExitInvalid;
  }
  std::string figures = winner_figures(*best.run.report);
  if (!met) {
    out << "  no candidate meets " << describe_goal(*goal) << "; the closest: #"
        << best.candidate->id << " " << describe(best.candidate->overrides) << ": " << figures
        << "\n  wrote " << (dir / "optimize.csv").string() << " and optimize.html\n";
    return kExitInvalid;
  }
  if (!write_winner(file, fixed, base.scenario.name, vm["slo"].as<std::string>(), best, dir, err)) {
    return kExitInvalid;
  }
  out << "  best: #" << best.candidate->id << " " << describe(best.candidate->overrides) << ": "
      << figures << "\n  wrote " << (dir / "best-policy.hcl").string()
      << ", best-policy.json, best-report.json, optimize.csv and optimize.html\n";
  return kExitOk;
}

}  // namespace ha::cli
