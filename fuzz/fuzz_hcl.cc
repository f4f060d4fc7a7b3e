// HCL files (policies, jobs, agent configs): any input yields a document or errors with a
// line and column, never a crash; a document's every place has a position and a path; what
// reads as policies normalizes to JSON that reads as the same policies.
#include "agent/agent_config_file.h"
#include "engine/hcl/hcl.h"
#include "engine/policy/job_scaling.h"
#include "engine/policy/policy_parser.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = ha::fuzz::text(data, size);
  ha::hcl::ParseResult parsed = ha::hcl::parse(text);
  if (!parsed.document) {
    if (parsed.errors.empty()) __builtin_trap();  // no document needs a reason
    for (const auto& e : parsed.errors) {
      if (e.at.line < 1 || e.at.column < 1 || e.reason.empty()) __builtin_trap();
    }
    return 0;
  }
  for (const auto& [pointer, at] : parsed.document->positions) {
    if (at.line < 1 || at.column < 1) __builtin_trap();
    static_cast<void>(parsed.document->path_of(pointer));
  }
  ha::Diagnostics diags;
  auto doc = ha::ConfigFile::read(text, "fuzz.hcl", diags);
  if (!doc) __builtin_trap();  // the same text parsed above
  auto policies = ha::is_job_file(doc->value()) ? ha::read_job_scaling(*doc, "fuzz.hcl", diags)
                                                : ha::read_policies(*doc, "fuzz.hcl", diags);
  for (const auto& d : diags) {
    if (d.line < 1) __builtin_trap();  // every problem in an HCL file has its place
  }
  // The same text as an agent config: problems or a config, never a crash.
  ha::AgentConfig config;
  ha::AgentConfigPaths paths;
  ha::Diagnostics agent_diags;
  ha::read_agent_config_text(text, "fuzz-agent.hcl", config, paths, agent_diags);
  for (const auto& d : agent_diags) {
    if (d.line < 1) __builtin_trap();
  }
  if (diags.empty() && !policies.empty()) {
    ha::Diagnostics again;
    auto back = ha::parse_policies(ha::to_hcl_json(policies).dump(), "normalized.json", again);
    if (!again.empty() || ha::to_hcl_json(back) != ha::to_hcl_json(policies)) __builtin_trap();
  }
  return 0;
}
