// `preflight`: read-only checks that a real cluster is ready for the agent's policies
// (agent/preflight.h), one line each with ✔ or ✘ and the fix; exit 1 when any fails.
#include <cstdlib>
#include <iostream>

#include "agent/preflight.h"
#include "apps/cli.h"
#include "apps/options.h"

namespace ha::cli {
namespace {

constexpr const char* kPreflightHelp =
    "Usage: harvester-autoscaler preflight --config FILE [--policy-dir DIR] [--kubeconfig F]\n\n"
    "Checks, before a first run, that the clusters of an agent config are ready for its\n"
    "policies, changing nothing: Harvester reachable and the token valid; every verb the agent\n"
    "uses allowed (SelfSubjectAccessReviews); each harvester policy's namespace, image\n"
    "(imported, with its storage class) and network; node_group_name; the cloud-init's size;\n"
    "Nomad reachable with the ACL token's capabilities; the node class's nodes and the group's\n"
    "VMs matched by name. One line per check, with the fix for a failed one. Exit 1 when\n"
    "any check fails. The config and flags are the agent's (docs/agent.md).\n\n";

}  // namespace

int run_preflight(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                 //
      ("config", po::value<std::string>(), "agent config file (HCL or JSON)")  //
      ("policy-dir", po::value<std::string>(), "directory of policy files")    //
      ("kubeconfig", po::value<std::string>(), "Harvester URL, CA and credentials");
  auto vm = parse_options(args, options, nullptr);
  if (vm.count("help")) {
    out << kPreflightHelp << options;
    return kExitOk;
  }
  if (!vm.count("config") && !vm.count("policy-dir")) {
    throw UsageError{"--config (or --policy-dir) is required"};
  }
  AgentFlags flags;
  if (vm.count("policy-dir")) flags.policy_dir = vm["policy-dir"].as<std::string>();
  if (vm.count("kubeconfig")) flags.kubeconfig = vm["kubeconfig"].as<std::string>();
  std::optional<std::string> file;
  if (vm.count("config")) file = vm["config"].as<std::string>();
  auto config = load_agent_config(file, flags, [](const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
  if (!config) throw InputError{config.error().message};
  CompiledPolicies policies;
  if (!config->policy_dir.empty()) {
    auto loaded =
        load_policy_dir(config->policy_dir, {!config->prometheus_address.empty(), config->dry_run},
                        config->policy_defaults);
    if (!loaded) throw InputError{loaded.error().message};
    policies = std::move(*loaded);
  }
  std::size_t checks = 0, failed = 0;
  for (const PreflightSection& section : run_preflight(*config, policies)) {
    out << section.title << "\n";
    for (const PreflightCheck& c : section.checks) {
      ++checks;
      failed += c.ok ? 0 : 1;
      out << "  " << (c.ok ? "\u2714 " : "\u2718 ") << c.what << "\n";
      if (!c.ok) out << "      fix: " << c.fix << "\n";
    }
  }
  out << checks << " checks, " << failed << " failed\n";
  (void)err;
  return failed > 0 ? kExitInvalid : kExitOk;
}

}  // namespace ha::cli
