// One contract, two implementations: every NomadApi call gives the same result from the
// in-memory model and from the HTTP client talking to the mock server on 127.0.0.1.
#include <gtest/gtest.h>

#include <thread>

#include "nomad_contract_fixture.h"

namespace ha {
namespace {

using testing::NomadContract;

using namespace std::chrono_literals;

TEST_P(NomadContract, ListsAndFiltersNodes) {
  auto all = nodes();
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->size(), 3u);
  auto gpu = nodes({"gpu", "", ""});
  ASSERT_TRUE(gpu.ok());
  ASSERT_EQ(gpu->size(), 1u);
  EXPECT_EQ((*gpu)[0]->id, c->gpu);
  auto named = nodes({"hashistack", "", "web-2"});
  ASSERT_EQ(named->size(), 1u);
  EXPECT_EQ((*named)[0]->id, c->b);
  EXPECT_EQ((*named)[0]->status, "ready");
  EXPECT_EQ((*named)[0]->scheduling_eligibility, "eligible");
  EXPECT_TRUE(nodes({"", "", "nope"})->empty());
}

// A VM's node by its name or by the meta harvester.vm its client carries (a filter only
// the server can apply: list stubs carry no Meta).
TEST_P(NomadContract, ListsAVmsNodeByItsNameOrItsMeta) {
  start([this](NomadModel& m) {
    cluster.build(m);
    m.register_node({"worker-7",
                     "hashistack",
                     "dc1",
                     "default",
                     4000,
                     8192,
                     {{"harvester.vm", "nomad/web-abc12"}}});
  });
  auto by_meta = nodes({"hashistack", "", "web-abc12", "nomad/web-abc12"});
  ASSERT_TRUE(by_meta.ok()) << by_meta.error().message;
  ASSERT_EQ(by_meta->size(), 1u);
  EXPECT_EQ((*by_meta)[0]->name, "worker-7");
  auto by_name = nodes({"hashistack", "", "web-2", "nomad/web-2"});
  ASSERT_TRUE(by_name.ok());
  ASSERT_EQ(by_name->size(), 1u);
  EXPECT_EQ((*by_name)[0]->id, c->b);
  EXPECT_TRUE(nodes({"hashistack", "", "web-abc12"})->empty());
  EXPECT_TRUE(nodes({"gpu", "", "web-abc12", "nomad/web-abc12"})->empty());
}

// GET /v1/nodes?index=N&wait=W: at once for index 0; held while the node table is at N;
// answered by a change (with its index), or after the wait unchanged.
TEST_P(NomadContract, BlockingNodeQueriesAnswerOnAChangeOrAfterTheWait) {
  auto watch = [this](std::uint64_t index, Duration wait) {
    return sync<NodeListAt>([index, wait](NomadApi& api, Done<NodeListAt> d) {
      api.watch_nodes({"hashistack", "", ""}, index, wait, d);
    });
  };
  auto first = watch(0, 5s);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->nodes.size(), 2u);
  EXPECT_GT(first->index, 0u);
  for (const auto& n : first->nodes) {  // with their resources (resources=true)
    EXPECT_EQ(n->cpu_mhz, 4000);
    EXPECT_EQ(n->memory_mb, 8192);
  }

  // Scaling a job changes no node: the node table's index stays, the query waits it out.
  auto started = std::chrono::steady_clock::now();
  backend->loop().after(100ms, [&] {
    backend->api().scale_job("api", "g", 3, "test", "default", [](Result<Unit>) {});
  });
  auto same = watch(first->index, 1s);
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(same->index, first->index);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);

  // A change while a query waits (up to 30 s) answers it with the change.
  started = std::chrono::steady_clock::now();
  backend->loop().after(200ms,
                        [&] { backend->api().set_eligibility(c->b, false, [](Result<Unit>) {}); });
  auto changed = watch(first->index, 30s);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_GT(changed->index, first->index);
  bool b_ineligible = false;
  for (const auto& n : changed->nodes) {
    if (n->id == c->b) b_ineligible = n->scheduling_eligibility == "ineligible";
  }
  EXPECT_TRUE(b_ineligible);
}

// GET /v1/allocations?resources=true&index=N&wait=W: the live allocations with their
// resources; the allocation table's index moves with allocations only.
TEST_P(NomadContract, BlockingAllocationQueriesFollowTheAllocationTable) {
  auto watch = [this](std::uint64_t index, Duration wait) {
    return sync<AllocationListAt>([index, wait](NomadApi& api, Done<AllocationListAt> d) {
      api.watch_allocations(index, wait, d);
    });
  };
  auto first = watch(0, 5s);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->allocations.size(), 2u);
  for (const NomadAllocationStub& a : first->allocations) {
    EXPECT_EQ(a.job_id, "api");
    EXPECT_EQ(a.task_group, "g");
    EXPECT_EQ(a.cpu_mhz, 500);
    EXPECT_EQ(a.memory_mb, 256);
    EXPECT_TRUE(a.node_id == c->a || a.node_id == c->b || a.node_id == c->gpu) << a.node_id;
  }
  // A node change is not an allocation change: the query waits it out.
  auto started = std::chrono::steady_clock::now();
  backend->loop().after(
      100ms, [&] { backend->api().set_eligibility(c->gpu, false, [](Result<Unit>) {}); });
  auto same = watch(first->index, 1s);
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(same->index, first->index);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  // Scaling the job up places an allocation: the waiting query answers with it.
  started = std::chrono::steady_clock::now();
  backend->loop().after(200ms, [&] {
    backend->api().scale_job("api", "g", 3, "test", "default", [](Result<Unit>) {});
  });
  auto grown = watch(first->index, 30s);
  ASSERT_TRUE(grown.ok()) << grown.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_GT(grown->index, first->index);
  EXPECT_EQ(grown->allocations.size(), 3u);
  // Scaled down: the stopped allocation is no longer listed.
  backend->loop().after(200ms, [&] {
    backend->api().scale_job("api", "g", 1, "test", "default", [](Result<Unit>) {});
  });
  auto shrunk = watch(grown->index, 30s);
  ASSERT_TRUE(shrunk.ok()) << shrunk.error().message;
  EXPECT_EQ(shrunk->allocations.size(), 1u);
}

TEST_P(NomadContract, ReadsAJobAndItsNewVersionAfterAScale) {
  auto get = [this](const std::string& id) {
    return sync<NomadJob>([id](NomadApi& api, Done<NomadJob> d) { api.get_job(id, "", d); });
  };
  auto job = get("api");
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(job->id, "api");
  EXPECT_EQ(job->type, "service");
  EXPECT_EQ(job->namespace_, "default");
  ASSERT_EQ(job->task_groups.size(), 1u);
  EXPECT_EQ(job->task_groups[0].name, "g");
  EXPECT_EQ(job->task_groups[0].count, 2);
  EXPECT_EQ(job->task_groups[0].cpu_mhz, 500);
  EXPECT_EQ(job->task_groups[0].memory_mb, 256);
  auto scaled = sync<Unit>(
      [](NomadApi& api, Done<Unit> d) { api.scale_job("api", "g", 4, "test", "default", d); });
  ASSERT_TRUE(scaled.ok()) << scaled.error().message;
  auto after = get("api");
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->task_groups[0].count, 4);
  EXPECT_EQ(after->version, job->version + 1);
  EXPECT_GT(after->modify_index, job->modify_index);
  EXPECT_GE(after->submit_time, job->submit_time);
  auto missing = get("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
}

// What a recorder needs of an allocation in a list: when it was placed and last changed,
// and the job version that asked for it. (The allocation a replacement replaces is in the
// full Allocation and its events, not in list stubs: see NomadEventContract.)
TEST_P(NomadContract, ListedAllocationsCarryTheirTimesAndJobVersion) {
  auto list = [this] {
    return sync<AllocationListAt>(
        [](NomadApi& api, Done<AllocationListAt> d) { api.watch_allocations(0, 1s, d); });
  };
  auto first = list();
  ASSERT_TRUE(first.ok()) << first.error().message;
  for (const NomadAllocationStub& a : first->allocations) {
    EXPECT_EQ(a.job_version, 0u);
    EXPECT_LE(a.create_time, a.modify_time);
  }
  // Polls the list until `done(list)` holds (up to 5 s).
  auto until = [&](const std::function<bool(const AllocationListAt&)>& done) {
    for (int i = 0; i < 250; ++i) {
      auto l = list();
      if (l.ok() && done(*l)) return *l;
      std::this_thread::sleep_for(20ms);
    }
    return AllocationListAt{};
  };
  std::this_thread::sleep_for(20ms);  // a later placement has a later time
  auto scaled = sync<Unit>(
      [](NomadApi& api, Done<Unit> d) { api.scale_job("api", "g", 3, "test", "default", d); });
  ASSERT_TRUE(scaled.ok()) << scaled.error().message;
  auto three = until([](const AllocationListAt& l) { return l.allocations.size() == 3; });
  ASSERT_EQ(three.allocations.size(), 3u);
  Time newest{0};
  for (const NomadAllocationStub& a : three.allocations) {
    if (a.job_version == 1) newest = a.create_time;
  }
  for (const NomadAllocationStub& a : first->allocations) EXPECT_GT(newest, a.create_time);
}

TEST_P(NomadContract, ReadsANode) {
  auto n = node(c->gpu);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->name, "gpu-1");
  EXPECT_EQ(n->node_class, "gpu");
  EXPECT_EQ(n->cpu_mhz, 8000);
  EXPECT_EQ(n->memory_mb, 16384);
  EXPECT_EQ(n->meta.at("unique.hostname"), "gpu-1");
  auto missing = node("00000000-0000-0000-0000-000000000000");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
}

TEST_P(NomadContract, DrainsEligibilityAndPurge) {
  auto drained = sync<Unit>([this](NomadApi& api, Done<Unit> d) {
    api.drain_node(c->a, NomadDrainSpec{1h, false}, false, d);
  });
  ASSERT_TRUE(drained.ok()) << drained.error().message;
  EXPECT_EQ(node(c->a)->scheduling_eligibility, "ineligible");
  auto cancelled = sync<Unit>(
      [this](NomadApi& api, Done<Unit> d) { api.drain_node(c->a, std::nullopt, true, d); });
  ASSERT_TRUE(cancelled.ok());
  EXPECT_FALSE(node(c->a)->drain_strategy.has_value());
  EXPECT_EQ(node(c->a)->scheduling_eligibility, "eligible");

  ASSERT_TRUE(sync<Unit>([this](NomadApi& api, Done<Unit> d) {
                api.set_eligibility(c->b, false, d);
              }).ok());
  EXPECT_EQ(node(c->b)->scheduling_eligibility, "ineligible");
  EXPECT_FALSE(
      sync<Unit>([](NomadApi& api, Done<Unit> d) { api.set_eligibility("nope", true, d); }).ok());
  EXPECT_FALSE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                 api.drain_node("nope", NomadDrainSpec{}, false, d);
               }).ok());
  ASSERT_TRUE(sync<Unit>([this](NomadApi& api, Done<Unit> d) { api.purge_node(c->gpu, d); }).ok());
  EXPECT_EQ(nodes()->size(), 2u);
  EXPECT_EQ(node(c->gpu).error().kind, ErrorKind::kNotFound);
}

TEST_P(NomadContract, NodeAllocationsAndJobScaling) {
  std::size_t total = 0;
  for (const std::string& id : {c->a, c->b, c->gpu}) {
    auto allocs = sync<std::vector<NomadAllocationStub>>(
        [id](NomadApi& api, Done<std::vector<NomadAllocationStub>> d) {
          api.node_allocations(id, d);
        });
    ASSERT_TRUE(allocs.ok()) << allocs.error().message;
    for (const auto& a : *allocs) {
      EXPECT_EQ(a.job_id, "api");
      EXPECT_EQ(a.job_type, "service");
      EXPECT_EQ(a.cpu_mhz, 500);
      EXPECT_EQ(a.node_id, id);
    }
    total += allocs->size();
  }
  EXPECT_EQ(total, 2u);

  auto status = sync<NomadJobScaleStatus>([](NomadApi& api, Done<NomadJobScaleStatus> d) {
    api.job_scale_status("api", "default", d);
  });
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->task_groups.at("g").desired, 2);
  EXPECT_EQ(status->task_groups.at("g").running, 2);
  EXPECT_FALSE(status->job_stopped);
  ASSERT_TRUE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                api.scale_job("api", "g", 5, "contract test", "default", d);
              }).ok());
  auto after = sync<NomadJobScaleStatus>([](NomadApi& api, Done<NomadJobScaleStatus> d) {
    api.job_scale_status("api", "default", d);
  });
  EXPECT_EQ(after->task_groups.at("g").desired, 5);
  auto missing = sync<NomadJobScaleStatus>([](NomadApi& api, Done<NomadJobScaleStatus> d) {
    api.job_scale_status("nope", "default", d);
  });
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  auto unknown = sync<Unit>(
      [](NomadApi& api, Done<Unit> d) { api.scale_job("nope", "g", 1, "", "default", d); });
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
}

TEST_P(NomadContract, ListsJobsWithTheirSummary) {
  // 2 of "api" run; a job larger than any node stays queued.
  ASSERT_TRUE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                api.scale_job("api", "g", 1, "contract test", "default", d);
              }).ok());
  auto jobs = sync<std::vector<NomadJobSummary>>(
      [](NomadApi& api, Done<std::vector<NomadJobSummary>> d) { api.list_jobs(d); });
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 1u);
  const NomadJobSummary& api_job = jobs->front();
  EXPECT_EQ(api_job.job_id, "api");
  EXPECT_EQ(api_job.type, "service");
  EXPECT_EQ(api_job.status, "running");
  EXPECT_EQ(api_job.task_groups.at("g").running, 1);
  EXPECT_EQ(api_job.task_groups.at("g").complete, 1);  // the one scaled away
  EXPECT_EQ(api_job.task_groups.at("g").queued, 0);
}

TEST_P(NomadContract, ListsScalingPoliciesWithTheirBodies) {
  auto policies = sync<std::vector<NomadScalingPolicy>>(
      [](NomadApi& api, Done<std::vector<NomadScalingPolicy>> d) { api.list_scaling_policies(d); });
  ASSERT_TRUE(policies.ok()) << policies.error().message;
  ASSERT_EQ(policies->size(), 1u);
  const NomadScalingPolicy& p = policies->front();
  EXPECT_EQ(p.id, c->policy_id);
  EXPECT_EQ(p.type, "horizontal");
  EXPECT_EQ(p.job, "api");
  EXPECT_EQ(p.group, "g");
  EXPECT_EQ(p.min, 1);
  EXPECT_EQ(p.max, 8);
  EXPECT_EQ(p.policy["check"][0]["cpu"][0]["source"], "nomad-apm");
}

INSTANTIATE_TEST_SUITE_P(Backends, NomadContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha
