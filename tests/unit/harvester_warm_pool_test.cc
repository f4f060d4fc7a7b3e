// The Harvester target's warm pool: drained VMs stopped rather than deleted (up to the pool's
// size), started again before any VM is created, not counted while stopped, and tended by
// status (past its age, beyond its size, left by an earlier run).
#include "tests/unit/harvester_target_fixture.h"

namespace ha::testing {
namespace {

struct WarmPoolTest : HarvesterTargetTest {
  WarmPoolTest() { config.emplace("warm_pool_size", "2"); }

  std::int64_t running() { return static_cast<std::int64_t>(harvester.size()) - stopped(); }
  std::int64_t stopped() { return harvester.stopped(); }
  // A VM of the group left Stopped, as an earlier run's pool would be.
  void stopped_vm(const std::string& name, const std::string& group = "web") {
    VirtualMachineSpec s = test_vm(name);
    s.labels = {{vm_labels::kNodeClass, "hashistack"}};
    if (!group.empty()) s.labels[vm_labels::kNodeGroup] = group;
    s.cpu_cores = 4;
    s.memory_bytes = 8LL << 30;
    s.run_strategy = "Halted";
    ASSERT_TRUE(harvester.create(s).ok());
  }
  Duration latency(const ScaleActionRecord& a) { return *a.all_ready - a.decided; }
};

TEST_F(WarmPoolTest, ScaleInStopsUpToThePoolSizeAndDeletesTheRest) {
  grow_to(5);
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 10min);
  EXPECT_EQ(running(), 1);
  EXPECT_EQ(stopped(), 2);  // the other two were deleted
  EXPECT_EQ(harvester.size(), 3u);
  EXPECT_EQ(target.actions().back().stopped_vms, 2u);
  ASSERT_TRUE(target.actions().back().all_deleted);
  auto st = status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->count, 1);  // stopped VMs are not counted
  EXPECT_TRUE(st->ready);
  // Stopped VMs do not hold a place under max either: at max 1 nothing is to be removed.
  auto r = scale(1, 0, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->summary.find("already has 1"), std::string::npos);
}

TEST_F(WarmPoolTest, ScaleOutStartsStoppedVmsBeforeCreatingAndLandsSooner) {
  grow_to(3);
  const Duration created = latency(target.actions().back());
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 10min);
  ASSERT_EQ(stopped(), 2);
  ASSERT_TRUE(scale(3).ok());  // both from the pool
  const ScaleActionRecord& from_pool = target.actions().back();
  EXPECT_EQ(from_pool.started_vms, 2u);
  EXPECT_EQ(stopped(), 0);
  EXPECT_EQ(harvester.size(), 3u);
  EXPECT_EQ(nomad.totals().nodes_ready, 3);
  // Starting skips provisioning and first boot: 30 s + join, against 10 s + 60 s + join.
  EXPECT_LT(latency(from_pool), created);
  auto r = scale(5);  // the pool is empty now: created
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(target.actions().back().started_vms, 0u);
  EXPECT_EQ(running(), 5);
}

TEST_F(WarmPoolTest, ARestartedAgentStartsTheStoppedVmsItFinds) {
  grow_to(2);
  ASSERT_TRUE(scale(0).ok());
  loop.run_until(loop.now() + 10min);
  ASSERT_EQ(stopped(), 2);
  HarvesterTarget restarted(loop, nomad_api, harvester_api, log);
  subject = &restarted;
  auto r = scale(3);  // no status first
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->summary.find("2 started from the warm pool"), std::string::npos) << r->summary;
  EXPECT_EQ(restarted.actions().back().started_vms, 2u);
  EXPECT_EQ(running(), 3);
}

TEST_F(WarmPoolTest, StatusTrimsAPoolLeftByAnEarlierRunAndTouchesNoOtherVm) {
  config["warm_pool_size"] = "1";
  stopped_vm("web-a");
  stopped_vm("web-b");
  stopped_vm("web-c");
  stopped_vm("hand-made", "");  // not the group's: never listed, never touched
  auto st = status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->count, 0);
  EXPECT_TRUE(st->ready);
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(stopped(), 2);  // one of the group's and the hand-made one
  EXPECT_TRUE(harvester.get("nomad", "hand-made").ok());
  EXPECT_TRUE(harvester.get("nomad", "web-a").ok());  // ties go by name
  // Without a pool every stopped VM of the group goes.
  config["warm_pool_size"] = "0";
  ASSERT_TRUE(status().ok());
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(vm_names(), std::vector<std::string>{"hand-made"});
}

TEST_F(WarmPoolTest, APoolLeftByAnEarlierRunIsDatedFromWhenItsVmsStopped) {
  // A restarted agent has no memory of its stops: the VMs' Ready conditions say when.
  config["warm_pool_max_age"] = "1h";
  stopped_vm("web-old");
  loop.run_until(loop.now() + 50min);
  stopped_vm("web-mid");
  loop.run_until(loop.now() + 40min);
  ASSERT_TRUE(status().ok());  // found: stopped 90 and 40 minutes ago
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(vm_names(), std::vector<std::string>{"web-mid"});
  loop.run_until(loop.now() + 23min);
  ASSERT_TRUE(status().ok());  // 65 minutes after it stopped, 25 after it was found
  loop.run_until(loop.now() + 2min);
  EXPECT_TRUE(vm_names().empty());
}

TEST_F(WarmPoolTest, AStoppedVmPastItsMaxAgeIsDeleted) {
  config["warm_pool_max_age"] = "1h";
  grow_to(2);
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 10min);
  ASSERT_TRUE(status().ok());
  ASSERT_EQ(stopped(), 1);
  loop.run_until(loop.now() + 40min);
  ASSERT_TRUE(status().ok());
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(stopped(), 1);  // 52 minutes old
  loop.run_until(loop.now() + 10min);
  ASSERT_TRUE(status().ok());
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(stopped(), 0);
  EXPECT_EQ(running(), 1);
}

TEST_F(WarmPoolTest, AStartThatFailsIsCleanedUpAndCountsAsAFailure) {
  harvester_config.max_vms = 2;
  HarvesterModel small(loop, &nomad, harvester_config);
  seed_test_cluster(small);
  HarvesterMemoryApi small_api(loop, small, Latency::constant(1s));
  HarvesterTarget t(loop, nomad_api, small_api, log);
  subject = &t;
  grow_to(2);
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 10min);
  ASSERT_EQ(small.stopped(), 1);
  ASSERT_TRUE(scale(2).ok());  // fills the capacity again (the pool VM started)
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 10min);
  ASSERT_EQ(small.stopped(), 1);
  // A VM made by hand takes the last place: the pool VM cannot start.
  VirtualMachineSpec other = test_vm("hand-made");
  other.labels.clear();
  ASSERT_TRUE(small.create(other).ok());
  auto r = scale(2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("ErrorUnschedulable"), std::string::npos) << r.error().message;
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(small.stopped(), 0);  // deleted, not left unschedulable
  EXPECT_TRUE(small.get("nomad", "hand-made").ok());
}

// Found by chaos: a start that lands though its answer is lost must be watched as started,
// and a stop whose answer says 404 must still hold its place in the pool.
TEST_F(WarmPoolTest, LostAnswersNeitherLoseAVmNorOverfillThePool) {
  config["warm_pool_size"] = "1";
  grow_to(3);
  FaultRule lost;
  lost.error_rate = 1;
  lost.kind = ErrorKind::kNotFound;
  lost.applied = true;
  auto rule = faults.add_rule("stop_vm", lost);
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 10min);
  faults.remove_rule(rule);
  EXPECT_EQ(stopped(), 1);  // the second drained VM was deleted, not stopped too
  EXPECT_EQ(running(), 1);
  FaultRule timeout;
  timeout.timeout_rate = 1;
  timeout.timeout = 20s;
  timeout.applied = true;
  rule = faults.add_rule("start_vm", timeout);
  auto r = scale(2);
  faults.remove_rule(rule);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(target.actions().back().started_vms, 1u);  // no VM created in its place
  EXPECT_EQ(harvester.size(), 2u);
  EXPECT_EQ(nomad.totals().nodes_ready, 2);
}

TEST_F(WarmPoolTest, DryRunSaysWhatItWouldStart) {
  grow_to(2);
  ASSERT_TRUE(scale(0).ok());
  loop.run_until(loop.now() + 10min);
  auto r = scale(3, 0, 10, true);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->summary.find("would cancel 0 drains, start 2 stopped VMs and create 1 VMs"),
            std::string::npos)
      << r->summary;
  loop.run_until(loop.now() + 5min);
  EXPECT_EQ(stopped(), 2);
}

TEST_F(WarmPoolTest, BadValuesNameTheKey) {
  for (const char* bad : {"-1", "two"}) {
    config["warm_pool_size"] = bad;
    auto st = status();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("warm_pool_size"), std::string::npos);
  }
  config["warm_pool_size"] = "1";
  config["warm_pool_max_age"] = "soon";
  auto st = status();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("warm_pool_max_age"), std::string::npos);
}

}  // namespace
}  // namespace ha::testing
