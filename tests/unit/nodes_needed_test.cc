// nodes_needed: the count by placement (pure), the blocked evaluations it reads (both
// backends), and nomad-apm's answer over the API. What it leaves out: blocked_demand_test.cc.
#include "engine/nomad/nodes_needed.h"

#include <gtest/gtest.h>

#include "engine/nomad/nomad_apm.h"
#include "nomad_contract_fixture.h"

namespace ha {
namespace {

const PodSize kNode{4000, 8192};

// A pool and what runs on each node, as count_nodes_needed takes them.
struct Pool {
  std::vector<PoolNode> nodes;
  std::vector<std::vector<PodSize>> each;
};

Pool pool_of(std::vector<std::vector<PodSize>> each) {
  Pool p{{}, std::move(each)};
  for (const auto& allocations : p.each) {
    PoolNode n{kNode, {}};
    for (const PodSize& a : allocations) {
      n.used.cpu_mhz += a.cpu_mhz;
      n.used.memory_mb += a.memory_mb;
    }
    p.nodes.push_back(n);
  }
  return p;
}

NodesNeeded count(const Pool& pool, const std::vector<QueuedGroup>& queued, PodSize shape,
                  double headroom) {
  return count_nodes_needed(pool.nodes, queued, shape, headroom,
                            [&pool](std::size_t i) { return pool.each[i]; });
}

TEST(NodesNeeded, QueuedWorkFillsFreeSpaceBeforeNewNodes) {
  // 1000 MHz free on each of two nodes holds two of the four queued 1000s; two more need one
  // new node (two fit in 4000 MHz).
  Pool pool = pool_of({{{3000, 1024}}, {{3000, 1024}}});
  NodesNeeded n = count(pool, {{{1000, 512}, 4}}, kNode, 0);
  EXPECT_EQ(n.new_nodes, 1);
  EXPECT_EQ(n.nodes, 3);
  // Largest first: a 3000 cannot share a node with another 3000, the 1000s fill the gaps.
  n = count(pool_of({}), {{{1000, 512}, 4}, {{3000, 512}, 4}}, kNode, 0);
  EXPECT_EQ(n.nodes, 4);
  // Memory binds as well as cpu: 4 x 3000 MB of 8192 MB is two per node.
  n = count(pool_of({}), {{{100, 3000}, 4}}, kNode, 0);
  EXPECT_EQ(n.nodes, 2);
}

TEST(NodesNeeded, WorkLargerThanANodeAsksForNone) {
  Pool pool = pool_of({{{1000, 1024}}, {}});
  NodesNeeded n = count(pool, {{{5000, 512}, 3}}, kNode, 0);
  EXPECT_EQ(n.unplaceable, 3);
  EXPECT_EQ(n.nodes, 1);  // and the empty node may go
}

TEST(NodesNeeded, ANodeGoesWhenItsWorkFitsOnTheOthers) {
  // The least busy node (500) moves onto the one with 1000 free; the next (3000) has
  // nowhere to go.
  Pool pool = pool_of({{{3000, 1024}}, {{500, 512}}, {{3000, 1024}}});
  NodesNeeded n = count(pool, {}, kNode, 0);
  EXPECT_EQ(n.removable, 1);
  EXPECT_EQ(n.nodes, 2);
  // Pieces that fit only together do not count: two 600s cannot fit 1000 free and 500 free.
  pool = pool_of({{{3000, 1024}}, {{600, 100}, {600, 100}}, {{3500, 1024}}});
  EXPECT_EQ(count(pool, {}, kNode, 0).nodes, 3);
  // Empty nodes all go, down to none.
  EXPECT_EQ(count(pool_of({{}, {}}), {}, kNode, 0).nodes, 0);
}

TEST(NodesNeeded, HeadroomKeepsCapacitySpareBothWays) {
  // At 25% headroom a node holds 3000 MHz: the 500 no longer fits beside a 3000 with 1000
  // free of 4000.
  Pool pool = pool_of({{{3000, 1024}}, {{500, 512}}});
  EXPECT_EQ(count(pool, {}, kNode, 0).nodes, 1);
  EXPECT_EQ(count(pool, {}, kNode, 0.25).nodes, 2);
  // 6000 MHz of work on 8000: at 25% headroom the two nodes are just enough; at 40% it
  // takes 10000 MHz, one node more, though nothing is queued.
  pool = pool_of({{{3000, 1024}}, {{3000, 1024}}});
  EXPECT_EQ(count(pool, {}, kNode, 0.25).nodes, 2);
  EXPECT_EQ(count(pool, {}, kNode, 0.40).nodes, 3);
  NodesNeeded n = count(pool, {{{3000, 1024}, 1}}, kNode, 0.25);
  EXPECT_EQ(n.nodes, 3);
  n = count(pool, {{{2000, 1024}, 2}}, kNode, 0.5);
  EXPECT_EQ(n.nodes, 5);  // 10000 MHz of work at 2000 MHz a node
}

TEST(NodesNeeded, QueryFormsAndErrors) {
  auto q =
      parse_apm_query("nodes_needed/node_class=batch,headroom=10,node_cpu=8000,node_memory=16");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->metric, ApmQuery::Metric::kNodesNeeded);
  EXPECT_EQ(q->node_class, "batch");
  EXPECT_DOUBLE_EQ(q->headroom, 0.10);
  EXPECT_EQ(q->node_cpu, 8000);
  EXPECT_EQ(q->node_memory, 16);
  for (const char* bad :
       {"nodes_needed/headroom=95", "nodes_needed/headroom=x", "nodes_needed/node_cpu=0",
        "nodes_needed/node_memory=-5", "percentage-allocated_cpu/headroom=10"}) {
    auto r = parse_apm_query(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

class NodesNeededContract : public testing::NomadContract {
 protected:
  Result<std::vector<NomadEvaluation>> evaluations(const std::string& status) {
    return sync<std::vector<NomadEvaluation>>(
        [status](NomadApi& api, Done<std::vector<NomadEvaluation>> d) {
          api.list_evaluations(status, d);
        });
  }
  Result<double> needed(NomadApmSource& apm, const std::string& q) {
    auto r = sync<TimeSeries>([&apm, q](NomadApi&, Done<TimeSeries> d) {
      apm.query(q, {}, [d](Result<TimeSeries> r) { d(std::move(r)); });
    });
    if (!r) return r.error();
    return r->back().value;
  }
};

TEST_P(NodesNeededContract, BlockedEvaluationsListTheQueuedAllocations) {
  auto none = evaluations("blocked");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());
  // 40 x 500 MHz on 16000 MHz of nodes: 32 placed, 8 queued.
  ASSERT_TRUE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                api.scale_job("api", "g", 40, "contract test", "default", d);
              }).ok());
  auto blocked = evaluations("blocked");
  ASSERT_TRUE(blocked.ok()) << blocked.error().message;
  ASSERT_EQ(blocked->size(), 1u);
  const NomadEvaluation& e = blocked->front();
  EXPECT_EQ(e.job_id, "api");
  EXPECT_EQ(e.status, "blocked");
  // As Nomad's scheduler writes it: the 8 failed placements coalesced, each of the three
  // ready nodes evaluated and without room; no QueuedAllocations on a blocked evaluation.
  const NomadAllocMetric& m = e.failed_tg_allocs.at("g");
  EXPECT_EQ(m.coalesced_failures, 7);
  EXPECT_EQ(m.nodes_evaluated, 3);
  EXPECT_EQ(m.nodes_exhausted, 3);
  EXPECT_EQ(m.nodes_filtered, 0);
  EXPECT_TRUE(e.queued_allocations.empty());
  EXPECT_FALSE(e.id.empty());
  EXPECT_GT(e.job_modify_index, 0u);
  EXPECT_EQ(evaluations("blocked")->front().id, e.id);  // the same evaluation while blocked
  EXPECT_TRUE(evaluations("complete")->empty());
}

TEST_P(NodesNeededContract, NomadApmCountsTheNodesThePoolNeeds) {
  NomadApmSource apm(backend->loop(), backend->api());
  // Two allocations of 500 MHz fit on one hashistack node: the other may go.
  EXPECT_DOUBLE_EQ(*needed(apm, "nodes_needed/node_class=hashistack"), 1);
  ASSERT_TRUE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                api.scale_job("api", "g", 40, "contract test", "default", d);
              }).ok());
  // 8 x 500 MHz queued, both hashistack nodes full: one more node of their size, two of
  // half their cpu, six when half of every node is kept free (12000 MHz of work).
  EXPECT_DOUBLE_EQ(*needed(apm, "nodes_needed/node_class=hashistack"), 3);
  EXPECT_DOUBLE_EQ(*needed(apm, "nodes_needed/node_class=hashistack,node_cpu=2000"), 4);
  EXPECT_DOUBLE_EQ(*needed(apm, "nodes_needed/node_class=hashistack,headroom=50"), 6);
  // An empty pool has no size to copy unless the query gives one.
  auto empty = needed(apm, "nodes_needed/node_class=nope");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("give node_cpu and node_memory"), std::string::npos);
  // Blocked work is counted against whichever pool is asked (see docs/policies.md).
  EXPECT_DOUBLE_EQ(*needed(apm, "nodes_needed/node_class=nope,node_cpu=4000,node_memory=8192"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, NodesNeededContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha
