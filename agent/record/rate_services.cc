#include "agent/record/rate_services.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "base/percentile.h"

namespace ha {
namespace {

using nlohmann::ordered_json;

std::string hcl_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string short_number(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

std::string file_part(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  return s;
}

// A duration string of Nomad's policy body (`cooldown`, `evaluation_interval`), if set.
std::string policy_setting(const NomadScalingPolicy* p, const char* key, const char* fallback) {
  if (!p || !p->policy.is_object()) return fallback;
  auto it = p->policy.find(key);
  return it != p->policy.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// How many of a group's runs are running at a time, in O(log runs) a query: the runs
// started by then, less those ended by then (a run that ends before it starts never runs).
class RunningCount {
 public:
  explicit RunningCount(const WorkloadRecorder::GroupRuns& runs) {
    for (const auto& [first, end] : runs.runs) {
      if (end && *end <= first) continue;
      starts_.push_back(first);
      if (end) ends_.push_back(*end);
    }
    std::sort(starts_.begin(), starts_.end());
    std::sort(ends_.begin(), ends_.end());
  }
  // Runs with first <= at < end.
  std::int64_t at(Time t) const {
    auto started = std::upper_bound(starts_.begin(), starts_.end(), t) - starts_.begin();
    auto ended = std::upper_bound(ends_.begin(), ends_.end(), t) - ends_.begin();
    return started - ended;
  }

 private:
  std::vector<Time> starts_, ends_;
};

}  // namespace

RateService rate_service(const RecordedLoad& load, const WorkloadRecorder::GroupRuns& runs,
                         const NomadScalingPolicy* policy, Time start, Time end,
                         const std::string& job, const std::string& group) {
  RateService out;
  out.seen = {
      {"job", job}, {"group", group}, {"points", load.points.size()}, {"requests", load.requests}};
  if (!load.last_error.empty()) out.seen["last_error"] = load.last_error;
  // The load as rate-csv rows from the start (the last point before it holds at 0), and the
  // load per running allocation at each point.
  std::string csv = "time_s,value\n";
  std::vector<double> per_alloc;
  std::int64_t least = -1, most = 0;
  RunningCount running_at(runs);
  std::size_t rows = 0;
  for (std::size_t i = 0; i < load.points.size(); ++i) {
    const MetricPoint& p = load.points[i];
    bool next_also_before = i + 1 < load.points.size() && load.points[i + 1].time <= start;
    if (p.time > end || next_also_before) continue;
    Time at = std::max(p.time, start);
    double value = std::max(0.0, p.value);
    char row[96];
    std::snprintf(row, sizeof row, "%.3f,%.6g\n", to_seconds(at - start), value);
    csv += row;
    ++rows;
    std::int64_t running = running_at.at(at);
    least = least < 0 ? running : std::min(least, running);
    most = std::max(most, running);
    if (running > 0) per_alloc.push_back(value / static_cast<double>(running));
  }
  double capacity = per_alloc.empty() ? 0 : percentile(per_alloc, 95);
  if (rows == 0 || capacity <= 0) {
    out.seen["kept_in_trace"] =
        rows == 0 ? "no point of its load in the recording's span"
                  : "no point at which an allocation of the group ran and the load was above 0";
    return out;
  }
  double target = percentile(per_alloc, 50);
  if (target <= 0) target = capacity;
  std::int64_t min = policy ? policy->min : 1;
  std::int64_t max = policy ? policy->max : std::max<std::int64_t>(2 * most, 2);
  std::int64_t at_start = running_at.at(start);
  std::string name = file_part(job) + "." + file_part(group);
  RateServiceFiles files;
  files.csv_path = "rates/" + name + ".csv";
  files.csv = std::move(csv);
  files.policy_path = "policies/service-" + name + ".hcl";
  files.policy =
      "# Written by `harvester-autoscaler record`: the task group " + job + "/" + group +
      ", scaled on\n# its load per allocation (the `sim` source answers it from " + files.csv_path +
      ").\n# " +
      (policy ? "min, max, cooldown and evaluation interval are Nomad's own policy's; the "
                "target,\n# " +
                    short_number(target) + ", is the median load an allocation carried.\n"
              : "No Nomad policy of the group was read: min is 1 and max twice the most\n"
                "# allocations seen; the target, " +
                    short_number(target) + ", is the median load an allocation carried.\n") +
      "scaling " + hcl_string("service-" + name) +
      " {\n  enabled = true\n  type    = \"horizontal\"\n" + "  min     = " + std::to_string(min) +
      "\n  max     = " + std::to_string(max) + "\n\n  policy {\n    cooldown            = " +
      hcl_string(policy_setting(policy, "cooldown", "5m")) + "\n    evaluation_interval = " +
      hcl_string(policy_setting(policy, "evaluation_interval", "10s")) +
      "\n\n    check \"load_per_alloc\" {\n      source = \"sim\"\n      query  = "
      "\"load_per_alloc\"\n\n      strategy \"target-value\" {\n        target = " +
      short_number(target) +
      "\n      }\n    }\n\n    target \"nomad-target\" {\n      Job   = " + hcl_string(job) +
      "\n      Group = " + hcl_string(group) + "\n    }\n  }\n}\n";
  files.workload = {{"format", "rate-csv"},
                    {"path", files.csv_path},
                    {"job", job},
                    {"group", group},
                    {"per_alloc_capacity", capacity},
                    {"alloc", {{"cpu_mhz", runs.cpu_mhz}, {"memory_mb", runs.memory_mb}}},
                    {"policy", files.policy_path},
                    {"initial_count", at_start}};
  out.seen["per_alloc_capacity"] = capacity;
  out.seen["target_load_per_alloc"] = target;
  out.seen["samples_with_allocations"] = per_alloc.size();
  out.seen["running"] = {{"least", least}, {"most", most}};
  out.seen["policy_limits_from"] =
      policy ? "Nomad's policy " + policy->id : "no Nomad policy: min 1, max twice the most seen";
  out.files = std::move(files);
  return out;
}

}  // namespace ha
