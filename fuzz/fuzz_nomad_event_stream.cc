// Nomad's event stream as `record` and the allocation cache read it: the input is the body,
// cut into pieces where the transport might cut it (the first byte picks the piece size);
// each line goes through read_event_line, which never fails, and each frame into a
// WorkloadRecorder, whose rows are then taken: whatever the server sends, no crash, and
// what cannot be read is reported, not lost silently.
#include <cstdlib>

#include "agent/record/workload_recorder.h"
#include "backends/http/line_buffer.h"
#include "backends/wire/nomad_json.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t piece = 1 + data[0] % 64;
  std::string_view body = ha::fuzz::text(data + 1, size - 1);
  ha::LineBuffer lines;
  ha::WorkloadRecorder recorder;
  std::uint64_t last_index = 0;
  auto take = [&](const std::string& line) {
    ha::NomadEventFrame f = ha::nomad_json::read_event_line(line, last_index, "fuzz");
    for (const std::string& why : f.skipped) {
      if (why.rfind("fuzz: ", 0) != 0) std::abort();  // every message names where
    }
    if (f.index > 0) last_index = f.index;
    recorder.on_frame(f);
    return true;
  };
  for (std::size_t at = 0; at < body.size(); at += piece) {
    lines.feed(std::string(body.substr(at, piece)), take);
  }
  if (!lines.rest().empty()) take(lines.rest());
  auto rows = recorder.rows(ha::Time(0), ha::Time(std::chrono::hours(1)));
  static_cast<void>(ha::allocs_csv(rows));
  static_cast<void>(recorder.counts(ha::Time(0)));
  return 0;
}
