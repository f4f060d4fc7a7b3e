// Prometheus HTTP API responses (instant and range queries): any body is a series or an
// error naming the query, never a crash.
#include "backends/http/prometheus_source.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = ha::PrometheusSource::read_response("up", std::string(ha::fuzz::text(data, size)));
  if (!r && r.error().message.find("up") == std::string::npos) __builtin_trap();
  return 0;
}
