// One contract, two implementations: every NomadApi call gives the same result from the
// in-memory model and from the HTTP client talking to the mock server on 127.0.0.1.
#include <gtest/gtest.h>

#include <thread>

#include "backends/http/nomad_http_api.h"
#include "backends/memory/nomad_memory_api.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "contract_fixture.h"
#include "engine/nomad/nomad_apm.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

// The cluster every contract case starts from.
struct Cluster {
  std::string a, b, gpu, policy_id;
  void build(NomadModel& m) {
    a = m.register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}});
    b = m.register_node({"web-2", "hashistack", "dc1", "default", 4000, 8192, {}});
    gpu = m.register_node({"gpu-1", "gpu", "dc1", "default", 8000, 16384, {}});
    static_cast<void>(m.register_job({"api", "service", {{"g", 2, 500, 256, std::nullopt}}}));
    NomadScalingPolicy p;
    p.namespace_ = "default";
    p.job = "api";
    p.group = "g";
    p.min = 1;
    p.max = 8;
    p.policy = {{"cooldown", "1m"}, {"check", {{{"cpu", {{{"source", "nomad-apm"}}}}}}}};
    policy_id = m.add_scaling_policy(p);
  }
};

class NomadContract : public testing::ContractTest<NomadApi> {
 protected:
  void SetUp() override {
    auto setup = [this](NomadModel& m) { cluster.build(m); };
    if (GetParam() == "memory") {
      backend =
          std::make_unique<testing::MemoryContractBackend<NomadApi, NomadModel, NomadMemoryApi>>(
              setup);
    } else {
      NomadMockServer::Options server;
      server.token = "t0ken";
      backend = std::make_unique<
          testing::HttpContractBackend<NomadApi, NomadModel, NomadMockServer, NomadHttpApi>>(
          setup, server, [](const std::string& url) {
            NomadHttpApi::Options o;
            o.address = url;
            o.token = "t0ken";
            return o;
          });
    }
  }
  Result<NodeList> nodes(NomadNodeFilter f = {}) {
    return sync<NodeList>([f](NomadApi& api, Done<NodeList> d) { api.list_nodes(f, d); });
  }
  Result<NomadNode> node(const std::string& id) {
    return sync<NomadNode>([id](NomadApi& api, Done<NomadNode> d) { api.get_node(id, d); });
  }
  Cluster cluster;
  const Cluster* c = &cluster;
};

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

// nomad-apm computed through the interface gives the same figures on both backends.
TEST_P(NomadContract, NomadApmOverTheApi) {
  NomadApmSource apm(backend->loop(), backend->api());
  auto value = [&](const std::string& q) -> Result<double> {
    auto r = sync<TimeSeries>([&apm, q](NomadApi&, Done<TimeSeries> d) {
      apm.query(q, {}, [d](Result<TimeSeries> r) { d(std::move(r)); });
    });
    if (!r) return r.error();
    EXPECT_EQ(r->size(), 1u);
    return r->back().value;
  };
  // 2 x 500 MHz of 16000 MHz; 2 x 256 MB of 32768 MB.
  EXPECT_DOUBLE_EQ(*value("percentage-allocated_cpu"), 6.25);
  EXPECT_DOUBLE_EQ(*value("node_percentage-allocated_memory"), 100.0 * 512 / 32768);
  EXPECT_DOUBLE_EQ(*value("node_count"), 3);
  EXPECT_DOUBLE_EQ(*value("node_count/node_class=gpu"), 1);
  EXPECT_DOUBLE_EQ(*value("pending_allocations"), 0);
  auto none = value("percentage-allocated_cpu/node_class=nope");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no nodes identified within pool"), std::string::npos);
  // Draining nodes leave the pool.
  ASSERT_TRUE(sync<Unit>([this](NomadApi& api, Done<Unit> d) {
                api.drain_node(c->gpu, NomadDrainSpec{std::chrono::minutes(1), false}, false, d);
              }).ok());
  EXPECT_DOUBLE_EQ(*value("node_count"), 2);
  // A job no node can hold is counted as pending.
  ASSERT_TRUE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                api.scale_job("api", "g", 100, "contract test", "default", d);
              }).ok());
  EXPECT_GT(*value("pending_allocations"), 0);
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

TEST(NomadApmQuery, ParsesUpstreamFormsAndNamesErrors) {
  auto q = parse_apm_query("node_percentage-allocated_memory/node_class=hashistack,datacenter=dc1");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->metric, ApmQuery::Metric::kMemoryPercent);
  EXPECT_EQ(q->node_class, "hashistack");
  EXPECT_EQ(q->datacenter, "dc1");
  for (const char* bad : {"cpu", "percentage-allocated_cpu/", "percentage-allocated_cpu/rack=1",
                          "percentage-allocated_cpu/node_class"}) {
    auto r = parse_apm_query(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, NomadContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha
