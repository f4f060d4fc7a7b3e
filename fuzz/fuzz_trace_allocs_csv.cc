// allocs-csv traces: any file reads to tasks or to an error, never a crash.
#include "fuzz_input.h"
#include "sim/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ha::fuzz::MemoryFile file(data, size);
  if (file.ok()) static_cast<void>(ha::read_allocs_csv(file.path()));
  return 0;
}
