// `validate FILE...`: checks policy files and prints every problem as `FILE: PATH: reason`
// (exit 1; exit 2 when a plugin name is unknown), or the normalized policies as JSON.
#include <iostream>

#include "apps/cli.h"
#include "apps/options.h"
#include "backends/runtime/text_file.h"
#include "engine/policy/policy_parser.h"

namespace ha::cli {

int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")(
      "files", po::value<std::vector<std::string>>()->composing(), "policy files");
  po::positional_options_description positional;
  positional.add("files", -1);
  auto vm = parse_options(args, options, &positional);
  if (vm.count("help")) {
    out << "Usage: harvester-autoscaler validate FILE...\n\n"
           "Checks scaling policy files (the JSON syntax of HCL, as the Nomad Autoscaler reads\n"
           "them). Prints every problem as FILE: JSON-POINTER: reason and exits 1 (2 when a\n"
           "strategy, target or source name is unknown). On success prints the normalized\n"
           "policies as {\"FILE\": {...}} with every default filled in.\n\n"
        << "Options:\n  -h [ --help ]         this text\n";
    return kExitOk;
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
    auto policies = parse_policies(*text, file, diags);
    if (diags.size() == before) normalized[file] = to_hcl_json(policies);
    all.insert(all.end(), policies.begin(), policies.end());
  }
  check_unique_ids(all, diags);
  if (!diags.empty()) return report(diags, err);
  out << normalized.dump(2) << "\n";
  return kExitOk;
}

}  // namespace ha::cli
