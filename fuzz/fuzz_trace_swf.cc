// Standard Workload Format traces: any file reads to jobs or to an error, never a crash.
#include "fuzz_input.h"
#include "sim/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ha::fuzz::MemoryFile file(data, size);
  if (file.ok()) static_cast<void>(ha::read_swf(file.path(), 2000, 1024));
  return 0;
}
