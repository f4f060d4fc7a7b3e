// `simulate SCENARIO`: replays a scenario on the in-memory models and simulated time and
// writes report.json, timeseries.csv and report.html (see docs/scenarios.md).
// `emulate SCENARIO`: the same run and report on the sped-up wall clock, the engine reaching
// the models through the HTTP clients and the mock servers on loopback.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "apps/cli.h"
#include "apps/emulation.h"
#include "apps/options.h"
#include "apps/progress.h"
#include "backends/runtime/stream_logger.h"
#include "sim/html_text.h"
#include "sim/scenario_loader.h"
#include "sim/simulation.h"

namespace ha::cli {
namespace {

constexpr const char* kSimulateHelp =
    "Usage: harvester-autoscaler simulate SCENARIO [--out DIR] [--seed N] [--set KEY=VALUE]...\n\n"
    "Replays SCENARIO's workload against its policies on the in-memory Nomad and Harvester\n"
    "models, in simulated time, and writes DIR/report.json, DIR/timeseries.csv\n"
    "and DIR/report.html (DIR defaults to out/<scenario name>/). Same scenario and seed,\n"
    "same report. --set changes one key without editing files, e.g.\n"
    "--set policy.hashistack-cluster.min=4 --set cluster.max_vms=20\n\n";

constexpr const char* kEmulateHelp =
    "Usage: harvester-autoscaler emulate SCENARIO [--speed 60] [--out DIR] [--seed N]\n"
    "                                    [--set KEY=VALUE]...\n\n"
    "Runs SCENARIO as simulate does, but on the wall clock sped up by --speed (60: one wall\n"
    "second is one simulated minute), with the in-memory models behind the mock Nomad and\n"
    "Harvester HTTP servers on 127.0.0.1 and the autoscaler reaching them only through its\n"
    "HTTP clients. Writes the same files as simulate (DIR defaults to out/<name>-emulate/).\n"
    "A 2-day scenario at --speed 600 takes under 5 minutes.\n\n";

}  // namespace

namespace {

std::string num(const nlohmann::ordered_json& v) {
  return format_number(v.get<double>());
}
std::string num(double v) {
  return format_number(v);
}

}  // namespace

namespace {

int run_scenario(bool emulate, const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                             //
      ("out", po::value<std::string>(), "output directory (default out/<scenario name>)")  //
      ("seed", po::value<std::uint64_t>(), "override the scenario's seed")                 //
      ("set", po::value<std::vector<std::string>>(),
       "override a key: policy.NAME.min=3, cluster.max_vms=20, ... (repeatable)")  //
      ("scenario", po::value<std::string>(), "scenario file")                      //
      ("log-level", po::value<std::string>(),
       "print the engine's log lines at this level and above to stderr (info, debug, ...)");
  if (emulate) {
    options.add_options()("speed", po::value<double>()->default_value(60),
                          "simulated seconds per wall second");
  }
  po::positional_options_description positional;
  positional.add("scenario", 1);
  auto vm = parse_options(args, options, &positional);
  if (vm.count("help")) {
    out << (emulate ? kEmulateHelp : kSimulateHelp) << options;
    return kExitOk;
  }
  int exit_code = kExitOk;
  auto loaded = load_scenario_arg(vm, err, exit_code);
  if (!loaded) return exit_code;
  Scenario& scenario = loaded->scenario;
  const Workload& w = loaded->workload;
  if (w.swf_cancelled + w.swf_unusable > 0) {
    out << "skipped " << w.swf_cancelled << " cancelled and " << w.swf_unusable
        << " unusable (no processors or no time) SWF jobs\n";
  }
  if (w.dag_jobs_skipped > 0) {
    out << "skipped " << w.dag_jobs_skipped
        << " alibaba-batch jobs with unusable tasks (no start, end or plan)\n";
  }

  ProgressBar bar(err, ProgressBar::stderr_is_terminal());
  auto started = std::chrono::steady_clock::now();
  auto on_progress = [&](Time reached, Time total, std::uint64_t events) {
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    char detail[128];
    std::snprintf(detail, sizeof detail, "%.1f/%.1f h simulated, %.2fM events/s",
                  to_seconds(reached) / 3600, to_seconds(total) / 3600,
                  wall > 0 ? static_cast<double>(events) / wall / 1e6 : 0.0);
    bar.update(to_seconds(reached) / to_seconds(total), detail);
  };
  Result<SimulationOutput> result = make_error("not run");
  std::optional<StreamLogger> log;
  if (vm.count("log-level")) {
    auto level = parse_log_level(vm["log-level"].as<std::string>());
    if (!level) throw UsageError{"--log-level: " + level.error().message};
    log.emplace(err, StreamLogger::Options{*level, false, false});
  }
  if (emulate) {
    double speed = vm["speed"].as<double>();
    if (!(speed > 0)) throw UsageError{"--speed must be > 0"};
    result =
        run_emulation(scenario, loaded->policies, w, {speed, log ? &*log : nullptr}, on_progress);
  } else {
    result = run_simulation(scenario, loaded->policies, w, on_progress, log ? &*log : nullptr);
  }
  bar.finish();
  if (!result) {
    err << loaded->scenario.file << ": " << result.error().message << "\n";
    return kExitInvalid;
  }
  std::filesystem::path dir = vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                                              : std::filesystem::path("out") /
                                                    (scenario.name + (emulate ? "-emulate" : ""));
  if (!make_output_dir(dir.string(), err) ||
      !write_output_file((dir / "report.json").string(), result->report.dump(2) + "\n", err) ||
      !write_output_file((dir / "timeseries.csv").string(), result->timeseries_csv, err) ||
      !write_output_file((dir / "report.html").string(),
                         render_report_html(result->report, result->series, result->actions),
                         err)) {
    return kExitInvalid;
  }
  const auto& r = result->report;
  out << "scenario " << scenario.name << " (seed " << scenario.seed
      << "): " << num(r["simulated_seconds"].get<double>() / 3600) << " simulated hours in "
      << num(r["wall_seconds"]) << " s wall\n"
      << "  node-hours " << num(r["node_hours"]) << " ("
      << (r["node_hours_vs_oracle"].is_number()
              ? num(r["node_hours_vs_oracle"]) + "x perfect foresight's " +
                    num(r["oracle_node_hours"]) + ", " + num(r["node_hours_vs_unmoved"]) +
                    "x the " + num(r["unmoved_node_hours"]) + " it needs when work never moves"
              : std::string("no perfect-foresight reference"))
      << "), final nodes " << r["final_nodes"] << "\n";
  if (r["stopped_vm_hours"].get<double>() > 0) {
    out << "  stopped VM-hours " << num(r["stopped_vm_hours"]) << " (warm pool); cost "
        << num(r["cost"]) << " ("
        << (r["cost_vs_oracle"].is_number() ? num(r["cost_vs_oracle"]) + "x perfect foresight's)"
                                            : std::string("no reference)"))
        << "\n";
  }
  out << "  pending seconds p50 " << num(r["pending_seconds"]["p50"]) << ", p95 "
      << num(r["pending_seconds"]["p95"]) << ", max " << num(r["pending_seconds"]["max"]) << "\n"
      << "  actions: " << r["actions"]["scale_out"] << " out, " << r["actions"]["scale_in"]
      << " in; scale-out latency p50 " << num(r["scale_out_latency_seconds"]["p50"]) << " s\n"
      << "  allocations " << r["allocations"]["total"] << " (never placed "
      << r["allocations"]["never_placed"] << "), invariant violations "
      << r["invariant_violations"]["count"] << "\n"
      << "  wrote " << (dir / "report.json").string() << ", timeseries.csv and report.html\n";
  return kExitOk;
}

}  // namespace

int run_simulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_scenario(false, args, out, err);
}

int run_emulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_scenario(true, args, out, err);
}

}  // namespace ha::cli
