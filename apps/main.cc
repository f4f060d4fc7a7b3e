// harvester-autoscaler: one binary, one subcommand per mode (see docs and --help).
#include <iostream>
#include <string>
#include <vector>

#include "apps/cli.h"
#include "version.h"

namespace {

using ha::cli::Command;

constexpr Command kCommands[] = {
    {"validate", "check policy files; print every problem, or the normalized policies",
     &ha::cli::run_validate},
    {"evaluate", "one strategy or policy decision, printed as JSON", &ha::cli::run_evaluate},
    {"simulate", "replay a scenario on simulated time; write report.json and timeseries.csv",
     &ha::cli::run_simulate},
    {"emulate", "run a scenario through the HTTP clients and mock servers, on the wall clock",
     &ha::cli::run_emulate},
    {"optimize",
     "search the policy space for the cheapest policy meeting a pending-time goal; write "
     "best-policy.hcl",
     &ha::cli::run_optimize},
    {"sweep", "simulate every combination of a policy grid; write sweep.csv and sweep.html",
     &ha::cli::run_sweep},
    {"chaos", "simulate many seeds with random faults; count invariant violations",
     &ha::cli::run_chaos},
    {"mock-harvester", "serve a mock Harvester (KubeVirt) API over the in-memory model",
     &ha::cli::run_mock_harvester},
    {"agent", "run the autoscaler against Nomad and Harvester (production)", &ha::cli::run_agent},
    {"preflight", "check, read-only, that a real cluster is ready for the agent's policies",
     &ha::cli::run_preflight},
    {"record", "follow a Nomad cluster and write a scenario of its workload", &ha::cli::run_record},
    {"mock-cluster", "serve mock Nomad and Harvester APIs over one model, replaying a scenario",
     &ha::cli::run_mock_cluster},
    {"mock-nomad", "serve a mock Nomad HTTP API over the in-memory model",
     &ha::cli::run_mock_nomad},
    {"plugin", "serve the Harvester target to HashiCorp's Nomad Autoscaler (go-plugin)",
     &ha::cli::run_plugin},
};

void print_usage(std::ostream& out) {
  out << "harvester-autoscaler " HA_VERSION
         " - autoscaler for Nomad clusters on Harvester VMs\n\n"
         "Usage: harvester-autoscaler COMMAND [OPTIONS]\n"
         "       harvester-autoscaler COMMAND --help\n\n"
         "Commands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name << std::string(16 - std::string(c.name).size(), ' ') << c.summary << "\n";
  }
  out << "\nOptions:\n  --help      this text\n  --version   print the version\n\n"
         "Exit codes: 0 success, 1 invalid input, 2 usage error or unknown plugin name.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Installed in an autoscaler's plugin_dir as `harvester` (the driver's name), the binary
  // is the plugin, whatever it is given.
  std::string self = argc > 0 ? argv[0] : "";
  if (self.substr(self.rfind('/') + 1) == "harvester") {
    return ha::cli::run_plugin({}, std::cout, std::cerr);
  }
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? ha::cli::kExitUsage : ha::cli::kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::cout << "harvester-autoscaler " HA_VERSION "\n";
    return ha::cli::kExitOk;
  }
  for (const Command& c : kCommands) {
    if (args[0] != c.name) continue;
    std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
      return c.run(rest, std::cout, std::cerr);
    } catch (const ha::cli::UsageError& e) {
      std::cerr << "harvester-autoscaler " << c.name << ": " << e.message << "\n"
                << "Try 'harvester-autoscaler " << c.name << " --help'.\n";
      return ha::cli::kExitUsage;
    } catch (const ha::cli::InputError& e) {
      std::cerr << "harvester-autoscaler " << c.name << ": " << e.message << "\n";
      return ha::cli::kExitInvalid;
    }
  }
  std::cerr << "harvester-autoscaler: unknown command \"" << args[0] << "\"\n\n";
  print_usage(std::cerr);
  return ha::cli::kExitUsage;
}
