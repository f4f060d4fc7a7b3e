// Policy files (HCL-JSON): any input yields policies or diagnostics, never a crash; what
// parses cleanly normalizes to a document that parses cleanly again, and can be written as
// HCL (without a crash: JSON allows attribute names HCL's native syntax cannot hold).
#include "engine/policy/policy_hcl_writer.h"
#include "engine/policy/policy_parser.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ha::Diagnostics diags;
  auto policies = ha::parse_policies(ha::fuzz::text(data, size), "fuzz.json", diags);
  if (diags.empty() && !policies.empty()) {
    ha::Diagnostics again;
    nlohmann::json normalized = ha::to_hcl_json(policies);
    ha::parse_policies(normalized.dump(), "normalized.json", again);
    if (!again.empty()) __builtin_trap();  // the normalized form must be valid
    static_cast<void>(ha::write_policies_hcl(normalized, "fuzz"));
  }
  return 0;
}
