// The Harvester target: status, scale-out, limits, ownership, dry-run, configuration.
#include "tests/unit/harvester_target_fixture.h"

namespace ha {
namespace {

using testing::HarvesterTargetTest;
using namespace std::chrono_literals;

TEST_F(HarvesterTargetTest, ScaleOutCreatesInParallelAndCompletesWhenJoined) {
  auto r = scale(3);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(harvester.size(), 3u);
  EXPECT_EQ(nomad.list_nodes({"hashistack", "", ""}).size(), 3u);
  ASSERT_EQ(target.actions().size(), 1u);
  const ScaleActionRecord& a = target.actions()[0];
  EXPECT_EQ(a.direction, Direction::kUp);
  ASSERT_TRUE(a.all_running && a.all_ready);
  // One create (1 s API) + provision 10 s + boot 60 s + join 15 s, not three of them;
  // observed at the next 5 s poll.
  Duration to_ready = *a.all_ready - a.decided;
  EXPECT_GE(to_ready, 86s);
  EXPECT_LE(to_ready, 95s);
  auto s = status();
  EXPECT_TRUE(s->ready);
  EXPECT_EQ(s->count, 3);
  EXPECT_TRUE(s->meta.count(kTargetMetaLastEvent));
  // VMs carry the ownership label, the class and the cloud-init that joins Nomad.
  const VirtualMachine& vm = *harvester.list("nomad", "")->front();
  EXPECT_EQ(vm.spec.labels.at(vm_labels::kNodeGroup), "web");
  EXPECT_NE(vm.spec.user_data.find("node_class = \"hashistack\""), std::string::npos);
  EXPECT_EQ(vm.spec.memory_bytes, 8LL << 30);
}

TEST_F(HarvesterTargetTest, StatusIsNotReadyWhileBooting) {
  std::optional<Result<ScaleResult>> out;
  start_scale(2, 0, 10, false, out);
  loop.run_until(Time(30s));
  auto s = status();
  EXPECT_EQ(s->count, 2);
  EXPECT_FALSE(s->ready);
}

TEST_F(HarvesterTargetTest, RepeatedScaleToSameCountDoesNothing) {
  grow_to(2);
  auto r = scale(2);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->no_op);
  EXPECT_EQ(target.actions().size(), 1u);
}

TEST_F(HarvesterTargetTest, NeverBelowMinNorAboveMax) {
  auto r = scale(8, 0, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(harvester.size(), 3u);
  r = scale(0, 2, 3);
  ASSERT_TRUE(r.ok());
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(harvester.size(), 2u);
}

TEST_F(HarvesterTargetTest, OverlappingScaleOutsCountCreationsInFlight) {
  std::optional<Result<ScaleResult>> first, second;
  start_scale(3, 0, 4, false, first);
  loop.run_until(Time(500ms));  // the create calls are still in flight
  start_scale(6, 0, 4, false, second);
  loop.run();
  ASSERT_TRUE(first && first->ok());
  ASSERT_TRUE(second && second->ok()) << second->error().message;
  EXPECT_EQ(harvester.size(), 4u);
}

TEST_F(HarvesterTargetTest, VmsWithoutOwnershipAreNeverTouched) {
  VirtualMachineSpec foreign = testing::test_vm("hand-made");
  foreign.labels = {{vm_labels::kNodeClass, "hashistack"}};
  foreign.cpu_cores = 4;
  foreign.memory_bytes = 8LL << 30;
  ASSERT_TRUE(harvester.create(foreign).ok());
  grow_to(2);
  EXPECT_EQ(status()->count, 2);  // the foreign VM is not counted
  ASSERT_TRUE(scale(0).ok());
  loop.run_until(loop.now() + 5min);
  EXPECT_EQ(vm_names(), std::vector<std::string>{"hand-made"});
  auto node = nomad.node(*nomad.node_id_by_name("hand-made"));
  EXPECT_EQ(node->scheduling_eligibility, "eligible");  // never drained
}

TEST_F(HarvesterTargetTest, DryRunChangesNothing) {
  auto r = scale(3, 0, 10, true);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->summary.find("dry-run: would cancel 0 drains, start 0 stopped VMs and create 3 VMs"),
            std::string::npos);
  EXPECT_EQ(harvester.size(), 0u);
  grow_to(2);
  r = scale(0, 0, 10, true);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->summary.find("would drain (deadline 5m0s) and delete"), std::string::npos);
  loop.run_until(loop.now() + 10min);
  EXPECT_EQ(harvester.size(), 2u);
  EXPECT_EQ(nomad.totals().nodes_ready, 2);
}

TEST_F(HarvesterTargetTest, CapacityExhaustedIsReportedAndCleanedUp) {
  harvester_config.max_vms = 2;
  HarvesterModel small(loop, &nomad, harvester_config);
  testing::seed_test_cluster(small);
  HarvesterMemoryApi small_api(loop, small, Latency::constant(1s));
  HarvesterTarget t(loop, nomad_api, small_api, log);
  std::optional<Result<ScaleResult>> out;
  ScaleRequest request;
  request.action.count = 4;
  request.max = 10;
  t.scale(request, config, [&](Result<ScaleResult> r) { out = std::move(r); });
  loop.run_until(loop.now() + 10min);
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->ok());
  EXPECT_NE(out->error().message.find("2 VMs running and joined"), std::string::npos);
  EXPECT_NE(out->error().message.find("ErrorUnschedulable"), std::string::npos);
  EXPECT_EQ(small.size(), 2u);  // the unschedulable ones were deleted
}

TEST_F(HarvesterTargetTest, BadConfigNamesTheKey) {
  config["memory_request"] = "4Gq";
  auto s = status();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("memory_request: invalid quantity \"4Gq\""), std::string::npos);
}

TEST_F(HarvesterTargetTest, ConnectionSettingsRequiredWhenReachingARealHarvester) {
  HarvesterTarget::Options options;
  options.require_connection = true;
  HarvesterTarget agent(loop, nomad_api, harvester_api, log, options);
  auto missing = agent.set_config({{"auth_token", "s3cret-token"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("harvester_url: missing"), std::string::npos);
  auto bad = agent.set_config({{"harvester_url", "ftp://x"}, {"auth_token", "s3cret-token"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("s3cret-token"), std::string::npos);
  auto no_token = agent.set_config({{"harvester_url", "https://h:6443"}});
  ASSERT_FALSE(no_token.ok());
  EXPECT_NE(no_token.error().message.find("auth_token: missing"), std::string::npos);
  EXPECT_TRUE(agent.set_config({{"harvester_url", "https://h:6443"}, {"auth_token", "t"}}).ok());
  // The simulator's target needs neither.
  EXPECT_TRUE(target.set_config({}).ok());
}

}  // namespace
}  // namespace ha
