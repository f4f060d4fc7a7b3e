// nomad-apm over the NomadApi contract: the same figures from both backends, by requests
// as upstream's plugin reads them and from the caches with no request at all.
#include <gtest/gtest.h>

#include "backends/memory/harvester_memory_api.h"
#include "engine/nomad/nomad_apm.h"
#include "forwarding_nomad_api.h"
#include "nomad_contract_fixture.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

// Its own suite on the shared fixture.
class NomadApmContract : public testing::NomadContract {};

// nomad-apm computed through the interface gives the same figures on both backends.
TEST_P(NomadApmContract, NomadApmOverTheApi) {
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
  EXPECT_DOUBLE_EQ(*value("percentage-allocated_cpu/datacenter=dc1"), 6.25);
  EXPECT_DOUBLE_EQ(*value("node_percentage-allocated_memory/datacenter=dc1"), 100.0 * 512 / 32768);
  EXPECT_DOUBLE_EQ(*value("node_count/datacenter=dc1"), 3);
  EXPECT_DOUBLE_EQ(*value("node_count/node_class=gpu"), 1);
  EXPECT_DOUBLE_EQ(*value("pending_allocations"), 0);
  auto none = value("percentage-allocated_cpu/node_class=nope");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no nodes identified within pool"), std::string::npos);
  // Draining nodes leave the pool.
  ASSERT_TRUE(sync<Unit>([this](NomadApi& api, Done<Unit> d) {
                api.drain_node(c->gpu, NomadDrainSpec{std::chrono::minutes(1), false}, false, d);
              }).ok());
  EXPECT_DOUBLE_EQ(*value("node_count/datacenter=dc1"), 2);
  // A job no node can hold is counted as pending.
  ASSERT_TRUE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                api.scale_job("api", "g", 100, "contract test", "default", d);
              }).ok());
  EXPECT_GT(*value("pending_allocations"), 0);
}

// A NomadApi that counts the requests a nomad-apm query makes.
class CountingNomadApi : public testing::ForwardingNomadApi {
 public:
  using ForwardingNomadApi::ForwardingNomadApi;
  void list_nodes(const NomadNodeFilter& f, Done<NodeList> d) override {
    ++calls;
    inner_.list_nodes(f, std::move(d));
  }
  void get_node(const std::string& id, Done<NomadNode> d) override {
    ++calls;
    inner_.get_node(id, std::move(d));
  }
  void node_allocations(const std::string& id, Done<std::vector<NomadAllocationStub>> d) override {
    ++calls;
    inner_.node_allocations(id, std::move(d));
  }
  int calls = 0;
};

// With caches, nomad-apm answers as it does by requests, and sends none once they are
// current; it follows changes as the caches see them.
TEST_P(NomadApmContract, NomadApmFromCachesMatchesAndSendsNoRequest) {
  RealtimeLoop& loop = backend->loop();
  auto run_for = [&loop](Duration d) {
    loop.after(d, [&loop] { loop.stop(); });
    loop.run();
  };
  CountingNomadApi counted(backend->api());
  HarvesterModel vms(loop, nullptr, HarvesterModelConfig{});  // the caches' other half, unused
  HarvesterMemoryApi harvester(loop, vms, Latency::constant(0s));
  ClusterCaches::Options options;
  options.allocations.blocking.min_interval = 100ms;
  options.node.min_interval = 100ms;
  ClusterCaches caches(loop, harvester, counted, options);
  NomadApmSource by_requests(loop, counted);
  NomadApmSource from_caches(loop, counted, &caches);
  auto value = [&](NomadApmSource& apm, const std::string& q) -> Result<double> {
    auto r = sync<TimeSeries>([&apm, q](NomadApi&, Done<TimeSeries> d) {
      apm.query(q, {}, [d](Result<TimeSeries> r) { d(std::move(r)); });
    });
    if (!r) return r.error();
    return r->back().value;
  };
  // Not yet synced: the first queries start the caches and wait for their first lists rather
  // than read every node.
  EXPECT_DOUBLE_EQ(*value(from_caches, "percentage-allocated_cpu/datacenter=dc1"), 6.25);
  EXPECT_DOUBLE_EQ(*value(from_caches, "node_count/node_class=gpu"), 1);
  EXPECT_TRUE(value(from_caches, "node_count/node_class=hashistack").ok());
  EXPECT_EQ(counted.calls, 0);
  run_for(500ms);
  const char* queries[] = {"percentage-allocated_cpu/datacenter=dc1",
                           "node_percentage-allocated_memory/node_pool=default",
                           "node_count/datacenter=dc1", "node_count/node_class=gpu",
                           "percentage-allocated_memory/node_class=gpu"};
  for (const char* q : queries) {
    int before = counted.calls;
    auto cached = value(from_caches, q);
    EXPECT_EQ(counted.calls, before) << q;
    auto requested = value(by_requests, q);
    ASSERT_TRUE(cached.ok() && requested.ok()) << q;
    EXPECT_DOUBLE_EQ(*cached, *requested) << q;
  }
  auto none = value(from_caches, "percentage-allocated_cpu/node_class=nope");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no nodes identified within pool"), std::string::npos);
  // A drain and a scale-up show once the caches have seen them.
  ASSERT_TRUE(sync<Unit>([this](NomadApi& api, Done<Unit> d) {
                api.drain_node(c->gpu, NomadDrainSpec{std::chrono::minutes(1), false}, false, d);
              }).ok());
  ASSERT_TRUE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                api.scale_job("api", "g", 4, "t", "default", d);
              }).ok());
  run_for(1s);
  int before = counted.calls;
  EXPECT_DOUBLE_EQ(*value(from_caches, "node_count/datacenter=dc1"), 2);
  EXPECT_DOUBLE_EQ(*value(from_caches, "percentage-allocated_cpu/node_class=hashistack"),
                   *value(by_requests, "percentage-allocated_cpu/node_class=hashistack"));
  EXPECT_DOUBLE_EQ(*value(from_caches, "percentage-allocated_cpu/node_class=hashistack"), 25.0);
  EXPECT_EQ(counted.calls, before + 5);  // by_requests' list, 2 details and 2 allocations
  caches.stop();
}

// A Nomad whose node list never answers: a first query waits for the caches no longer than
// first_sync_wait, then reads as upstream does.
class SilentNodeListNomadApi final : public CountingNomadApi {
 public:
  using CountingNomadApi::CountingNomadApi;
  void watch_nodes(const NomadNodeFilter&, std::uint64_t, Duration, Done<NodeListAt>) override {}
};

TEST_P(NomadApmContract, AFirstQueryWaitsForTheCachesNoLongerThanItsBound) {
  RealtimeLoop& loop = backend->loop();
  SilentNodeListNomadApi silent(backend->api());
  HarvesterModel vms(loop, nullptr, HarvesterModelConfig{});
  HarvesterMemoryApi harvester(loop, vms, Latency::constant(0s));
  ClusterCaches::Options options;
  options.first_sync_wait = 300ms;
  ClusterCaches caches(loop, harvester, silent, options);
  NomadApmSource apm(loop, silent, &caches);
  auto started = std::chrono::steady_clock::now();
  auto r = sync<TimeSeries>([&apm](NomadApi&, Done<TimeSeries> d) {
    apm.query("percentage-allocated_cpu/datacenter=dc1", {},
              [d](Result<TimeSeries> r) { d(std::move(r)); });
  });
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->back().value, 6.25);
  EXPECT_GE(waited, 300ms);
  EXPECT_EQ(silent.calls, 7);  // then by requests: the list, 3 details, 3 allocation lists
  caches.stop();
}

// A Nomad that ignores resources=true: its node lists carry no capacities.
class NoResourcesNomadApi final : public CountingNomadApi {
 public:
  using CountingNomadApi::CountingNomadApi;
  void watch_nodes(const NomadNodeFilter& f, std::uint64_t index, Duration wait,
                   Done<NodeListAt> d) override {
    inner_.watch_nodes(f, index, wait, [d](Result<NodeListAt> r) {
      if (r) {
        for (auto& n : r->nodes) {
          auto bare = std::make_shared<NomadNodeStub>(*n);
          bare->cpu_mhz = bare->memory_mb = 0;
          n = std::move(bare);
        }
      }
      d(std::move(r));
    });
  }
};

// Cached node lists without capacities: the percentages are read node by node, as upstream.
TEST_P(NomadApmContract, CachedListsWithoutCapacitiesFallBackToRequests) {
  RealtimeLoop& loop = backend->loop();
  NoResourcesNomadApi bare(backend->api());
  HarvesterModel vms(loop, nullptr, HarvesterModelConfig{});
  HarvesterMemoryApi harvester(loop, vms, Latency::constant(0s));
  ClusterCaches caches(loop, harvester, bare, {});
  NomadApmSource apm(loop, bare, &caches);
  auto value = [&](const std::string& q) {
    return sync<TimeSeries>([&apm, q](NomadApi&, Done<TimeSeries> d) {
      apm.query(q, {}, [d](Result<TimeSeries> r) { d(std::move(r)); });
    });
  };
  ASSERT_TRUE(value("percentage-allocated_cpu/datacenter=dc1").ok());  // starts the caches
  loop.after(500ms, [&loop] { loop.stop(); });
  loop.run();
  int before = bare.calls;
  auto cpu = value("percentage-allocated_cpu/datacenter=dc1");
  ASSERT_TRUE(cpu.ok()) << cpu.error().message;
  EXPECT_DOUBLE_EQ(cpu->back().value, 6.25);
  EXPECT_EQ(bare.calls, before + 7);  // the list, then 3 details and 3 allocation lists
  caches.stop();
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

TEST(NomadApmQuery, ACLusterQueryNamesItsPoolAsUpstream) {
  // No pool: upstream's parseNodePoolQuery refuses it; every node would be measured.
  for (const char* bad : {"percentage-allocated_cpu", "node_count", "nodes_needed/headroom=8"}) {
    auto r = parse_apm_query(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("names its pool"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(parse_apm_query("pending_allocations").ok());  // the whole cluster's queue
  // Values are URL-escaped, as upstream's formatNodePoolQuery writes them.
  auto q = parse_apm_query("percentage-allocated_cpu/node_class=gpu+a%2Fb,node_pool=batch");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->node_class, "gpu a/b");
  EXPECT_FALSE(parse_apm_query("percentage-allocated_cpu/node_class=%zz").ok());
  // autoscaler-default-pool: the nodes without a class, and only those.
  auto d = parse_apm_query("node_count/node_class=autoscaler-default-pool");
  ASSERT_TRUE(d.ok());
  NomadNodeStub classless, classed;
  classed.node_class = "gpu";
  EXPECT_TRUE(in_pool(classless, *d));
  EXPECT_FALSE(in_pool(classed, *d));
  EXPECT_EQ(d->class_filter(), "");
  // The short form takes the cluster target's pool (upstream CanonicalizeAPMQuery).
  std::map<std::string, std::string> target{
      {"node_class", "web"}, {"node_pool", "a b"}, {"node_group_name", "g"}};
  EXPECT_EQ(expand_short_query("percentage-allocated_cpu", "harvester", target),
            "percentage-allocated_cpu/node_class=web,node_pool=a+b");
  EXPECT_EQ(expand_short_query("nodes_needed/headroom=8", "harvester", target),
            "nodes_needed/headroom=8,node_class=web,node_pool=a+b");
  EXPECT_EQ(expand_short_query("node_count/datacenter=dc2", "harvester", target),
            "node_count/datacenter=dc2");
  EXPECT_EQ(expand_short_query("percentage-allocated_cpu", "prometheus-target", target),
            "percentage-allocated_cpu");
  // A task group's: taskgroup_<query>/<group>/<job>@<namespace>.
  EXPECT_EQ(expand_short_query("avg_cpu", "nomad", {{"Job", "web"}, {"Group", "g"}}),
            "taskgroup_avg_cpu/g/web@default");
}

INSTANTIATE_TEST_SUITE_P(Backends, NomadApmContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha
