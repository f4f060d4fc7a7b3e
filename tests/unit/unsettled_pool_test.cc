// A pool with a node initializing or drained by someone else is unsettled, as upstream's
// node filter (scaleutils FilterNodesWithOptions) judges it: nomad-apm's percentage queries
// fail naming the node, the Harvester target is not ready and picks no node for a scale-in,
// unless node_filter_ignore_* says otherwise. A node this product's scale-in drains is
// leaving the pool and holds nothing back.
#include <gtest/gtest.h>

#include "engine/nomad/nomad_apm.h"
#include "harvester_target_fixture.h"
#include "nomad_contract_fixture.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

class UnsettledPool : public testing::NomadContract {
 protected:
  // The hashistack node that runs an allocation of "api": a drain of it lasts the
  // allocation's kill_timeout (5 s) at least.
  std::string busy_node() {
    for (const std::string& id : {c->a, c->b}) {
      auto allocs = sync<std::vector<NomadAllocationStub>>(
          [id](NomadApi& api, Done<std::vector<NomadAllocationStub>> d) {
            api.node_allocations(id, d);
          });
      if (allocs.ok() && !allocs->empty()) return id;
    }
    return "";
  }
  void drain(const std::string& id, std::map<std::string, std::string> meta) {
    ASSERT_TRUE(sync<Unit>([&](NomadApi& api, Done<Unit> d) {
                  api.drain_node(id, NomadDrainSpec{1h, false, meta}, false, d);
                }).ok());
  }
  Result<double> query(NomadApmSource& apm, const std::string& q) {
    auto r = sync<TimeSeries>([&apm, q](NomadApi&, Done<TimeSeries> d) {
      apm.query(q, {}, [d](Result<TimeSeries> r) { d(std::move(r)); });
    });
    if (!r) return r.error();
    return r->back().value;
  }
};

TEST_P(UnsettledPool, AnOperatorsDrainFailsAPercentageQueryNamingTheNode) {
  std::string node = busy_node();
  ASSERT_FALSE(node.empty());
  drain(node, {});
  NomadApmSource apm(backend->loop(), backend->api());
  auto cpu = query(apm, "percentage-allocated_cpu/node_class=hashistack");
  ASSERT_FALSE(cpu.ok());
  EXPECT_NE(cpu.error().message.find("failed to identify nodes within pool: node " + node +
                                     " is draining"),
            std::string::npos)
      << cpu.error().message;
  // Another pool is not held back, and node_count counts the nodes that serve.
  EXPECT_TRUE(query(apm, "percentage-allocated_cpu/node_class=gpu").ok());
  EXPECT_DOUBLE_EQ(*query(apm, "node_count/node_class=hashistack"), 1);
  // node_filter_ignore_drain: the pool is its serving node.
  apm.set_node_filter({false, true, false});
  auto ignored = query(apm, "percentage-allocated_cpu/node_class=hashistack");
  EXPECT_TRUE(ignored.ok()) << ignored.error().message;
}

TEST_P(UnsettledPool, ANodeTheAutoscalersScaleInDrainsHoldsNothingBack) {
  std::string node = busy_node();
  ASSERT_FALSE(node.empty());
  drain(node, {{vm_labels::kNodeGroup, "web"}});
  NomadApmSource apm(backend->loop(), backend->api());
  auto cpu = query(apm, "percentage-allocated_cpu/node_class=hashistack");
  EXPECT_TRUE(cpu.ok()) << cpu.error().message;
}

INSTANTIATE_TEST_SUITE_P(Backends, UnsettledPool, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

using testing::HarvesterTargetTest;

// Two joined nodes, each running one allocation that takes 30 s to stop.
struct UnsettledPoolTarget : HarvesterTargetTest {
  std::vector<std::string> nodes;
  void SetUp() override {
    grow_to(2);
    NomadTaskGroupSpec slow{"g", 2, 5000, 256, std::nullopt, 30s};
    ASSERT_TRUE(nomad.register_job({"slow", "service", {slow}}).ok());
    loop.run_until(loop.now() + 5s);
    for (const auto& n : nomad.list_nodes({})) nodes.push_back(n->id);
    ASSERT_EQ(nodes.size(), 2u);
    ASSERT_EQ(nomad.node_allocations(nodes[0]).size(), 1u);
  }
};

TEST_F(UnsettledPoolTarget, AnOperatorsDrainHoldsTheTargetUntilItEnds) {
  ASSERT_TRUE(nomad.drain_node(nodes[0], NomadDrainSpec{1h, false}, false).ok());
  auto s = status();
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->ready);
  EXPECT_EQ(s->reason, "node " + nodes[0] + " is draining");
  auto in = scale(1);
  ASSERT_FALSE(in.ok());
  EXPECT_NE(in.error().message.find("node " + nodes[0] + " is draining"), std::string::npos)
      << in.error().message;
  EXPECT_FALSE(nomad.node(nodes[1])->drain);  // no node picked
  EXPECT_EQ(harvester.size(), 2u);
  // Once the drain is complete the pool is settled again (the node stays ineligible, the
  // operator's to undo).
  loop.run_until(loop.now() + 2min);
  s = status();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ready) << s->reason;
}

TEST_F(UnsettledPoolTarget, IgnoreDrainLetsTheTargetAct) {
  config["node_filter_ignore_drain"] = "true";
  ASSERT_TRUE(nomad.drain_node(nodes[0], NomadDrainSpec{1h, false}, false).ok());
  auto s = status();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ready) << s->reason;
  config["node_filter_ignore_drain"] = "maybe";
  auto bad = status();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("node_filter_ignore_drain"), std::string::npos);
}

TEST_F(HarvesterTargetTest, ItsOwnScaleInsDrainsDoNotHoldItBack) {
  grow_to(2);
  NomadTaskGroupSpec slow{"g", 2, 1000, 256, std::nullopt, 30s};
  ASSERT_TRUE(nomad.register_job({"slow", "service", {slow}}).ok());
  loop.run_until(loop.now() + 5s);
  // Both allocations land on one node (bin packing); the scale-in picks that one.
  auto listed = nomad.list_nodes({});
  ASSERT_EQ(listed.size(), 2u);
  bool first_busy = !nomad.node_allocations(listed[0]->id).empty();
  const auto& busy = first_busy ? listed[0] : listed[1];
  const auto& idle = first_busy ? listed[1] : listed[0];
  ASSERT_EQ(nomad.node_allocations(busy->id).size(), 2u);
  config["node_selector_strategy"] =
      busy->create_index < idle->create_index ? "oldest_create_index" : "newest_create_index";
  auto in = scale(1);
  ASSERT_TRUE(in.ok()) << in.error().message;
  auto s = status();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(nomad.node(busy->id)->drain);  // its allocations take 30 s to stop
  EXPECT_TRUE(s->ready) << s->reason;
}

}  // namespace
}  // namespace ha
