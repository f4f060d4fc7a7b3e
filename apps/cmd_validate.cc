// `validate FILE...`: checks policy and job files (HCL or JSON) and prints every problem
// (exit 1; exit 2 when a plugin name is unknown), or the normalized policies as JSON.
#include <cstdlib>
#include <iostream>

#include "agent/agent_config.h"
#include "apps/cli.h"
#include "apps/options.h"
#include "apps/render_vm.h"
#include "backends/runtime/text_file.h"
#include "engine/policy/job_scaling.h"
#include "engine/policy/policy_parser.h"

namespace ha::cli {

int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")(
      "agent-config", po::value<std::string>(),
      "an agent config (HCL or JSON): print the effective configuration, secrets redacted")(
      "render-vm", "print the objects each harvester policy's scale-out creates")(
      "image-class", po::value<std::string>(),
      "with --render-vm: the image's storage class (its status.storageClassName)")(
      "files", po::value<std::vector<std::string>>()->composing(), "policy or job files");
  po::positional_options_description positional;
  positional.add("files", -1);
  auto vm = parse_options(args, options, &positional);
  if (vm.count("help")) {
    out << "Usage: harvester-autoscaler validate FILE...\n"
           "       harvester-autoscaler validate --agent-config FILE\n\n"
           "Checks scaling policy files and Nomad job files, written in HCL (.hcl, .nomad) or\n"
           "in HCL's JSON syntax (.json); a file with another name is JSON when it starts\n"
           "with {. A job file's task-group scaling blocks are checked as the agent will see\n"
           "them from Nomad. Prints every problem, as FILE:LINE:COL: PATH: reason for HCL and\n"
           "FILE: JSON-POINTER: reason for JSON, and exits 1 (2 when a strategy, target or\n"
           "source name is unknown). On success prints the normalized policies as\n"
           "{\"FILE\": {...}} with every default filled in: the same for both syntaxes.\n\n"
           "With --agent-config, reads an agent config as `agent --config FILE` does (the\n"
           "file, then the environment: NOMAD_ADDR, NOMAD_TOKEN, HARVESTER_URL,\n"
           "HARVESTER_TOKEN) and prints the effective configuration as JSON, every secret\n"
           "replaced by \"<redacted>\"; keys accepted but not acted on are listed on stderr.\n"
           "Problems are printed as for policies (exit 1).\n\n"
           "With --render-vm, prints instead, for each harvester policy, the VirtualMachine its\n"
           "scale-out creates (named <node_group_name>-00000), the PersistentVolumeClaim\n"
           "Harvester makes of it and, for user data over 2,048 bytes, the Secret holding it:\n"
           "{\"POLICY\": {\"virtualmachine\", \"persistentvolumeclaim\", \"secret\"}}. The\n"
           "image's storage class is --image-class (`preflight` shows a cluster's), else a\n"
           "placeholder; its size is taken as 10Gi.\n\n"
        << options;
    return kExitOk;
  }
  if (vm.count("agent-config")) {
    auto config = load_agent_config(vm["agent-config"].as<std::string>(), AgentFlags{},
                                    [](const char* name) -> std::optional<std::string> {
                                      const char* v = std::getenv(name);
                                      return v ? std::optional<std::string>(v) : std::nullopt;
                                    });
    if (!config) {
      err << config.error().message << "\n";
      return kExitInvalid;
    }
    for (const std::string& w : config->warnings) err << "warning: " << w << "\n";
    out << effective_agent_config(*config).dump(2) << "\n";
    if (!vm.count("files")) return kExitOk;
  }
  if (!vm.count("files")) throw UsageError{"no files given"};

  Diagnostics diags;
  std::vector<Policy> all;
  nlohmann::json normalized = nlohmann::json::object();
  for (const std::string& file : vm["files"].as<std::vector<std::string>>()) {
    auto text = read_text_file(file);
    if (!text) {
      diags.push_back({file, "", text.error().message.substr(file.size() + 2)});  // "FILE: "
      continue;
    }
    std::size_t before = diags.size();
    auto doc = ConfigFile::read(*text, file, diags);
    if (!doc) continue;
    auto policies = is_job_file(doc->value()) ? read_job_scaling(*doc, file, diags)
                                              : read_policies(*doc, file, diags);
    if (diags.size() == before) normalized[file] = to_hcl_json(policies);
    all.insert(all.end(), policies.begin(), policies.end());
  }
  check_unique_ids(all, diags);
  if (!diags.empty()) return report(diags, err);
  if (vm.count("render-vm")) {
    out << render_vms(all, vm.count("image-class") ? vm["image-class"].as<std::string>() : "")
               .dump(2)
        << "\n";
    return kExitOk;
  }
  out << normalized.dump(2) << "\n";
  return kExitOk;
}

}  // namespace ha::cli
