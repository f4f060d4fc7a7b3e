// Policy files (HCL-JSON): any input yields policies or diagnostics, never a crash; what
// parses cleanly normalizes to a document that parses cleanly again.
#include "engine/policy/policy_parser.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ha::Diagnostics diags;
  auto policies = ha::parse_policies(ha::fuzz::text(data, size), "fuzz.json", diags);
  if (diags.empty() && !policies.empty()) {
    ha::Diagnostics again;
    ha::parse_policies(ha::to_hcl_json(policies).dump(), "normalized.json", again);
    if (!again.empty()) __builtin_trap();  // the normalized form must be valid
  }
  return 0;
}
