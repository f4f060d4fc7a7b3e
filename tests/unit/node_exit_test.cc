// The Harvester target's last steps for a drained node, against Nomad's order of things: a
// drain completes once the non-system allocations have stopped on their client; the system
// ones are stopped after that, each allocation taking its kill_timeout; a node purged while
// its client still runs comes back. The VM must be deleted only once its node is empty, and
// the node purged only once the VM is gone.
#include "tests/unit/harvester_target_fixture.h"

namespace ha {
namespace {

using testing::HarvesterTargetTest;
using namespace std::chrono_literals;

struct NodeExitTest : HarvesterTargetTest {
  struct Deletion {
    Time at{0};
    std::vector<NomadAllocationStub> allocations;  // on its node when it was deleted
  };
  std::map<std::string, Deletion> deletions;   // by VM
  std::map<std::string, std::string> node_of;  // VM -> node ID

  // A group of two nodes: the older one runs a service that takes 30 s to stop, both run a
  // system job that takes 20 s; a scale-in to 1 takes the older one.
  void SetUp() override {
    config["node_selector_strategy"] = "oldest_create_index";
    config["node_purge"] = "true";
    grow_to(1);
    NomadTaskGroupSpec slow{"g", 1, 500, 256, std::nullopt, 30s};
    ASSERT_TRUE(nomad.register_job({"slow", "service", {slow}}).ok());
    NomadTaskGroupSpec logs{"ship", 1, 100, 64, std::nullopt, 20s};
    ASSERT_TRUE(nomad.register_job({"logs", "system", {logs}}).ok());
    grow_to(2);
    for (const std::string& vm : vm_names()) node_of[vm] = *nomad.node_id_by_name(vm);
    harvester.on_change = [this](const VmChangeEvent& e) {
      if (e.change != "delete") return;
      deletions[e.name] = {loop.now(), nomad.node_allocations(node_of[e.name])};
    };
  }
  std::string oldest() {
    std::string out;
    std::uint64_t lowest = UINT64_MAX;
    for (const auto& [vm, id] : node_of) {
      if (nomad.node(id)->create_index < lowest) lowest = nomad.node(id)->create_index, out = vm;
    }
    return out;
  }
};

TEST_F(NodeExitTest, TheVmIsDeletedOnceItsNodeIsEmptyAndTheNodePurgedOnceTheVmIsGone) {
  std::string leaving = oldest();
  std::string node = node_of[leaving];
  ASSERT_EQ(nomad.node_allocations(node).size(), 2u);  // the service and the system job
  auto r = scale(1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  Time asked = loop.now();
  loop.run_until(loop.now() + 5min);
  ASSERT_TRUE(deletions.count(leaving));
  const Deletion& d = deletions[leaving];
  EXPECT_TRUE(d.allocations.empty()) << d.allocations.size() << " allocations still on the node, "
                                     << "first " << d.allocations[0].job_id;
  const ScaleActionRecord& a = target.actions().back();
  ASSERT_TRUE(a.all_drained);
  // The drain completed after the service's 30 s; the system job then took its 20 s.
  EXPECT_GE(*a.all_drained - asked, 30s);
  EXPECT_GE(d.at - *a.all_drained, 20s - 5s) << "deleted before the system job stopped";
  EXPECT_FALSE(harvester.get("nomad", leaving).ok());
  EXPECT_FALSE(nomad.node(node).ok()) << "purged";
  EXPECT_EQ(nomad.reregistered_after_purge(), 0) << "purged while its client still ran";
  EXPECT_EQ(nomad.job_scale_status("slow")->task_groups.at("g").running, 1);  // moved
}

TEST_F(NodeExitTest, SystemJobsLeftRunningByTheDrainDoNotHoldTheVm) {
  config["node_drain_ignore_system_jobs"] = "true";
  std::string leaving = oldest();
  auto r = scale(1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  loop.run_until(loop.now() + 5min);
  ASSERT_TRUE(deletions.count(leaving));
  const Deletion& d = deletions[leaving];
  ASSERT_EQ(d.allocations.size(), 1u);
  EXPECT_EQ(d.allocations[0].job_type, "system");  // left running, as asked
  EXPECT_EQ(d.allocations[0].desired_status, "run");
  EXPECT_LT(d.at - *target.actions().back().all_drained, 20s);
}

TEST_F(NodeExitTest, APurgedNodeWhoseClientStillRunsRegistersAgain) {
  // What purging at the VM DELETE would do: the guest still shuts down, its client beats.
  std::string leaving = oldest();
  std::string node = node_of[leaving];
  ASSERT_TRUE(nomad.drain_node(node, NomadDrainSpec{5min, false}, false).ok());
  loop.run_until(loop.now() + 1min);
  ASSERT_EQ(nomad.node(node)->last_drain_status, "complete");
  ASSERT_TRUE(harvester.remove("nomad", leaving).ok());
  ASSERT_TRUE(nomad.purge_node(node).ok());
  EXPECT_FALSE(nomad.node(node).ok());
  loop.run_until(loop.now() + NomadModel::kHeartbeatInterval);
  ASSERT_TRUE(nomad.node(node).ok()) << "back at its next heartbeat, with the same ID";
  EXPECT_EQ(nomad.node(node)->status, "ready");
  EXPECT_EQ(nomad.node(node)->scheduling_eligibility, "ineligible");  // as its client knew it
  EXPECT_EQ(nomad.reregistered_after_purge(), 1);
  // Once the guest is off, its heartbeats stop: down, and left for the garbage collector.
  loop.run_until(loop.now() + 1min);
  EXPECT_EQ(nomad.node(node)->status, "down");
}

}  // namespace
}  // namespace ha
