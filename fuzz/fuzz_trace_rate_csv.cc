// rate-csv traces (PlanetLab-style load series): any file reads or errs, never a crash.
#include "fuzz_input.h"
#include "sim/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ha::fuzz::MemoryFile file(data, size);
  if (file.ok()) static_cast<void>(ha::read_rate_csv(file.path()));
  return 0;
}
