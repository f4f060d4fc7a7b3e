// `optimize merge DIR... [--out DIR]`: the slices of a search run with --shard I/N (on several
// machines, or as a Nomad job's dispatches) made into one answer: the best of every slice's
// full-length runs, ranked as one run ranks its own, with optimize.csv, optimize.html and,
// when it meets the goal, best-policy.hcl/.json and best-report.json.
#include <filesystem>

#include "apps/cli.h"
#include "apps/optimize_shards.h"
#include "apps/options.h"
#include "apps/sweep_output.h"
#include "sim/html_text.h"

namespace ha::cli {
namespace {

constexpr const char* kMergeHelp =
    "Usage: harvester-autoscaler optimize merge DIR... [--out DIR]\n\n"
    "Builds one search's answer from its slices, run with optimize --shard I/N: every DIR\n"
    "holds one or more slices' optimize-shard-I-of-N.json. All N slices must be there, once\n"
    "each, of the same search (scenario, goal, seed, budget, space, --set). The winner is the\n"
    "best of the slices' full-length runs; its policies are written from the scenario file\n"
    "the slices name, which must be readable here. --out defaults to the first DIR. Exits 1\n"
    "when no run meets the goal, naming the closest.\n\n";

}  // namespace

int run_optimize_merge(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                      //
      ("out", po::value<std::string>(), "where to write (default: the first DIR)")  //
      ("dir", po::value<std::vector<std::string>>(), "a slice's directory");
  po::positional_options_description positional;
  positional.add("dir", -1);
  auto vm = parse_options(args, options, &positional);
  if (vm.count("help")) {
    out << kMergeHelp << options;
    return kExitOk;
  }
  if (!vm.count("dir")) throw UsageError{"optimize merge: no directory given"};
  const auto& dirs = vm["dir"].as<std::vector<std::string>>();
  MergedSearch merged;
  read_optimize_slices(dirs, merged);
  std::vector<SearchAxis> axes;
  std::vector<Override> fixed;
  std::string file, name, slo;
  std::optional<Result<ServiceGoal>> goal;
  try {
    const auto& search = merged.search;
    for (const auto& text : search.at("space")) {
      auto axis = parse_search_axis(text.get<std::string>());
      if (!axis) throw InputError{"optimize merge: space: " + axis.error().message};
      axes.push_back(*axis);
    }
    for (const auto& text : search.at("set")) {
      auto o = parse_override(text.get<std::string>());
      if (!o) throw InputError{"optimize merge: set: " + o.error().message};
      fixed.push_back(*o);
    }
    file = search.at("scenario_file").get<std::string>();
    name = search.at("scenario").get<std::string>();
    slo = search.at("slo").get<std::string>();
    goal = parse_service_goal(slo);
  } catch (const nlohmann::json::exception& e) {
    throw InputError{"optimize merge: the slices' \"search\" is not one optimize writes: " +
                     std::string(e.what())};
  }
  if (!*goal) throw InputError{"optimize merge: " + goal->error().message};
  if (merged.last_rung.empty()) throw InputError{"optimize merge: no full-length run in any slice"};

  std::vector<RunFigures> final_figs;
  for (std::size_t row : merged.last_rung) final_figs.push_back(run_figures(merged.rows[row].run));
  std::size_t best_row = merged.last_rung[best_runs(final_figs, 1, **goal).front()];
  const OptimizeRun& best = merged.rows[best_row];
  bool met = meets(run_figures(best.run), **goal);

  std::filesystem::path dir = vm.count("out") ? vm["out"].as<std::string>() : dirs.front();
  if (!make_output_dir(dir.string(), err)) return kExitInvalid;
  OptimizeSummary summary{name,     **goal, merged.candidates, merged.rungs, merged.last_rung,
                          best_row, met,    merged.refined};
  if (!write_output_file((dir / "optimize.csv").string(), optimize_csv(axes, merged.rows, summary),
                         err) ||
      !write_output_file((dir / "optimize.html").string(), optimize_html(merged.rows, summary),
                         err)) {
    return kExitInvalid;
  }
  out << "optimize of " << name << ": " << merged.candidates << " candidates, "
      << merged.rows.size() << " runs from " << merged.search.at("shards") << " slices\n";
  if (!best.run.report) {
    err << "no run completed; the first error: " << best.run.error << "\n";
    return kExitInvalid;
  }
  std::string figures = winner_figures(*best.run.report);
  if (!met) {
    out << "  no candidate meets " << describe_goal(goal->value()) << "; the closest: #"
        << best.candidate->id << " " << describe(best.candidate->overrides) << ": " << figures
        << "\n  wrote " << (dir / "optimize.csv").string() << " and optimize.html\n";
    return kExitInvalid;
  }
  if (!write_winner(file, fixed, name, slo, best, dir, err)) return kExitInvalid;
  out << "  best: #" << best.candidate->id << " " << describe(best.candidate->overrides) << ": "
      << figures << "\n  wrote " << (dir / "best-policy.hcl").string()
      << ", best-policy.json, best-report.json, optimize.csv and optimize.html\n";
  return kExitOk;
}

}  // namespace ha::cli
