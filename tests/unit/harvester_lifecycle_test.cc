// The Harvester model's running VMs as KubeVirt keeps them: start and stop for each run
// strategy, live migration (Migrating, the guest and its Nomad node untouched), pause, a
// failed guest restarted, and host maintenance (what may live-migrate migrates, two at a
// time; the rest is evicted and restarted elsewhere).
#include <gtest/gtest.h>

#include "backends/memory/harvester_model.h"
#include "harvester_test_cluster.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using testing::test_vm;

struct HarvesterLifecycleTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel nomad{loop};
  HarvesterModel harvester{loop, &nomad, [] {
                             HarvesterModelConfig c;
                             c.provision = Latency::constant(10s);
                             c.boot = Latency::constant(60s);
                             c.start = Latency::constant(30s);
                             c.nomad_join = Latency::constant(15s);
                             c.stop = Latency::constant(10s);
                             c.migrate = Latency::constant(40s);
                             c.host_reboot = Latency::constant(5min);
                             c.hosts = 3;
                             return c;
                           }()};
  void SetUp() override { testing::seed_test_cluster(harvester); }
  std::string phase(const std::string& name) {
    auto v = harvester.get("nomad", name);
    return v ? v->printable_status : "absent";
  }
  std::string node_status(const std::string& name) {
    auto id = nomad.node_id_by_name(name);
    return id ? nomad.node(*id)->status : "none";
  }
  void running(const std::string& name, const std::string& eviction = "LiveMigrateIfPossible") {
    VirtualMachineSpec s = test_vm(name);
    s.eviction_strategy = eviction;
    ASSERT_TRUE(harvester.create(s).ok());
    loop.run_until(loop.now() + 90s);
    ASSERT_EQ(node_status(name), "ready");
  }
};

TEST_F(HarvesterLifecycleTest, StartAndStopFollowTheRunStrategy) {
  running("web-1");  // RerunOnFailure
  EXPECT_EQ(harvester.start("nomad", "web-1").error().message,
            "Operation cannot be fulfilled on virtualmachine.kubevirt.io \"web-1\": VM is already "
            "running");
  ASSERT_TRUE(harvester.stop("nomad", "web-1").ok());
  loop.run_until(loop.now() + 20s);
  EXPECT_EQ(phase("web-1"), "Stopped");
  EXPECT_EQ(harvester.get("nomad", "web-1")->spec.run_strategy, "RerunOnFailure");  // a request
  EXPECT_NE(harvester.stop("nomad", "web-1").error().message.find("VM is not running"),
            std::string::npos);
  ASSERT_TRUE(harvester.start("nomad", "web-1").ok());
  loop.run_until(loop.now() + 60s);
  EXPECT_EQ(node_status("web-1"), "ready");

  VirtualMachineSpec always = test_vm("web-2");
  always.run_strategy = "Always";
  ASSERT_TRUE(harvester.create(always).ok());
  EXPECT_NE(harvester.start("nomad", "web-2")
                .error()
                .message.find("Always does not support manual start requests"),
            std::string::npos);
  ASSERT_TRUE(harvester.stop("nomad", "web-2").ok());
  EXPECT_EQ(harvester.get("nomad", "web-2")->spec.run_strategy, "Halted");
  EXPECT_EQ(phase("web-2"), "Stopped");  // nothing ran yet: stopped at once
  ASSERT_TRUE(harvester.start("nomad", "web-2").ok());
  EXPECT_EQ(harvester.get("nomad", "web-2")->spec.run_strategy, "Always");
}

TEST_F(HarvesterLifecycleTest, ALiveMigrationKeepsTheGuestAndItsNode) {
  running("web-1");
  auto before = harvester.get("nomad", "web-1");
  auto host = harvester.host_of("nomad", "web-1");
  ASSERT_TRUE(harvester.migrate("nomad", "web-1").ok());
  EXPECT_EQ(phase("web-1"), "Migrating");
  // KubeVirt keeps the VMI's Ready condition through the migration: no new transition.
  EXPECT_EQ(harvester.get("nomad", "web-1")->ready_changed, before->ready_changed);
  loop.run_until(loop.now() + 20s);
  EXPECT_EQ(node_status("web-1"), "ready");
  loop.run_until(loop.now() + 30s);
  EXPECT_EQ(phase("web-1"), "Running");
  EXPECT_NE(harvester.host_of("nomad", "web-1"), host);
  EXPECT_EQ(node_status("web-1"), "ready");
  EXPECT_EQ(nomad.list_nodes({}).size(), 1u);
}

TEST_F(HarvesterLifecycleTest, APausedGuestsNodeGoesDownAndComesBack) {
  running("web-1");
  std::string id = *nomad.node_id_by_name("web-1");
  ASSERT_TRUE(harvester.pause("nomad", "web-1").ok());
  EXPECT_EQ(phase("web-1"), "Paused");
  EXPECT_EQ(harvester.pause("nomad", "web-1").error().kind, ErrorKind::kConflict);
  loop.run_until(loop.now() + 30s);
  EXPECT_EQ(nomad.node(id)->status, "down");  // missed heartbeats
  ASSERT_TRUE(harvester.unpause("nomad", "web-1").ok());
  EXPECT_EQ(phase("web-1"), "Running");
  EXPECT_EQ(nomad.node(id)->status, "ready");
  EXPECT_EQ(*nomad.node_id_by_name("web-1"), id);
}

TEST_F(HarvesterLifecycleTest, AFailedGuestIsRestartedByItsRunStrategy) {
  running("web-1");
  std::string id = *nomad.node_id_by_name("web-1");
  Time ready_before = *harvester.get("nomad", "web-1")->ready_changed;
  ASSERT_TRUE(harvester.fail_guest("nomad", "web-1").ok());
  EXPECT_EQ(phase("web-1"), "Starting");
  EXPECT_GT(*harvester.get("nomad", "web-1")->ready_changed, ready_before);
  loop.run_until(loop.now() + 21s);  // its heartbeats missed
  EXPECT_EQ(nomad.node(id)->status, "down");
  loop.run_until(loop.now() + 30s);
  EXPECT_EQ(phase("web-1"), "Running");
  EXPECT_EQ(nomad.node(id)->status, "ready");  // the same node, back

  VirtualMachineSpec manual = test_vm("web-2");
  manual.run_strategy = "Manual";
  ASSERT_TRUE(harvester.create(manual).ok());
  EXPECT_EQ(phase("web-2"), "Stopped");  // Manual waits for a start request
}

TEST_F(HarvesterLifecycleTest, HostMaintenanceMigratesWhatMayMoveAndEvictsTheRest) {
  for (const char* name : {"web-1", "web-2", "web-3", "web-4", "web-5", "web-6"}) running(name);
  running("pinned", "");  // no eviction strategy: the cluster's None
  auto on_host0 = [&] {
    std::vector<std::string> out;
    for (const char* name : {"web-1", "web-2", "web-3", "web-4", "web-5", "web-6", "pinned"}) {
      if (harvester.host_of("nomad", name) == 0) out.push_back(name);
    }
    return out;
  };
  std::vector<std::string> before = on_host0();
  ASSERT_GE(before.size(), 2u);
  bool done = false;
  ASSERT_TRUE(harvester.maintain_host(0, [&] { done = true; }).ok());
  int migrating = 0;
  for (const std::string& name : before) migrating += phase(name) == "Migrating" ? 1 : 0;
  EXPECT_LE(migrating, 2);  // parallelOutboundMigrationsPerNode
  EXPECT_GE(migrating, 1);
  loop.run_until(loop.now() + 10min);
  EXPECT_TRUE(on_host0().empty());
  for (const std::string& name : before) {
    EXPECT_EQ(phase(name), "Running") << name;
    if (name != "pinned") {
      EXPECT_EQ(node_status(name), "ready") << name;
    }
  }
  loop.run_until(loop.now() + 10min);
  EXPECT_TRUE(done);  // rebooted and back
}

TEST_F(HarvesterLifecycleTest, WithoutAnEvictionStrategyMaintenanceRebootsTheGuest) {
  running("pinned", "");
  int host = *harvester.host_of("nomad", "pinned");
  std::string id = *nomad.node_id_by_name("pinned");
  ASSERT_TRUE(harvester.maintain_host(host).ok());
  EXPECT_EQ(phase("pinned"), "Starting");  // evicted, started elsewhere
  loop.run_until(loop.now() + 21s);        // its client's heartbeats missed meanwhile
  EXPECT_EQ(nomad.node(id)->status, "down");
  EXPECT_NE(harvester.host_of("nomad", "pinned"), host);
}

}  // namespace
}  // namespace ha
