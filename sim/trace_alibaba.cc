#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "engine/config_values.h"
#include "sim/line_reader.h"
#include "sim/trace.h"

namespace ha {
namespace {

struct Row {
  std::string task_name;
  std::int64_t instances = 0;
  double start = 0, end = 0, plan_cpu = 0, plan_mem = 0;
  bool usable = true;
  std::string where;  // FILE:LINE, for errors found once the job is complete
};

// `R2_1` -> task 2 depending on task 1; names without that shape have no number.
struct TaskName {
  std::optional<std::int64_t> number;
  std::vector<std::int64_t> deps;
};

TaskName parse_task_name(const std::string& name) {
  TaskName out;
  std::size_t i = 0;
  while (i < name.size() && std::isalpha(static_cast<unsigned char>(name[i]))) ++i;
  if (i == 0 || i == name.size()) return out;
  std::vector<std::int64_t> numbers;
  while (i < name.size()) {
    std::size_t j = i;
    while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
    if (j == i || j - i > 12) return {};
    numbers.push_back(std::stoll(name.substr(i, j - i)));
    if (j == name.size()) break;
    if (name[j] != '_') return {};
    i = j + 1;
    if (i == name.size()) return {};
  }
  out.number = numbers.front();
  out.deps.assign(numbers.begin() + 1, numbers.end());
  return out;
}

Result<DagJob> build_job(const std::string& job_name, const std::vector<Row>& rows, double origin,
                         std::int64_t cpu_mhz_per_core, std::int64_t machine_memory_mb) {
  DagJob job;
  job.name = job_name;
  std::map<std::int64_t, std::size_t> by_number;
  std::vector<TaskName> names;
  std::set<std::string> seen;
  for (const Row& r : rows) {
    if (!seen.insert(r.task_name).second) {
      return make_error(r.where + ": job " + job_name + ": task " + r.task_name + " appears twice");
    }
    TaskName n = parse_task_name(r.task_name);
    if (n.number && !by_number.emplace(*n.number, job.tasks.size()).second) {
      return make_error(r.where + ": job " + job_name + ": task number " +
                        std::to_string(*n.number) + " appears twice");
    }
    DagTask t;
    t.name = r.task_name;
    t.instances = r.instances;
    t.cpu_mhz = static_cast<std::int64_t>(std::ceil(r.plan_cpu / 100.0 * cpu_mhz_per_core));
    t.memory_mb = static_cast<std::int64_t>(
        std::ceil(r.plan_mem / 100.0 * static_cast<double>(machine_memory_mb)));
    t.duration = seconds(r.end - r.start);
    t.start = seconds(r.start - origin);
    job.tasks.push_back(std::move(t));
    names.push_back(std::move(n));
  }
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph graph(job.tasks.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::int64_t d : names[i].deps) {
      auto pred = by_number.find(d);
      if (pred == by_number.end()) {
        return make_error(rows[i].where + ": job " + job_name + ": task " + rows[i].task_name +
                          " depends on task " + std::to_string(d) +
                          ", which the job does not have");
      }
      boost::add_edge(pred->second, i, graph);
    }
  }
  std::vector<std::size_t> reverse_order;
  try {
    boost::topological_sort(graph, std::back_inserter(reverse_order));
  } catch (const boost::not_a_dag&) {
    return make_error(rows.front().where + ": job " + job_name +
                      ": its task dependencies form a cycle");
  }
  // Reorder predecessors first, and record edges both ways in the new positions.
  std::vector<std::size_t> position(job.tasks.size());
  std::vector<DagTask> ordered;
  for (auto it = reverse_order.rbegin(); it != reverse_order.rend(); ++it) {
    position[*it] = ordered.size();
    ordered.push_back(std::move(job.tasks[*it]));
  }
  for (auto [e, end] = boost::edges(graph); e != end; ++e) {
    std::size_t from = position[boost::source(*e, graph)], to = position[boost::target(*e, graph)];
    ordered[to].preds.push_back(from);
    ordered[from].succs.push_back(to);
  }
  job.tasks = std::move(ordered);
  return job;
}

}  // namespace

Result<AlibabaTrace> read_alibaba_batch(const std::string& path, std::int64_t cpu_mhz_per_core,
                                        std::int64_t machine_memory_mb) {
  auto reader = LineReader::open(path);
  if (!reader) return reader.error();
  LineReader& in = **reader;
  std::map<std::string, std::vector<Row>> jobs;
  std::string line;
  while (in.next(line)) {
    if (line.empty()) continue;
    auto cols = split_csv(line);
    if (cols.size() != 9) {
      return make_error(
          in.where("expected 9 columns (task_name, instance_num, job_name, "
                   "task_type, status, start_time, end_time, plan_cpu, plan_mem), "
                   "found " +
                   std::to_string(cols.size())));
    }
    Row r;
    r.task_name = cols[0];
    r.where = path + ":" + std::to_string(in.line_number());
    if (r.task_name.empty() || cols[2].empty()) {
      return make_error(in.where("task_name and job_name must not be empty"));
    }
    auto instances = parse_int64(cols[1]);
    if (!instances || *instances < 0) {
      return make_error(in.where("instance_num: \"" + cols[1] + "\" is not a whole number >= 0"));
    }
    r.instances = *instances;
    auto number = [&](std::size_t i, const char* name, double& into) -> Result<void> {
      if (cols[i].empty()) {
        r.usable = false;
        return {};
      }
      auto v = parse_finite_double(cols[i]);
      if (!v)
        return make_error(in.where(std::string(name) + ": \"" + cols[i] + "\" is not a number"));
      if (*v < 0) return make_error(in.where(std::string(name) + ": must not be negative"));
      if (*v > kMaxTraceNumber) return make_error(in.where(std::string(name) + ": too large"));
      into = *v;
      return {};
    };
    for (auto [i, name, into] :
         {std::tuple{5, "start_time", &r.start}, std::tuple{6, "end_time", &r.end},
          std::tuple{7, "plan_cpu", &r.plan_cpu}, std::tuple{8, "plan_mem", &r.plan_mem}}) {
      if (auto ok = number(static_cast<std::size_t>(i), name, *into); !ok) return ok.error();
    }
    if (r.start <= 0 || r.end <= r.start || r.plan_cpu <= 0 || r.plan_mem <= 0 ||
        r.instances == 0) {
      r.usable = false;
    }
    jobs[cols[2]].push_back(std::move(r));
  }
  if (!in.error().empty()) return make_error(in.error());
  double origin = INFINITY;
  for (const auto& [name, rows] : jobs) {
    for (const Row& r : rows) {
      if (r.usable) origin = std::min(origin, r.start);
    }
  }
  AlibabaTrace trace;
  for (const auto& [name, rows] : jobs) {
    bool usable = std::all_of(rows.begin(), rows.end(), [](const Row& r) { return r.usable; });
    if (!usable) {
      ++trace.skipped_jobs;
      continue;
    }
    auto job = build_job(name, rows, origin, cpu_mhz_per_core, machine_memory_mb);
    if (!job) return job.error();
    trace.jobs.push_back(std::move(*job));
  }
  return trace;
}

}  // namespace ha
