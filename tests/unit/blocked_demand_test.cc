// Honest demand: blocked evaluations as Nomad writes and keeps them (the wire, both
// backends), and the work nomad-apm's nodes_needed counts from them: the job summaries'
// live Queued, not the evaluation's first counts, and only work new nodes of the pool would
// take.
#include <gtest/gtest.h>

#include "backends/wire/nomad_json.h"
#include "engine/nomad/nomad_apm.h"
#include "nomad_contract_fixture.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(BlockedEvaluationWire, ReadsWhatNomadWrites) {
  // A blocked evaluation of Nomad 1.x: no QueuedAllocations, the failures of one group
  // coalesced into one AllocMetric (field names of nomad/structs AllocMetric).
  auto e = nomad_json::read_evaluation({{"ID", "e1"},
                                        {"JobID", "batch"},
                                        {"Status", "blocked"},
                                        {"Type", "batch"},
                                        {"JobModifyIndex", 7u},
                                        {"QueuedAllocations", nullptr},
                                        {"QuotaLimitReached", ""},
                                        {"FailedTGAllocs",
                                         {{"work",
                                           {{"NodesEvaluated", 5},
                                            {"NodesFiltered", 2},
                                            {"NodesInPool", 5},
                                            {"NodesExhausted", 3},
                                            {"QuotaExhausted", nullptr},
                                            {"CoalescedFailures", 4}}}}}});
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_TRUE(e->queued_allocations.empty());
  const NomadAllocMetric& m = e->failed_tg_allocs.at("work");
  EXPECT_EQ(m.nodes_evaluated, 5);
  EXPECT_EQ(m.nodes_filtered, 2);
  EXPECT_EQ(m.nodes_exhausted, 3);
  EXPECT_EQ(m.coalesced_failures, 4);
  EXPECT_TRUE(m.quota_exhausted.empty());
  EXPECT_EQ(e->job_modify_index, 7u);
  EXPECT_EQ(e->namespace_, "default");

  for (const auto& [bad, field] :
       {std::pair{json{{"ID", "e2"}, {"QueuedAllocations", {{"g", "x"}}}},
                  "evaluation e2.QueuedAllocations.g"},
        std::pair{json{{"ID", "e3"}, {"FailedTGAllocs", {{"g", {{"NodesEvaluated", "x"}}}}}},
                  "evaluation e3.FailedTGAllocs.g"},
        std::pair{json{{"ID", "e4"}, {"FailedTGAllocs", {{"g", {{"QuotaExhausted", "q"}}}}}},
                  "evaluation e4.FailedTGAllocs.g.QuotaExhausted"}}) {
    auto r = nomad_json::read_evaluation(bad);
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  }

  // What the mock writes reads back the same.
  NomadEvaluation written{"e5", "api", "shop", "service", "blocked", "queued-allocs", {}, 5, 6, 4};
  written.failed_tg_allocs["g"] = {3, 1, 3, 2, 6, {"team-quota"}};
  written.quota_limit_reached = "team-quota";
  auto back = nomad_json::read_evaluation(nomad_json::evaluation(written));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->failed_tg_allocs.at("g").coalesced_failures, 6);
  EXPECT_EQ(back->failed_tg_allocs.at("g").quota_exhausted, std::vector<std::string>{"team-quota"});
  EXPECT_EQ(back->quota_limit_reached, "team-quota");
  EXPECT_EQ(back->namespace_, "shop");
}

TEST(BlockedEvaluationWire, JobsCarryTheirPoolAndDatacenters) {
  NomadJob j{"etl", "default", "batch", "running", {}, Time(0), 1, 9, "batch", {"eu-*", "us-1"}};
  auto back = nomad_json::read_job(nomad_json::job(j));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->node_pool, "batch");
  EXPECT_EQ(back->datacenters, (std::vector<std::string>{"eu-*", "us-1"}));
  // A job written before node pools (Nomad < 1.6) runs in "default", every datacenter.
  auto old = nomad_json::read_job({{"ID", "old"}, {"Type", "service"}});
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->node_pool, "default");
  EXPECT_EQ(old->datacenters, std::vector<std::string>{"*"});
  EXPECT_TRUE(job_may_run_in({"eu-*"}, "batch", "eu-west-2", "batch"));
  EXPECT_FALSE(job_may_run_in({"eu-*"}, "batch", "us-east-1", "batch"));
  EXPECT_FALSE(job_may_run_in({"*"}, "batch", "dc1", "default"));
  EXPECT_TRUE(job_may_run_in({"*"}, "all", "dc1", "default"));
  EXPECT_TRUE(job_may_run_in({"dc*-b"}, "default", "dc1-b", "default"));
  EXPECT_FALSE(job_may_run_in({"dc*-b"}, "default", "dc1-c", "default"));
}

class BlockedDemand : public testing::NomadContract {
 protected:
  Result<std::vector<NomadEvaluation>> blocked() {
    return sync<std::vector<NomadEvaluation>>(
        [](NomadApi& api, Done<std::vector<NomadEvaluation>> d) {
          api.list_evaluations("blocked", d);
        });
  }
  std::optional<NomadEvaluation> blocked_of(const std::string& job) {
    auto all = blocked();
    if (!all) return std::nullopt;
    for (const auto& e : *all) {
      if (e.job_id == job) return e;
    }
    return std::nullopt;
  }
  std::int64_t queued(const std::string& job, const std::string& group) {
    auto s = sync<NomadJobSummary>(
        [job](NomadApi& api, Done<NomadJobSummary> d) { api.job_summary(job, "", d); });
    if (!s) return -1;
    auto it = s->task_groups.find(group);
    return it == s->task_groups.end() ? -1 : it->second.queued;
  }
  Result<double> needed(const std::string& q) {
    NomadApmSource apm(backend->loop(), backend->api());
    auto r = sync<TimeSeries>([&apm, q](NomadApi&, Done<TimeSeries> d) {
      apm.query(q, {}, [d](Result<TimeSeries> r) { d(std::move(r)); });
    });
    if (!r) return r.error();
    return r->back().value;
  }
  Result<Unit> scale(const std::string& job, std::int64_t count) {
    return sync<Unit>([job, count](NomadApi& api, Done<Unit> d) {
      api.scale_job(job, "g", count, "test", "default", d);
    });
  }
};

TEST_P(BlockedDemand, ABlockedEvaluationKeepsItsFirstCountsWhileTheSummaryCountsWhatWaits) {
  // 16000 MHz of nodes: "filler" holds 8000 (stopping at once), "api" 1000.
  start([this](NomadModel& m) {
    cluster.build(m);
    NomadTaskGroupSpec filler{"g", 8, 1000, 256, std::nullopt, 0s};
    ASSERT_TRUE(m.register_job({"filler", "service", {filler}}).ok());
  });
  // 22 more allocations of api, room for 14: 8 wait.
  ASSERT_TRUE(scale("api", 24).ok());
  auto first = blocked_of("api");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->failed_tg_allocs.at("g").coalesced_failures, 7);
  EXPECT_EQ(queued("api", "g"), 8);
  // 2000 MHz freed: 4 placed, 4 wait; Nomad reblocks the same evaluation, counts unchanged.
  ASSERT_TRUE(scale("filler", 6).ok());
  run_until([this] { return queued("api", "g") == 4; });
  ASSERT_EQ(queued("api", "g"), 4);
  auto reblocked = blocked_of("api");
  ASSERT_TRUE(reblocked);
  EXPECT_EQ(reblocked->id, first->id);
  EXPECT_EQ(reblocked->failed_tg_allocs.at("g").coalesced_failures, 7);
  // nodes_needed counts the 4 that wait: 2 new nodes of 1000 MHz beside the 2 full ones
  // (the first counts, 8 allocations, would have asked for 4).
  auto n = needed("nodes_needed/node_class=hashistack,node_cpu=1000,node_memory=8192");
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_DOUBLE_EQ(*n, 4);
  // New work is a new evaluation, with the counts of its own scheduling.
  ASSERT_TRUE(scale("api", 26).ok());
  auto fresh = blocked_of("api");
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->id, first->id);
  EXPECT_EQ(fresh->failed_tg_allocs.at("g").coalesced_failures, 5);
}

TEST_P(BlockedDemand, OnlyWorkNewNodesOfThePoolWouldPlaceIsCounted) {
  start([this](NomadModel& m) {
    cluster.build(m);
    // Bound to pool "batch", which has no node: nothing evaluated.
    NomadJobSpec elsewhere{"elsewhere", "service", {{"g", 3, 500, 256, std::nullopt}}};
    elsewhere.node_pool = "batch";
    ASSERT_TRUE(m.register_job(elsewhere).ok());
    // Every node refused by its constraint: room is not what it lacks.
    NomadJobSpec pinned{"pinned", "service", {{"g", 2, 500, 256, std::nullopt}}};
    pinned.node_class_constraint = "arm";
    ASSERT_TRUE(m.register_job(pinned).ok());
    // A system job too big for the hashistack nodes: blocked on each of them.
    ASSERT_TRUE(m.register_job({"agent", "system", {{"g", 1, 5000, 256, std::nullopt}}}).ok());
  });
  run_until([this] {
    auto b = blocked();
    return b && b->size() == 4;
  });
  auto all = blocked();
  ASSERT_TRUE(all.ok()) << all.error().message;
  std::map<std::string, int> by_job;
  for (const auto& e : *all) ++by_job[e.job_id];
  EXPECT_EQ(by_job, (std::map<std::string, int>{{"agent", 2}, {"elsewhere", 1}, {"pinned", 1}}));
  for (const auto& e : *all) {
    const NomadAllocMetric& m = e.failed_tg_allocs.at("g");
    if (e.job_id == "elsewhere") {
      EXPECT_EQ(m.nodes_evaluated, 0);
    } else if (e.job_id == "pinned") {
      EXPECT_EQ(m.nodes_filtered, 3);
      EXPECT_EQ(m.nodes_exhausted, 0);
    } else {
      EXPECT_FALSE(e.node_id.empty());
    }
  }
  // The default pool: none of it counts. Its hashistack nodes run nothing (binpack put
  // api's two allocations beside the agent on gpu-1): both may go. Counted, the 5 blocked
  // allocations of elsewhere and pinned would have kept both.
  auto here = needed("nodes_needed/node_class=hashistack,node_pool=default");
  ASSERT_TRUE(here.ok()) << here.error().message;
  EXPECT_DOUBLE_EQ(*here, 0);
  // Pool "batch": elsewhere's 3 x 500 MHz need one node there.
  auto there = needed("nodes_needed/node_pool=batch,node_cpu=4000,node_memory=8192");
  ASSERT_TRUE(there.ok()) << there.error().message;
  EXPECT_DOUBLE_EQ(*there, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, BlockedDemand, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha
