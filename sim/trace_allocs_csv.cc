#include <cmath>

#include "engine/config_values.h"
#include "sim/line_reader.h"
#include "sim/trace.h"

namespace ha {
namespace {

constexpr const char* kHeader = "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s";
// Optional trailing columns: the tasks' kill_timeout and the job's Nomad namespace.
constexpr const char* kKillTimeout = ",kill_timeout_s";
constexpr const char* kNamespace = ",kill_timeout_s,namespace";

}  // namespace

Result<std::vector<TraceTask>> read_allocs_csv(const std::string& path) {
  auto reader = LineReader::open(path);
  if (!reader) return reader.error();
  LineReader& in = **reader;
  std::string line;
  if (!in.next(line)) return make_error(path + ": empty file; expected the header " + kHeader);
  std::size_t columns = 0;
  for (auto [extra, n] :
       {std::pair{"", 8u}, std::pair{kKillTimeout, 9u}, std::pair{kNamespace, 10u}}) {
    if (line == std::string(kHeader) + extra) columns = n;
  }
  if (columns == 0) {
    return make_error(in.where(std::string("expected the header ")
                                   .append(kHeader)
                                   .append(" (and optionally ,kill_timeout_s[,namespace])")));
  }
  std::vector<TraceTask> tasks;
  while (in.next(line)) {
    if (line.empty()) continue;
    auto cols = split_csv(line);
    if (cols.size() != columns) {
      return make_error(in.where("expected " + std::to_string(columns) + " columns, found " +
                                 std::to_string(cols.size())));
    }
    auto number = [&](std::size_t i, const char* name, bool allow_empty) -> Result<double> {
      if (cols[i].empty() && allow_empty) return 0.0;
      auto v = parse_finite_double(cols[i]);
      if (!v)
        return make_error(in.where(std::string(name) + ": \"" + cols[i] + "\" is not a number"));
      if (*v < 0) return make_error(in.where(std::string(name) + ": must not be negative"));
      if (*v > kMaxTraceNumber) return make_error(in.where(std::string(name) + ": too large"));
      return *v;
    };
    TraceTask t;
    auto submit = number(0, "submit_s", false);
    if (!submit) return submit.error();
    t.submit = seconds(*submit);
    t.job = cols[1];
    t.group = cols[2];
    t.type = cols[3];
    if (t.job.empty() || t.group.empty())
      return make_error(in.where("job and group must not be empty"));
    if (t.type != "service" && t.type != "batch" && t.type != "system") {
      return make_error(in.where("type: \"" + t.type + "\" is not service, batch or system"));
    }
    for (auto [i, name, field] :
         {std::tuple{4, "count", &t.count}, std::tuple{5, "cpu_mhz", &t.cpu_mhz},
          std::tuple{6, "memory_mb", &t.memory_mb}}) {
      auto v = parse_int64(cols[static_cast<std::size_t>(i)]);
      if (!v || *v < 0) {
        return make_error(in.where(std::string(name) + ": \"" + cols[static_cast<std::size_t>(i)] +
                                   "\" is not a whole number >= 0"));
      }
      *field = *v;
    }
    auto duration = number(7, "duration_s", true);
    if (!duration) return duration.error();
    if (t.type == "batch" && *duration <= 0) {
      return make_error(in.where("duration_s: batch rows need a duration > 0"));
    }
    if (*duration > 0) t.duration = seconds(*duration);
    if (columns >= 9 && !cols[8].empty()) {
      auto kill = number(8, "kill_timeout_s", false);
      if (!kill) return kill.error();
      t.kill_timeout = seconds(*kill);
    }
    if (columns >= 10 && !cols[9].empty()) t.namespace_ = cols[9];
    tasks.push_back(std::move(t));
  }
  if (!in.error().empty()) return make_error(in.error());
  return tasks;
}

}  // namespace ha
