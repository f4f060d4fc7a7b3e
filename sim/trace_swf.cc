#include <cmath>
#include <sstream>

#include "engine/config_values.h"
#include "sim/line_reader.h"
#include "sim/trace.h"

namespace ha {

Result<SwfTrace> read_swf(const std::string& path, std::int64_t cpu_mhz_per_proc,
                          std::int64_t memory_mb_default) {
  auto reader = LineReader::open(path);
  if (!reader) return reader.error();
  LineReader& in = **reader;
  SwfTrace trace;
  std::string line;
  while (in.next(line)) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == ';') continue;
    std::istringstream fields(line);
    std::vector<std::string> cols;
    for (std::string f; fields >> f;) cols.push_back(f);
    if (cols.size() != 18) {
      return make_error(in.where("expected 18 columns, found " + std::to_string(cols.size())));
    }
    double v[18];
    for (std::size_t i = 0; i < 18; ++i) {
      auto d = parse_finite_double(cols[i]);
      if (!d)
        return make_error(
            in.where("column " + std::to_string(i + 1) + ": \"" + cols[i] + "\" is not a number"));
      if (std::abs(*d) > kMaxTraceNumber) {
        return make_error(
            in.where("column " + std::to_string(i + 1) + ": \"" + cols[i] + "\" is too large"));
      }
      v[i] = *d;
    }
    // Columns (1-based): 2 submit, 4 run time, 5 allocated procs, 8 requested procs,
    // 9 requested time, 10 requested memory (KB per processor), 11 status.
    if (v[10] == 5) {
      ++trace.cancelled;
      continue;
    }
    double procs = v[4] > 0 ? v[4] : v[7];
    double run = v[3] > 0 ? v[3] : v[8];
    if (v[1] < 0) return make_error(in.where("column 2 (submit time) is negative"));
    if (procs <= 0 || run <= 0) {
      ++trace.unusable;
      continue;
    }
    TraceTask t;
    t.submit = seconds(v[1]);
    t.job = "swf-" + cols[0];
    t.group = "job";
    t.type = "batch";
    t.count = static_cast<std::int64_t>(procs);
    t.cpu_mhz = cpu_mhz_per_proc;
    t.memory_mb = v[9] > 0 ? static_cast<std::int64_t>(std::ceil(v[9] / 1024)) : memory_mb_default;
    t.duration = seconds(run);
    trace.tasks.push_back(std::move(t));
  }
  if (!in.error().empty()) return make_error(in.error());
  return trace;
}

}  // namespace ha
