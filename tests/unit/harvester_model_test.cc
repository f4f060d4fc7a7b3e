#include "backends/memory/harvester_model.h"

#include <gtest/gtest.h>

#include "backends/api/vm_labels.h"
#include "backends/memory/harvester_memory_api.h"
#include "backends/memory/label_selector.h"
#include "backends/memory/nomad_memory_api.h"
#include "engine/harvester/group_config.h"
#include "harvester_test_cluster.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

HarvesterModelConfig fixed_config() {
  HarvesterModelConfig c;
  c.provision = Latency::constant(10s);
  c.boot = Latency::constant(60s);
  c.nomad_join = Latency::constant(15s);
  c.stop = Latency::constant(5s);
  c.terminate = Latency::constant(20s);
  c.max_vms = 3;
  return c;
}

VirtualMachineSpec vm(const std::string& name, const std::string& group = "web") {
  VirtualMachineSpec s = testing::test_vm(name, group);
  s.cpu_cores = 4;
  s.cpu_limit_millis = 4000;
  s.memory_bytes = 8LL << 30;
  return s;
}

struct HarvesterModelTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel nomad{loop};
  HarvesterModel harvester{loop, &nomad, fixed_config()};
  std::vector<VmPhaseEvent> phases;
  void SetUp() override {
    testing::seed_test_cluster(harvester);
    harvester.on_phase = [this](const VmPhaseEvent& e) { phases.push_back(e); };
  }
  std::string phase(const std::string& name) {
    auto v = harvester.get("nomad", name);
    return v ? v->printable_status : "absent";
  }
};

TEST_F(HarvesterModelTest, VmBootsAndJoinsNomad) {
  auto created = harvester.create(vm("web-1"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->printable_status, "WaitingForVolumeBinding");
  EXPECT_EQ(created->uid.size(), 36u);
  loop.run_until(Time(10s));
  EXPECT_EQ(phase("web-1"), "Starting");
  loop.run_until(Time(70s));
  EXPECT_EQ(phase("web-1"), "Running");
  EXPECT_FALSE(nomad.node_id_by_name("web-1"));
  loop.run_until(Time(85s));
  auto id = nomad.node_id_by_name("web-1");
  ASSERT_TRUE(id);
  auto node = nomad.node(*id);
  EXPECT_EQ(node->node_class, "hashistack");  // from the client config its user data wrote
  EXPECT_EQ(node->node_pool, "default");      // Nomad's default: the user data sets none
  EXPECT_EQ(node->cpu_mhz, 8000);
  EXPECT_EQ(node->memory_mb, 8192);
  EXPECT_EQ(node->status, "ready");
  EXPECT_EQ(phases.back().phase, "Joined");
  EXPECT_EQ(phases.back().time, Time(85s));
}

TEST_F(HarvesterModelTest, TheGuestsNomadClientRegistersWithTheConfigItsUserDataWrote) {
  VirtualMachineSpec spec = vm("web-2");
  // What the target's built-in template writes (group_config.cc), for pool "batch" in dc2.
  HarvesterGroupConfig c;
  c.node_group = "web";
  c.node_class = "autoscaler-default-pool";
  c.datacenter = "dc2";
  c.node_pool = "batch";
  c.namespace_ = "nomad";
  spec.user_data = render_user_data(c, "web-2");
  ASSERT_TRUE(harvester.create(spec).ok());
  loop.run_until(Time(85s));
  auto id = nomad.node_id_by_name("web-2");
  ASSERT_TRUE(id);
  auto node = nomad.node(*id);
  EXPECT_EQ(node->node_class, "");  // the default pool's nodes have no class
  EXPECT_EQ(node->datacenter, "dc2");
  EXPECT_EQ(node->node_pool, "batch");
  EXPECT_EQ(node->meta.at("harvester.vm"), "nomad/web-2");
  EXPECT_EQ(node->meta.at("harvester.node_group"), "web");
  // A VM label is not what the guest reads: without a client config it has no class.
  VirtualMachineSpec bare = vm("web-3");
  bare.user_data = "#cloud-config\nruncmd: []\n";
  ASSERT_TRUE(harvester.create(bare).ok());
  loop.run_until(Time(170s));
  auto bare_id = nomad.node_id_by_name("web-3");
  ASSERT_TRUE(bare_id);
  EXPECT_EQ(nomad.node(*bare_id)->node_class, "");
}

TEST_F(HarvesterModelTest, DeleteShutsTheGuestDownThenItsNodeMissesItsHeartbeats) {
  ASSERT_TRUE(harvester.create(vm("web-1")).ok());
  loop.run_until(Time(100s));
  std::string id = *nomad.node_id_by_name("web-1");
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  EXPECT_EQ(phase("web-1"), "Terminating");
  EXPECT_EQ(nomad.node(id)->status, "ready");  // its client runs while the guest shuts down
  loop.run_until(Time(121s));
  EXPECT_EQ(phase("web-1"), "absent");
  EXPECT_EQ(phases.back().phase, "Deleted");
  EXPECT_EQ(nomad.node(id)->status, "ready");  // a heartbeat TTL and grace to go
  loop.run_until(Time(141s));
  EXPECT_EQ(nomad.node(id)->status, "down");
  auto again = harvester.remove("nomad", "web-1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(again.error().message, "virtualmachines.kubevirt.io \"web-1\" not found");
}

TEST_F(HarvesterModelTest, DeletingDuringBootNeverJoins) {
  ASSERT_TRUE(harvester.create(vm("web-1")).ok());
  loop.run_until(Time(30s));
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  loop.run();
  EXPECT_FALSE(nomad.node_id_by_name("web-1"));
  EXPECT_EQ(harvester.size(), 0u);
}

TEST_F(HarvesterModelTest, CapacityExhaustedEndsUnschedulable) {
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(harvester.create(vm(n)).ok());
  auto d = harvester.create(vm("d"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->printable_status, "ErrorUnschedulable");
  loop.run();
  EXPECT_EQ(phase("d"), "ErrorUnschedulable");
  EXPECT_FALSE(nomad.node_id_by_name("d"));
  EXPECT_EQ(nomad.list_nodes({}).size(), 3u);
}

TEST_F(HarvesterModelTest, ConflictsAndInvalidNames) {
  ASSERT_TRUE(harvester.create(vm("web-1")).ok());
  auto dup = harvester.create(vm("web-1"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind, ErrorKind::kConflict);
  auto bad = harvester.create(vm("Web_1"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalid);
}

TEST_F(HarvesterModelTest, StopAndStartRejoin) {
  ASSERT_TRUE(harvester.create(vm("web-1")).ok());
  loop.run_until(Time(100s));
  std::string first = *nomad.node_id_by_name("web-1");
  ASSERT_TRUE(harvester.stop("nomad", "web-1").ok());
  loop.run_until(Time(110s));
  EXPECT_EQ(phase("web-1"), "Stopped");
  loop.run_until(Time(131s));
  EXPECT_EQ(nomad.node(first)->status, "down");  // its heartbeats missed since it stopped
  ASSERT_TRUE(harvester.start("nomad", "web-1").ok());
  loop.run_until(Time(200s));
  EXPECT_EQ(phase("web-1"), "Running");
  auto second = nomad.node_id_by_name("web-1");
  ASSERT_TRUE(second);
  EXPECT_NE(*second, first);
  EXPECT_EQ(nomad.list_nodes({}).size(), 1u);
}

TEST_F(HarvesterModelTest, AStartTakesItsOwnLatencyAndStoppedVmsAreCounted) {
  HarvesterModelConfig c = fixed_config();
  c.start = Latency::constant(20s);  // against 10 s + 60 s for a new VM
  HarvesterModel model(loop, &nomad, c);
  testing::seed_test_cluster(model);
  ASSERT_TRUE(model.create(vm("web-1")).ok());
  loop.run_until(Time(100s));
  ASSERT_TRUE(model.stop("nomad", "web-1").ok());
  EXPECT_EQ(model.stopped(), 0);  // Stopping
  loop.run_until(Time(110s));
  EXPECT_EQ(model.stopped(), 1);
  EXPECT_EQ(model.consuming(), 0);
  ASSERT_TRUE(model.start("nomad", "web-1").ok());
  EXPECT_EQ(model.stopped(), 0);
  loop.run_until(Time(129s));
  EXPECT_EQ(model.get("nomad", "web-1")->printable_status, "Starting");
  loop.run_until(Time(130s));
  EXPECT_EQ(model.get("nomad", "web-1")->printable_status, "Running");
  loop.run_until(Time(145s));
  EXPECT_EQ(nomad.node(*nomad.node_id_by_name("web-1"))->status, "ready");
  ASSERT_TRUE(model.stop("nomad", "web-1").ok());
  loop.run_until(Time(160s));
  ASSERT_TRUE(model.remove("nomad", "web-1").ok());
  EXPECT_EQ(model.stopped(), 0);  // Terminating
}

TEST_F(HarvesterModelTest, ListFiltersByNamespaceAndLabels) {
  ASSERT_TRUE(harvester.create(vm("web-1", "web")).ok());
  ASSERT_TRUE(harvester.create(vm("batch-1", "batch")).ok());
  auto other = vm("web-2");
  other.namespace_ = "elsewhere";
  harvester.add_namespace("elsewhere");
  ASSERT_TRUE(harvester.create(other).ok());
  auto web = harvester.list("nomad", std::string(vm_labels::kNodeGroup) + "=web");
  ASSERT_TRUE(web.ok());
  ASSERT_EQ(web->size(), 1u);
  EXPECT_EQ((*web)[0]->spec.name, "web-1");
  EXPECT_EQ(harvester.list("nomad", "")->size(), 2u);
  EXPECT_FALSE(harvester.list("nomad", "a in (b)").ok());
}

TEST_F(HarvesterModelTest, ListedVmsAreSnapshotsTheModelDoesNotChange) {
  ASSERT_TRUE(harvester.create(vm("web-1", "web")).ok());
  auto before = harvester.list("nomad", "");
  ASSERT_EQ(before->at(0)->printable_status, "WaitingForVolumeBinding");
  loop.run_until(loop.now() + std::chrono::minutes(10));
  EXPECT_EQ(before->at(0)->printable_status, "WaitingForVolumeBinding");  // copied on write
  EXPECT_EQ(harvester.list("nomad", "")->at(0)->printable_status, "Running");
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  loop.run();
  EXPECT_EQ(before->at(0)->spec.name, "web-1");  // still readable after deletion
  EXPECT_EQ(harvester.size(), 0u);
}

// Lists are cached between changes (the simulator lists the same group at every evaluation);
// every kind of change shows in the next list.
TEST_F(HarvesterModelTest, RepeatedListsSeeEveryChange) {
  const std::string web = std::string(vm_labels::kNodeGroup) + "=web";
  auto names = [&] {
    std::vector<std::string> out;
    auto listed = harvester.list("nomad", web);  // (a range-for over *temporary would dangle)
    for (const auto& v : *listed) {
      out.push_back(v->spec.name + ":" + v->printable_status);
    }
    return out;
  };
  ASSERT_TRUE(harvester.create(vm("web-1")).ok());
  EXPECT_EQ(names(), std::vector<std::string>{"web-1:WaitingForVolumeBinding"});
  EXPECT_EQ(names(),
            std::vector<std::string>{"web-1:WaitingForVolumeBinding"});  // the cached answer
  ASSERT_TRUE(harvester.create(vm("web-2")).ok());
  loop.run_until(Time(10s));  // both Starting
  EXPECT_EQ(names(), (std::vector<std::string>{"web-1:Starting", "web-2:Starting"}));
  ASSERT_TRUE(harvester.set_metadata("nomad", "web-2", {{vm_labels::kNodeGroup, "db"}}, {}).ok());
  EXPECT_EQ(names(), std::vector<std::string>{"web-1:Starting"});
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  EXPECT_EQ(names(), std::vector<std::string>{"web-1:Terminating"});
  loop.run_until(Time(60s));  // gone
  EXPECT_TRUE(names().empty());
  EXPECT_EQ(harvester.list("nomad", std::string(vm_labels::kNodeGroup) + "=db")->size(), 1u);
}

TEST_F(HarvesterModelTest, CapacityIsFreedWhenATerminatingVmIsGone) {
  HarvesterModelConfig config;
  config.max_vms = 1;
  HarvesterModel small(loop, &nomad, config, 3);
  testing::seed_test_cluster(small);
  ASSERT_TRUE(small.create(vm("a-1", "a")).ok());
  EXPECT_EQ(small.consuming(), 1);
  EXPECT_EQ(small.create(vm("a-2", "a"))->printable_status, "ErrorUnschedulable");
  ASSERT_TRUE(small.remove("nomad", "a-1").ok());
  EXPECT_EQ(small.create(vm("a-3", "a"))->printable_status, "ErrorUnschedulable");  // terminating
  loop.run();
  // The scheduler retries pending VMs once capacity frees: the older one runs, the other
  // waits; and KubeVirt's start refuses a VM whose VMI exists.
  EXPECT_EQ(small.get("nomad", "a-2")->printable_status, "Running");
  EXPECT_EQ(small.get("nomad", "a-3")->printable_status, "ErrorUnschedulable");
  EXPECT_EQ(small.consuming(), 1);
  EXPECT_EQ(small.start("nomad", "a-3").error().kind, ErrorKind::kConflict);
}

TEST(LabelSelector, Operators) {
  std::map<std::string, std::string> labels{{"a", "1"}, {"b", "2"}};
  auto match = [&](const std::string& s) { return LabelSelector::parse(s)->matches(labels); };
  EXPECT_TRUE(match(""));
  EXPECT_TRUE(match("a=1"));
  EXPECT_TRUE(match("a==1, b=2"));
  EXPECT_FALSE(match("a=2"));
  EXPECT_TRUE(match("a!=2"));
  EXPECT_FALSE(match("b!=2"));
  EXPECT_TRUE(match("a"));
  EXPECT_FALSE(match("c"));
  EXPECT_TRUE(match("!c"));
  EXPECT_FALSE(match("!a"));
  EXPECT_FALSE(LabelSelector::parse("a=1,,b=2").ok());
  EXPECT_FALSE(LabelSelector::parse("=1").ok());
}

TEST(MemoryApis, CompleteAfterLatencyAndInjectFaults) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  HarvesterModel harvester(loop, &nomad, fixed_config());
  testing::seed_test_cluster(harvester);
  FaultInjector faults;
  HarvesterMemoryApi api(loop, harvester, Latency::constant(1s), &faults);
  NomadMemoryApi nomad_api(loop, nomad, Latency::constant(200ms), &faults);

  std::optional<Result<VirtualMachine>> created;
  api.create_vm(vm("web-1"), [&](Result<VirtualMachine> r) { created = std::move(r); });
  EXPECT_FALSE(created);            // never completes inside the call
  EXPECT_EQ(harvester.size(), 0u);  // applied only when the call completes
  loop.run_until(Time(1s));
  ASSERT_TRUE(created && created->ok());
  EXPECT_EQ(harvester.size(), 1u);

  faults.fail_next("create_vm", 1, "server unavailable");
  std::optional<Result<VirtualMachine>> failed;
  api.create_vm(vm("web-2"), [&](Result<VirtualMachine> r) { failed = std::move(r); });
  loop.run_until(Time(2s));
  ASSERT_TRUE(failed);
  ASSERT_FALSE(failed->ok());
  EXPECT_EQ(failed->error().message, "create_vm: server unavailable");
  EXPECT_EQ(harvester.size(), 1u);  // a failed call changes nothing

  faults.set_rule("list_nodes", FaultRule{0, 1.0, 30s, ""});
  std::optional<Time> timed_out_at;
  nomad_api.list_nodes({}, [&](Result<NodeList> r) {
    EXPECT_EQ(r.error().kind, ErrorKind::kTimeout);
    timed_out_at = loop.now();
  });
  loop.run_until(Time(60s));
  EXPECT_EQ(timed_out_at, Time(32s));
}

}  // namespace
}  // namespace ha
