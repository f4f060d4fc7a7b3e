// nomad-apm's task-group queries, as upstream's plugin answers them (job.go): the forms,
// the aggregation against upstream's own test values, and the answers over both backends
// from the allocations' stats (GET /v1/client/allocation/:id/stats).
#include <gtest/gtest.h>

#include "backends/wire/nomad_json.h"
#include "engine/nomad/nomad_apm.h"
#include "nomad_contract_fixture.h"

namespace ha {
namespace {

TEST(NomadApmTaskGroup, AggregatesAsUpstream) {
  // plugins/builtin/apm/nomad/plugin/job_test.go's values.
  const std::vector<double> v{76.34, 13.13, 24.50};
  EXPECT_NEAR(aggregate_task_group("sum", v), 113.97, 1e-9);
  EXPECT_NEAR(aggregate_task_group("avg", v), 37.99, 1e-9);
  EXPECT_DOUBLE_EQ(aggregate_task_group("max", v), 76.34);
  EXPECT_DOUBLE_EQ(aggregate_task_group("min", v), 13.13);
}

TEST(NomadApmTaskGroup, ParsesUpstreamsFormAndNamesErrors) {
  auto q = parse_apm_query("taskgroup_avg_cpu-allocated/cache/web@shop");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->metric, ApmQuery::Metric::kTaskGroup);
  EXPECT_EQ(q->op, "avg");
  EXPECT_EQ(q->group_metric, "cpu-allocated");
  EXPECT_EQ(q->group, "cache");
  EXPECT_EQ(q->job, "web");
  EXPECT_EQ(q->namespace_, "shop");
  auto at = parse_apm_query("taskgroup_max_memory/g/a@b@ops");  // the last @ splits
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->job, "a@b");
  for (const auto& [bad, why] :
       {std::pair{"taskgroup_avg_cpu/g/web", "missing namespace"},
        std::pair{"taskgroup_avg_cpu/g/web@", "missing namespace"},
        std::pair{"taskgroup_avg_cpu/g/@ns", "missing job"},
        std::pair{"taskgroup_avg_cpu/g", "expected <query>/<group>/<job>@<namespace>"},
        std::pair{"taskgroup_avg_disk/g/web@ns", "invalid metric \"disk\""},
        std::pair{"taskgroup_p99_cpu/g/web@ns", "invalid operation \"p99\""}}) {
    auto r = parse_apm_query(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

TEST(NomadApmTaskGroup, StatsReadBackAsWritten) {
  NomadAllocUsage u{37.5, 750, 134217728, "web"};
  auto back = nomad_json::read_alloc_usage(nomad_json::alloc_usage(u, 1700000000000000000));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_DOUBLE_EQ(back->cpu_percent, 37.5);
  EXPECT_DOUBLE_EQ(back->cpu_total_ticks, 750);
  EXPECT_EQ(back->memory_usage, 134217728u);
  EXPECT_EQ(back->task, "web");
  auto bad = nomad_json::read_alloc_usage({{"ResourceUsage", {{"CpuStats", {}}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("allocation stats.ResourceUsage.MemoryStats"),
            std::string::npos)
      << bad.error().message;
}

class NomadApmTaskGroupContract : public testing::NomadContract {
 protected:
  Result<double> value(const std::string& q) {
    NomadApmSource apm(backend->loop(), backend->api());
    auto r = sync<TimeSeries>([&apm, q](NomadApi&, Done<TimeSeries> d) {
      apm.query(q, {}, [d](Result<TimeSeries> r) { d(std::move(r)); });
    });
    if (!r) return r.error();
    return r->back().value;
  }
};

TEST_P(NomadApmTaskGroupContract, AnswersFromTheRunningAllocationsStats) {
  // api/g: 2 allocations of 500 MHz and 256 MB, each using half (the model's default):
  // 250 MHz (12.5% of a 2000 MHz core) and 128 MiB.
  EXPECT_DOUBLE_EQ(*value("taskgroup_avg_cpu/g/api@default"), 12.5);
  EXPECT_DOUBLE_EQ(*value("taskgroup_sum_cpu/g/api@default"), 25);
  EXPECT_DOUBLE_EQ(*value("taskgroup_max_cpu-allocated/g/api@default"), 50);
  EXPECT_DOUBLE_EQ(*value("taskgroup_min_memory/g/api@default"), 128.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*value("taskgroup_avg_memory-allocated/g/api@default"), 50);
  auto none = value("taskgroup_avg_cpu/other/api@default");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("metric not found"), std::string::npos);
  auto missing = value("taskgroup_avg_cpu-allocated/other/api@default");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("task group \"other\" not found"), std::string::npos)
      << missing.error().message;
  auto no_job = value("taskgroup_avg_cpu/g/nope@default");
  ASSERT_FALSE(no_job.ok());
  EXPECT_NE(no_job.error().message.find("failed to get alloc listing for job"), std::string::npos)
      << no_job.error().message;
}

INSTANTIATE_TEST_SUITE_P(Backends, NomadApmTaskGroupContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha
