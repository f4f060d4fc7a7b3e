// The simulator's invariant checker fires when a promise is broken on purpose, and stays
// quiet when the same steps are done properly.
#include "sim/invariants.h"

#include <gtest/gtest.h>

#include "backends/api/vm_labels.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

struct InvariantsTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel nomad{loop};
  HarvesterModel harvester{loop, &nomad, config()};
  InvariantChecker checker{loop, harvester, nomad, {"nomad", "web", 1, 3, 1}};  // pool of 1

  static HarvesterModelConfig config() {
    HarvesterModelConfig c;
    c.cpu_mhz_per_core = 4000;
    return c;
  }
  void SetUp() override {
    harvester.on_phase = [this](const VmPhaseEvent& e) { checker.on_phase(e); };
    harvester.on_change = [this](const VmChangeEvent& e) { checker.on_vm_change(e); };
    nomad.on_node_change = [this](const std::string& node, const char* change) {
      checker.on_node_change(node, change);
    };
  }
  void vm(const std::string& name, const std::string& group = "web") {
    VirtualMachineSpec s;
    s.name = name;
    s.namespace_ = "nomad";
    if (!group.empty()) s.labels = {{vm_labels::kNodeGroup, group}};
    s.cpu_cores = 1;
    s.memory_bytes = 4LL << 30;
    ASSERT_TRUE(harvester.create_running(s).ok());
  }
  std::string first() const { return checker.examples().at(0)["what"].get<std::string>(); }
};

TEST_F(InvariantsTest, DeletingAVmThatStillRunsWorkFires) {
  vm("web-1");
  vm("web-2");
  ASSERT_TRUE(nomad.register_job({"etl", "batch", {{"g", 1, 1000, 512, 1h}}}).ok());
  loop.run_until(loop.now() + 1s);
  std::string busy =
      nomad.node_allocations(*nomad.node_id_by_name("web-1")).empty() ? "web-2" : "web-1";
  ASSERT_TRUE(harvester.remove("nomad", busy).ok());  // no drain first
  ASSERT_EQ(checker.violations(), 2);
  EXPECT_EQ(first(), "VM " + busy + " deleted, its node ready, without a completed drain");
  EXPECT_NE(checker.examples().at(1)["what"].get<std::string>().find(
                "VM " + busy + " deleted with 1 allocations running on it, first "),
            std::string::npos);
}

// A VM whose node was ready a moment ago (a guest KubeVirt restarts, a paused one) is not
// stuck: deleting it without a completed drain breaks a promise; so does deleting a VM that
// is live-migrating.
TEST_F(InvariantsTest, DeletingAVmWhoseNodeWasReadyLatelyOrThatMovesFires) {
  InvariantChecker fresh{loop, harvester, nomad, {"nomad", "web", 0, 10, 0}};
  harvester.on_change = [&](const VmChangeEvent& e) { fresh.on_vm_change(e); };
  nomad.on_node_status = [&](const std::string& n, const std::string& s) {
    fresh.on_node_status(n, s);
  };
  vm("web-1");
  vm("web-2");
  vm("web-3");
  ASSERT_TRUE(harvester.pause("nomad", "web-1").ok());
  loop.run_until(loop.now() + 5min);  // its node went down after a few seconds
  ASSERT_EQ(nomad.node(*nomad.node_id_by_name("web-1"))->status, "down");
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  ASSERT_EQ(fresh.violations(), 1);
  EXPECT_NE(
      fresh.examples().at(0)["what"].get<std::string>().find("VM web-1 deleted, its node ready 4m"),
      std::string::npos);
  ASSERT_TRUE(harvester.migrate("nomad", "web-2").ok());
  ASSERT_TRUE(harvester.remove("nomad", "web-2").ok());
  EXPECT_EQ(fresh.deleted_while_migrating(), 1);
  // Drained first: no promise broken.
  std::string id = *nomad.node_id_by_name("web-3");
  ASSERT_TRUE(nomad.drain_node(id, NomadDrainSpec{1min, false, {}}, false).ok());
  loop.run_until(loop.now() + 2min);
  std::int64_t before = fresh.violations();
  ASSERT_TRUE(harvester.remove("nomad", "web-3").ok());
  EXPECT_EQ(fresh.violations(), before);
}

TEST_F(InvariantsTest, DrainingFirstKeepsItQuiet) {
  vm("web-1");
  vm("web-2");
  ASSERT_TRUE(nomad.register_job({"etl", "batch", {{"g", 1, 1000, 512, 1h}}}).ok());
  loop.run_until(loop.now() + 1s);
  std::string id = *nomad.node_id_by_name("web-1");
  ASSERT_TRUE(nomad.drain_node(id, NomadDrainSpec{1min, false}, false).ok());
  loop.run_until(loop.now() + 2min);
  ASSERT_TRUE(nomad.node_allocations(id).empty());
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  loop.run();
  EXPECT_EQ(checker.violations(), 0);
  EXPECT_EQ(checker.active(), 1);
}

TEST_F(InvariantsTest, DeletingAVmWithoutTheOwnershipLabelFires) {
  vm("hand-made", "");
  vm("other-group", "db");
  ASSERT_TRUE(harvester.remove("nomad", "hand-made").ok());
  ASSERT_TRUE(harvester.remove("nomad", "other-group").ok());
  EXPECT_EQ(checker.violations(), 2);
  EXPECT_EQ(first(), "VM hand-made without the group's ownership label changed (delete)");
  EXPECT_EQ(checker.active(), 0);  // neither counted in the group
}

TEST_F(InvariantsTest, ChangingAnUnownedVmOrDrainingItsNodeFires) {
  vm("web-1");
  vm("web-2");  // stopping web-1 keeps the group at its min
  vm("hand-made", "");
  std::string mine = *nomad.node_id_by_name("web-1");
  std::string theirs = *nomad.node_id_by_name("hand-made");
  // Everything done to our own VM and node is allowed.
  ASSERT_TRUE(nomad.drain_node(mine, NomadDrainSpec{1min, false}, false).ok());
  ASSERT_TRUE(nomad.drain_node(mine, std::nullopt, true).ok());
  ASSERT_TRUE(harvester.stop("nomad", "web-1").ok());
  loop.run_until(loop.now() + 5min);
  ASSERT_TRUE(harvester.start("nomad", "web-1").ok());
  EXPECT_EQ(checker.violations(), 0);

  ASSERT_TRUE(nomad.set_eligibility(theirs, false).ok());
  ASSERT_TRUE(nomad.drain_node(theirs, NomadDrainSpec{1min, false}, false).ok());
  ASSERT_TRUE(harvester.stop("nomad", "hand-made").ok());
  loop.run_until(loop.now() + 5min);
  ASSERT_TRUE(harvester.start("nomad", "hand-made").ok());
  ASSERT_TRUE(harvester.set_metadata("nomad", "hand-made", {{vm_labels::kNodeGroup, "web"}}, {})
                  .ok());  // adopting it is a change too
  EXPECT_EQ(checker.violations(), 5);
  EXPECT_EQ(
      first(),
      "Nomad node hand-made of a VM without the group's ownership label changed (ineligible)");
  EXPECT_EQ(checker.examples().at(4)["what"],
            "VM hand-made without the group's ownership label changed (metadata)");
}

TEST_F(InvariantsTest, GoingAboveMaxFires) {
  for (const char* name : {"web-1", "web-2", "web-3"}) vm(name);
  EXPECT_EQ(checker.violations(), 0);
  vm("web-4");
  EXPECT_EQ(checker.violations(), 1);
  EXPECT_EQ(first(), "node group has 4 VMs, above max 3");
}

TEST_F(InvariantsTest, TheWarmPoolIsCountedApartAndWithinItsSize) {
  for (const char* name : {"web-1", "web-2", "web-3"}) vm(name);
  ASSERT_TRUE(harvester.stop("nomad", "web-3").ok());
  loop.run_until(loop.now() + 1min);
  vm("web-4");  // three run again: at max, not above it
  EXPECT_EQ(checker.violations(), 0);
  EXPECT_EQ(checker.active(), 3);
  ASSERT_TRUE(harvester.stop("nomad", "web-4").ok());
  loop.run_until(loop.now() + 1min);
  ASSERT_EQ(checker.violations(), 1);
  EXPECT_EQ(first(), "node group has 2 stopped VMs, above warm_pool_size 1");
  ASSERT_TRUE(harvester.start("nomad", "web-4").ok());
  ASSERT_TRUE(harvester.start("nomad", "web-3").ok());  // the fourth running VM
  EXPECT_EQ(checker.violations(), 2);
  EXPECT_EQ(checker.examples().at(1)["what"], "node group has 4 VMs, above max 3");
}

TEST_F(InvariantsTest, StoppingAVmThatStillRunsWorkFires) {
  vm("web-1");
  vm("web-2");
  ASSERT_TRUE(nomad.register_job({"etl", "batch", {{"g", 1, 1000, 512, 1h}}}).ok());
  loop.run_until(loop.now() + 1s);
  std::string busy =
      nomad.node_allocations(*nomad.node_id_by_name("web-1")).empty() ? "web-2" : "web-1";
  ASSERT_TRUE(harvester.stop("nomad", busy).ok());  // no drain first
  EXPECT_EQ(checker.violations(), 1);
  EXPECT_NE(first().find("VM " + busy + " stopped with 1 allocations running on it"),
            std::string::npos);
  EXPECT_EQ(checker.allocations_killed(), 1);
}

// Nomad completes a drain before it stops the node's system allocations, and every stop
// takes its kill_timeout: a VM deleted at "complete" kills them, unless the drain leaves
// system jobs running.
TEST_F(InvariantsTest, DeletingAtDrainCompleteKillsSystemWorkStillStopping) {
  InvariantChecker::Limits stops_system{"nomad", "web", 0, 10, 0};
  stops_system.drain_ignores_system_jobs = false;
  InvariantChecker strict{loop, harvester, nomad, stops_system};
  harvester.on_phase = [&](const VmPhaseEvent& e) {
    checker.on_phase(e);
    strict.on_phase(e);
  };
  vm("web-1");
  vm("web-2");
  NomadTaskGroupSpec agent{"agent", 1, 100, 64, std::nullopt, 20s};
  ASSERT_TRUE(nomad.register_job({"logs", "system", {agent}}).ok());
  std::string node = *nomad.node_id_by_name("web-1");
  ASSERT_TRUE(nomad.drain_node(node, NomadDrainSpec{5min, false}, false).ok());
  ASSERT_EQ(nomad.node(node)->last_drain_status, "complete");  // nothing but system work
  ASSERT_EQ(nomad.node_allocations(node).size(), 1u);          // stopping for 20 s
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  EXPECT_EQ(strict.violations(), 1);
  EXPECT_EQ(strict.allocations_killed(), 1);
  EXPECT_NE(strict.examples().at(0)["what"].get<std::string>().find("(stopping)"),
            std::string::npos);
  EXPECT_EQ(checker.violations(), 0);  // a drain that ignores system jobs leaves them be
}

TEST_F(InvariantsTest, AStoppedVmIsALeakOnlyWithoutAWarmPool) {
  InvariantChecker no_pool{loop, harvester, nomad, {"nomad", "web", 1, 3, 0}};
  harvester.on_phase = [&](const VmPhaseEvent& e) {
    checker.on_phase(e);
    no_pool.on_phase(e);
  };
  vm("web-1");
  vm("web-2");
  ASSERT_TRUE(harvester.stop("nomad", "web-2").ok());
  checker.watch_leaks(10min, 1min, loop.now() + 1h);
  no_pool.watch_leaks(10min, 1min, loop.now() + 1h);
  loop.run_until(loop.now() + 1h);
  EXPECT_EQ(checker.violations(), 0);
  ASSERT_EQ(no_pool.violations(), 2);  // beyond a pool of 0, and out of service
  EXPECT_EQ(no_pool.examples().at(1)["what"], "VM web-2 out of service for 11m0s (Stopped)");
}

TEST_F(InvariantsTest, DeletingTheLastRunningVmBelowMinFires) {
  vm("web-1");
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  ASSERT_EQ(checker.violations(), 2);  // and its node was ready, not drained
  EXPECT_EQ(checker.examples().at(1)["what"], "deleting running VM web-1 left 0 VMs, below min 1");
  EXPECT_EQ(checker.examples().at(1)["time_s"].get<double>(), 0.0);
}

}  // namespace
}  // namespace ha
