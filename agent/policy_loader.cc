#include "agent/policy_loader.h"

#include <algorithm>
#include <filesystem>

#include "backends/runtime/text_file.h"
#include "engine/policy/policy_parser.h"

namespace ha {

Result<std::shared_ptr<const CompiledPolicy>> prepare_policy(Policy p,
                                                             const AgentCapabilities& can) {
  if (p.target.name != "harvester" && p.target.name != "nomad-target") {
    return make_error(p.file + ": policy " + p.id + ": target \"" + p.target.name +
                          "\" is not available in the agent (harvester, nomad-target)",
                      ErrorKind::kInvalid);
  }
  for (const CheckSpec& c : p.checks) {
    bool available =
        c.source.empty() || c.source == "nomad-apm" || (c.source == "prometheus" && can.prometheus);
    if (!available) {
      return make_error(p.file + ": policy " + p.id + ": check " + c.name + ": source \"" +
                            c.source +
                            "\" is not available in the agent (nomad-apm; prometheus when "
                            "apm.prometheus.config.address is set)",
                        ErrorKind::kInvalid);
    }
  }
  if (can.dry_run) p.target.config["dry-run"] = "true";
  std::string file = p.file;
  auto compiled = CompiledPolicy::compile(std::move(p));
  if (!compiled) return make_error(file + ": " + compiled.error().message, ErrorKind::kInvalid);
  return *compiled;
}

Result<CompiledPolicies> load_policy_dir(const std::string& dir, const AgentCapabilities& can,
                                         const PolicyDefaults& defaults) {
  CompiledPolicies out;
  if (dir.empty()) return out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".json" || ext == ".hcl")) {
      files.push_back(entry.path());
    }
  }
  if (ec) return make_error("policy dir " + dir + ": " + ec.message(), ErrorKind::kInvalid);
  std::sort(files.begin(), files.end());
  Diagnostics diags;
  std::vector<Policy> policies;
  for (const auto& file : files) {
    auto text = read_text_file(file.string());
    if (!text) return text.error();
    auto parsed = parse_policies(*text, file.string(), diags, defaults);
    policies.insert(policies.end(), parsed.begin(), parsed.end());
  }
  check_unique_ids(policies, diags);
  if (!diags.empty()) {
    std::string message = diags.front().to_string();
    if (diags.size() > 1) message += " (and " + std::to_string(diags.size() - 1) + " more)";
    return make_error(message, ErrorKind::kInvalid);
  }
  for (Policy& p : policies) {
    if (!p.enabled) continue;
    auto prepared = prepare_policy(std::move(p), can);
    if (!prepared) return prepared.error();
    out.push_back(*prepared);
  }
  return out;
}

}  // namespace ha
