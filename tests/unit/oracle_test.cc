// The perfect-foresight reference: nodes for the work running at each instant, packed
// perfectly on the scenario's node shape, integrated exactly over the run.
#include "sim/oracle.h"
#include "sim/unmoved_packing.h"

#include <gtest/gtest.h>

namespace ha {
namespace {

using namespace std::chrono_literals;

struct OracleTest : ::testing::Test {
  ClusterSpec cluster;
  Workload w;
  OracleTest() {
    cluster.cpu_mhz = 4000;
    cluster.memory_mb = 8000;
  }
  TraceTask task(Duration submit, std::int64_t count, std::int64_t cpu, std::int64_t memory,
                 std::optional<Duration> duration) {
    TraceTask t;
    t.submit = Time(submit);
    t.job = std::to_string(w.tasks.size());
    t.group = "g";
    t.count = count;
    t.cpu_mhz = cpu;
    t.memory_mb = memory;
    t.duration = duration;
    return t;
  }
};

TEST_F(OracleTest, PacksByTheScarcerResourceAndIntegratesExactly) {
  // 0-1h: 3 x 1000 MHz (1 node by cpu); 30min-2h: 5 x 2000 MB (2 nodes by memory).
  w.tasks.push_back(task(0s, 3, 1000, 100, 1h));
  w.tasks.push_back(task(30min, 5, 100, 2000, 90min));
  OracleCurve c = oracle_curve(w, cluster, 3h);
  // 0-30min: 1 node; 30-60min: cpu 3500/4000 -> 1, memory 10300/8000 -> 2; 1-2h: 2 (memory
  // 10000); 2-3h: 0.
  EXPECT_EQ(c.nodes_at(Time(10min)), 1);
  EXPECT_EQ(c.nodes_at(Time(45min)), 2);
  EXPECT_EQ(c.nodes_at(Time(90min)), 2);
  EXPECT_EQ(c.nodes_at(Time(150min)), 0);
  EXPECT_DOUBLE_EQ(c.node_hours, 0.5 * 1 + 1.5 * 2);
}

TEST_F(OracleTest, UnendingTasksRunToTheEndAndUnownedNodesAreTheFloor) {
  cluster.unowned_nodes = 2;
  w.tasks.push_back(task(1h, 12, 1000, 10, std::nullopt));  // 3 nodes from 1h on
  OracleCurve c = oracle_curve(w, cluster, 4h);
  EXPECT_EQ(c.nodes_at(Time(0s)), 2);
  EXPECT_EQ(c.nodes_at(Time(3h)), 3);
  EXPECT_DOUBLE_EQ(c.node_hours, 1 * 2 + 3 * 3);
  // Work past the run's end is not counted.
  w.tasks.push_back(task(5h, 100, 1000, 10, 1h));
  EXPECT_DOUBLE_EQ(oracle_curve(w, cluster, 4h).node_hours, 11);
}

TEST_F(OracleTest, DagTasksStartWhenTheirPredecessorsEnd) {
  DagJob job;
  job.name = "dag";
  DagTask a{"a", 4, 1000, 10, 1h, Time(0s), {}, {2}};
  DagTask b{"b", 8, 1000, 10, 2h, Time(0s), {}, {2}};
  DagTask c{"c", 4, 1000, 10, 1h, Time(0s), {0, 1}, {}};
  job.tasks = {a, b, c};
  w.dag_jobs.push_back(job);
  OracleCurve curve = oracle_curve(w, cluster, 5h);
  EXPECT_EQ(curve.nodes_at(Time(30min)), 3);   // a and b: 12 x 1000 MHz
  EXPECT_EQ(curve.nodes_at(Time(90min)), 2);   // b alone
  EXPECT_EQ(curve.nodes_at(Time(150min)), 1);  // c, after b (the later predecessor)
  EXPECT_EQ(curve.nodes_at(Time(200min)), 0);
  EXPECT_DOUBLE_EQ(curve.node_hours, 3 + 2 + 1);
}

TEST_F(OracleTest, ServicesNeedCeilOfLoadOverCapacityAllocations) {
  RateDrivenService s;
  s.job = "web";
  s.group = "g";
  s.per_alloc_capacity = 10;
  s.cpu_mhz = 2000;
  s.memory_mb = 100;
  s.load = {{Time(0s), 15}, {Time(1h), 41}, {Time(2h), 0}};  // 2, 5, 0 allocations
  w.services.push_back(s);
  OracleCurve c = oracle_curve(w, cluster, 3h);
  EXPECT_EQ(c.nodes_at(Time(0s)), 1);
  EXPECT_EQ(c.nodes_at(Time(1h)), 3);  // 10000 MHz
  EXPECT_EQ(c.nodes_at(Time(2h)), 0);
  EXPECT_DOUBLE_EQ(c.node_hours, 1 + 3);
}

TEST_F(OracleTest, ServiceAllocationsStopLastStartedFirst) {
  RateDrivenService s;
  s.per_alloc_capacity = 1;
  s.cpu_mhz = 1000;
  s.memory_mb = 10;
  s.load = {{Time(0s), 3}, {Time(1h), 1}, {Time(2h), 2}, {Time(5h), 0}};
  w.services.push_back(s);
  auto d = foresight_demand(w, 3h);
  // Two stop at 1h, the one started at 2h runs past the end, and so does the first.
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].from, Time(0s));
  EXPECT_EQ(d[0].to, Time(1h));
  EXPECT_EQ(d[1].to, Time(1h));
  EXPECT_EQ(d[2].from, Time(0s));
  EXPECT_FALSE(d[2].to.has_value());
  EXPECT_EQ(d[3].from, Time(2h));
  EXPECT_FALSE(d[3].to.has_value());
}

// Work that never moves keeps a node for its last allocation; the oracle repacks.
TEST_F(OracleTest, UnmovedWorkHoldsANodeUntilItsLastAllocationEnds) {
  cluster.cpu_mhz = 2000;
  // Best fit pairs a long and a short allocation on each of two nodes.
  w.tasks.push_back(task(0s, 1, 1000, 10, 2h));
  w.tasks.push_back(task(0s, 1, 1000, 10, 30min));
  w.tasks.push_back(task(0s, 1, 1000, 10, 30min));
  w.tasks.push_back(task(0s, 1, 1000, 10, 2h));
  EXPECT_DOUBLE_EQ(oracle_curve(w, cluster, 3h).node_hours, 2 * 0.5 + 1 * 1.5);
  EXPECT_DOUBLE_EQ(unmoved_node_hours(foresight_demand(w, 3h), cluster, 3h), 2 * 2.0);
}

TEST_F(OracleTest, UnmovedPackingFillsTheFullestNodeThatHoldsBothResources) {
  cluster.cpu_mhz = 2000;
  cluster.memory_mb = 2000;
  w.tasks.push_back(task(0s, 1, 1500, 100, 1h));  // node 1: 500 MHz left
  w.tasks.push_back(task(0s, 1, 500, 1950, 1h));  // node 2: node 1 has the cpu, not the memory
  w.tasks.push_back(task(0s, 1, 400, 50, 1h));    // node 1, the fuller that holds it
  w.tasks.push_back(task(0s, 1, 100, 60, 1h));    // node 1 again: 100 MHz, 1850 MB left
  EXPECT_DOUBLE_EQ(unmoved_node_hours(foresight_demand(w, 1h), cluster, 1h), 2);
  // A fifth that fits only a fresh node opens a third; one wider than a node never runs.
  w.tasks.push_back(task(0s, 1, 1600, 10, 1h));
  w.tasks.push_back(task(0s, 1, 2500, 10, 1h));
  EXPECT_DOUBLE_EQ(unmoved_node_hours(foresight_demand(w, 1h), cluster, 1h), 3);
}

TEST_F(OracleTest, UnmovedNodesAreReusedAndUnownedNodesAreTheFloor) {
  cluster.cpu_mhz = 2000;
  cluster.unowned_nodes = 1;
  // Work ending at 1h makes room for work starting then: one node for 2h, not two.
  w.tasks.push_back(task(0s, 2, 1000, 10, 1h));
  w.tasks.push_back(task(1h, 1, 2000, 10, 1h));
  EXPECT_DOUBLE_EQ(unmoved_node_hours(foresight_demand(w, 4h), cluster, 4h), 2 + 2);
}

TEST_F(OracleTest, AnEmptyWorkloadNeedsNothing) {
  OracleCurve c = oracle_curve(w, cluster, 1h);
  EXPECT_EQ(c.node_hours, 0);
  EXPECT_EQ(c.nodes_at(Time(30min)), 0);
}

}  // namespace
}  // namespace ha
