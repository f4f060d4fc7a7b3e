// Alibaba batch_task traces: any file reads to DAG jobs or to an error, never a crash.
#include "fuzz_input.h"
#include "sim/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ha::fuzz::MemoryFile file(data, size);
  if (file.ok()) static_cast<void>(ha::read_alibaba_batch(file.path(), 1000, 16384));
  return 0;
}
