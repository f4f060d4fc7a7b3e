// Scenario files: any input yields a scenario or diagnostics naming a place, never a crash.
#include "fuzz_input.h"
#include "sim/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ha::Diagnostics diags;
  ha::parse_scenario(ha::fuzz::text(data, size), "/tmp/fuzz-scenario.json", diags);
  for (const auto& d : diags) {
    if (d.reason.empty()) __builtin_trap();  // every problem says what is wrong
  }
  return 0;
}
