// nomad-apm's task-group queries, as upstream's plugin answers them
// (plugins/builtin/apm/nomad/plugin/job.go): taskgroup_<op>_<metric>/<group>/<job>@<ns>,
// over the group's running allocations, one stats request each:
//   cpu               CpuStats.Percent
//   cpu-allocated     CpuStats.TotalTicks over the group's cpu (sum of its tasks'), in %
//   memory            MemoryStats.Usage, bytes
//   memory-allocated  Usage in whole MiB over the group's memory, in %
// Requests: 1 for the job's allocations, 1 for the job (the *-allocated metrics), 1 per
// running allocation of the group.
#include <limits>
#include <memory>

#include "engine/nomad/nomad_apm.h"

namespace ha {

Result<ApmQuery> parse_task_group_query(const std::string& query) {
  auto bad = [&query](const std::string& why) {
    return make_error("nomad-apm query \"" + query + "\": " + why, ErrorKind::kInvalid);
  };
  std::size_t first = query.find('/');
  std::size_t second = first == std::string::npos ? first : query.find('/', first + 1);
  if (second == std::string::npos) return bad("expected <query>/<group>/<job>@<namespace>");
  ApmQuery q;
  q.metric = ApmQuery::Metric::kTaskGroup;
  q.group = query.substr(first + 1, second - first - 1);
  std::string ns_job = query.substr(second + 1);
  std::size_t at = ns_job.rfind('@');
  if (at == std::string::npos || at + 1 == ns_job.size()) return bad("missing namespace");
  if (at == 0) return bad("missing job");
  q.job = ns_job.substr(0, at);
  q.namespace_ = ns_job.substr(at + 1);
  std::string head = query.substr(0, first);  // taskgroup_<op>_<metric>
  std::size_t op_end = head.find('_', 10);
  if (op_end == std::string::npos) {
    return bad("expected taskgroup_<operation>_<metric>, received \"" + head + "\"");
  }
  q.op = head.substr(10, op_end - 10);
  q.group_metric = head.substr(op_end + 1);
  if (q.group_metric != "cpu" && q.group_metric != "cpu-allocated" && q.group_metric != "memory" &&
      q.group_metric != "memory-allocated") {
    return bad("invalid metric \"" + q.group_metric +
               "\", allowed values are: cpu, cpu-allocated, memory, memory-allocated");
  }
  if (q.op != "sum" && q.op != "avg" && q.op != "max" && q.op != "min") {
    return bad("invalid operation \"" + q.op + "\", allowed values are sum, avg, min or max");
  }
  return q;
}

double aggregate_task_group(const std::string& op, const std::vector<double>& values) {
  double result = 0;
  if (op == "sum" || op == "avg") {
    for (double v : values) result += v;
    if (op == "avg" && !values.empty()) result /= static_cast<double>(values.size());
  } else if (op == "max") {
    result = std::numeric_limits<double>::denorm_min();  // Go's math.SmallestNonzeroFloat64
    for (double v : values) result = v > result ? v : result;
  } else if (op == "min") {
    result = std::numeric_limits<double>::max();
    for (double v : values) result = v < result ? v : result;
  }
  return result;
}

namespace {

struct GroupState {
  std::string query;
  ApmQuery q;
  double allocated = 0;  // the group's cpu (MHz) or memory (MiB), for the *-allocated metrics
  std::vector<double> values;
  std::size_t outstanding = 0;
  std::optional<Error> failed;
  MetricsSource::Callback done;
};

}  // namespace

void NomadApmSource::task_group(const std::string& query, const ApmQuery& q, Callback done) {
  auto state = std::make_shared<GroupState>();
  state->query = query;
  state->q = q;
  state->done = std::move(done);
  NomadApi& nomad = nomad_;
  EventLoop& loop = loop_;
  auto fail = [state](const std::string& what, const Error& e) {
    state->done(make_error(state->query + ": " + what + ": " + e.message, e.kind));
  };
  // Then each running allocation's stats.
  auto read_stats = [state, &nomad, &loop, fail](std::vector<NomadAllocationStub> allocs) {
    std::erase_if(allocs, [&state](const NomadAllocationStub& a) {
      return a.client_status != "running" || a.task_group != state->q.group;
    });
    auto finish = [state, &loop] {
      if (--state->outstanding > 0) return;
      if (state->failed) return state->done(*state->failed);
      if (state->values.empty()) {
        return state->done(make_error("metric not found: " + state->query));
      }
      double v = aggregate_task_group(state->q.op, state->values);
      state->done(TimeSeries{{loop.now(), v}});
    };
    if (allocs.empty()) {
      state->outstanding = 1;
      return finish();
    }
    state->outstanding = allocs.size();
    for (const auto& a : allocs) {
      nomad.allocation_stats(a.id, state->q.namespace_, [state, finish](Result<NomadAllocUsage> u) {
        if (!u) {
          if (!state->failed) {
            state->failed =
                make_error(state->query + ": failed to get alloc stats: " + u.error().message);
          }
          return finish();
        }
        const std::string& m = state->q.group_metric;
        if (m == "cpu") {
          state->values.push_back(u->cpu_percent);
        } else if (m == "cpu-allocated") {
          state->values.push_back(u->cpu_total_ticks / state->allocated * 100);
        } else if (m == "memory") {
          state->values.push_back(static_cast<double>(u->memory_usage));
        } else {
          std::uint64_t mib = u->memory_usage / 1024 / 1024;  // whole MiB, as upstream
          state->values.push_back(static_cast<double>(mib) / state->allocated * 100);
        }
        finish();
      });
    }
  };
  // First the job's allocations (and the job, for what the group asked for).
  auto list = [state, &nomad, read_stats, fail] {
    nomad.job_allocations(state->q.job, state->q.namespace_,
                          [fail, read_stats](Result<std::vector<NomadAllocationStub>> allocs) {
                            if (!allocs)
                              return fail("failed to get alloc listing for job", allocs.error());
                            read_stats(std::move(*allocs));
                          });
  };
  if (q.group_metric != "cpu-allocated" && q.group_metric != "memory-allocated") return list();
  nomad.get_job(q.job, q.namespace_, [state, list, fail](Result<NomadJob> job) {
    if (!job) return fail("failed to get info for job", job.error());
    for (const auto& g : job->task_groups) {
      if (g.name != state->q.group) continue;
      state->allocated =
          static_cast<double>(state->q.group_metric == "cpu-allocated" ? g.cpu_mhz : g.memory_mb);
      return list();
    }
    state->done(make_error(state->query + ": task group \"" + state->q.group +
                           "\" not found in job \"" + state->q.job + "\""));
  });
}

}  // namespace ha
