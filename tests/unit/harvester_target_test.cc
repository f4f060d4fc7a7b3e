// The Harvester target on the in-memory Nomad and Harvester models, on simulated time.
#include "engine/harvester/harvester_target.h"
#include "engine/policy_evaluator.h"

#include <gtest/gtest.h>

#include "backends/api/vm_labels.h"
#include "backends/memory/harvester_memory_api.h"
#include "backends/memory/nomad_memory_api.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

struct HarvesterTargetTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel nomad{loop};
  HarvesterModelConfig harvester_config = [] {
    HarvesterModelConfig c;
    c.provision = Latency::constant(10s);
    c.boot = Latency::constant(60s);
    c.nomad_join = Latency::constant(15s);
    c.terminate = Latency::constant(20s);
    c.max_vms = 20;
    return c;
  }();
  HarvesterModel harvester{loop, &nomad, harvester_config};
  FaultInjector faults;
  NomadMemoryApi nomad_api{loop, nomad, Latency::constant(100ms), &faults};
  HarvesterMemoryApi harvester_api{loop, harvester, Latency::constant(1s), &faults};
  NullLogger log;
  HarvesterTarget target{loop, nomad_api, harvester_api, log};
  PluginConfig config{{"node_group_name", "web"},
                      {"node_class", "hashistack"},
                      {"namespace", "nomad"},
                      {"cpu_request", "4"},
                      {"memory_request", "8Gi"},
                      {"node_drain_deadline", "5m"},
                      {"node_selector_strategy", "least_busy"}};

  Result<TargetStatus> status() {
    std::optional<Result<TargetStatus>> out;
    target.status(config, [&](Result<TargetStatus> r) { out = std::move(r); });
    while (!out && loop.step()) {
    }
    return std::move(*out);
  }
  Result<ScaleResult> scale(std::int64_t count, std::int64_t min = 0, std::int64_t max = 100,
                            bool dry_run = false) {
    std::optional<Result<ScaleResult>> out;
    start_scale(count, min, max, dry_run, out);
    while (!out && loop.step()) {
    }
    return std::move(*out);
  }
  void start_scale(std::int64_t count, std::int64_t min, std::int64_t max, bool dry_run,
                   std::optional<Result<ScaleResult>>& out) {
    ScaleRequest request;
    request.action.count = count;
    request.action.direction = Direction::kUp;
    request.min = min;
    request.max = max;
    request.dry_run = dry_run;
    target.scale(request, config, [&out](Result<ScaleResult> r) { out = std::move(r); });
  }
  // A group of `n` joined nodes, ready for work.
  void grow_to(std::int64_t n) {
    auto r = scale(n);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  std::vector<std::string> vm_names() {
    std::vector<std::string> out;
    auto vms = harvester.list("nomad", "");
    for (const auto& vm : *vms) out.push_back(vm.spec.name);
    return out;
  }
};

TEST_F(HarvesterTargetTest, ScaleOutCreatesInParallelAndCompletesWhenJoined) {
  auto r = scale(3);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(harvester.size(), 3u);
  EXPECT_EQ(nomad.list_nodes({"hashistack", ""}).size(), 3u);
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
  auto vm = harvester.list("nomad", "")->front();
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

TEST_F(HarvesterTargetTest, ScaleInDrainsThenDeletesAndKeepsEvaluating) {
  grow_to(3);
  auto r = scale(1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->summary.find("draining 2 nodes"), std::string::npos);
  // Leaving nodes no longer count, and do not make the target "not ready".
  auto s = status();
  EXPECT_EQ(s->count, 1);
  EXPECT_TRUE(s->ready);
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(harvester.size(), 1u);
  const ScaleActionRecord& a = target.actions().back();
  EXPECT_EQ(a.direction, Direction::kDown);
  ASSERT_TRUE(a.all_drained && a.all_deleted);
  EXPECT_TRUE(a.failures.empty());
  EXPECT_EQ(nomad.totals("hashistack").nodes_ready, 1);
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

TEST_F(HarvesterTargetTest, SelectorsChooseTheRightNodes) {
  grow_to(3);
  auto nodes = nomad.list_nodes({"hashistack", ""});
  std::string newest = std::max_element(nodes.begin(), nodes.end(), [](auto& a, auto& b) {
                         return a.create_index < b.create_index;
                       })->name;
  config["node_selector_strategy"] = "newest_create_index";
  ASSERT_TRUE(scale(2).ok());
  loop.run_until(loop.now() + 2min);
  auto left = vm_names();
  EXPECT_EQ(std::count(left.begin(), left.end(), newest), 0);

  // `empty` only takes nodes without work.
  ASSERT_TRUE(nomad.register_job({"web", "service", {{"g", 2, 500, 256, std::nullopt}}}).ok());
  loop.run_until(loop.now() + 1s);
  config["node_selector_strategy"] = "empty";
  std::string busy = nomad.list_nodes({})[0].name;
  for (const auto& n : nomad.list_nodes({"hashistack", ""})) {
    if (!nomad.node_allocations(n.id).empty()) busy = n.name;
  }
  auto r = scale(0);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->summary.find("draining 1 nodes"), std::string::npos);  // only the empty one
  EXPECT_NE(
      target.actions().back().note.find("only 1 of 2 nodes can be removed with selector empty"),
      std::string::npos);
  loop.run_until(loop.now() + 2min);
  EXPECT_EQ(vm_names(), std::vector<std::string>{busy});
}

TEST_F(HarvesterTargetTest, ScaleInShrinksWhenWorkWouldNotFit) {
  grow_to(3);
  // 3 nodes of 8000 MHz; 3 x 5000 MHz of work: one node's worth can move, not two.
  ASSERT_TRUE(nomad.register_job({"big", "service", {{"g", 3, 5000, 1024, std::nullopt}}}).ok());
  loop.run_until(loop.now() + 1s);
  ASSERT_TRUE(nomad.register_job({"tiny", "service", {{"g", 1, 100, 64, std::nullopt}}}).ok());
  loop.run_until(loop.now() + 1s);
  auto r = scale(1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->summary, "");
  const ScaleActionRecord& a = target.actions().back();
  // Every node runs 5000 of 8000 MHz: no node's work fits in the 3000 MHz left elsewhere.
  EXPECT_TRUE(r->no_op);
  EXPECT_NE(r->summary.find("would not fit"), std::string::npos);
  EXPECT_EQ(a.direction, Direction::kUp);  // no scale-in action was recorded
}

TEST_F(HarvesterTargetTest, VmsWithoutOwnershipAreNeverTouched) {
  VirtualMachineSpec foreign;
  foreign.name = "hand-made";
  foreign.namespace_ = "nomad";
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
  EXPECT_NE(r->summary.find("dry-run: would cancel 0 drains and create 3 VMs"), std::string::npos);
  EXPECT_EQ(harvester.size(), 0u);
  grow_to(2);
  r = scale(0, 0, 10, true);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->summary.find("would drain (deadline 5m0s) and delete"), std::string::npos);
  loop.run_until(loop.now() + 10min);
  EXPECT_EQ(harvester.size(), 2u);
  EXPECT_EQ(nomad.totals().nodes_ready, 2);
}

TEST_F(HarvesterTargetTest, FailedDrainStillDeletesButOnlyAfterTheDeadline) {
  grow_to(2);
  faults.fail_next("drain_node", 1, "500 Internal Server Error");
  Time decided = loop.now();
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(decided + 4min);
  EXPECT_EQ(harvester.size(), 2u);  // deadline 5m not reached: VM kept
  loop.run_until(decided + 8min);
  EXPECT_EQ(harvester.size(), 1u);
  const ScaleActionRecord& a = target.actions().back();
  ASSERT_EQ(a.failures.size(), 1u);
  EXPECT_NE(a.failures[0].find("500 Internal Server Error"), std::string::npos);
  ASSERT_TRUE(a.all_deleted);
  EXPECT_GE(*a.all_deleted - decided, 5min);
}

TEST_F(HarvesterTargetTest, ParallelDrainsWithOneStuckPastItsDeadline) {
  grow_to(3);
  // A long batch allocation holds the oldest node's drain until the 5m deadline.
  ASSERT_TRUE(nomad.register_job({"etl", "batch", {{"step", 1, 7000, 1024, 2h}}}).ok());
  loop.run_until(loop.now() + 1s);
  config["node_selector_strategy"] = "oldest_create_index";
  Time decided = loop.now();
  ASSERT_TRUE(scale(1, 0, 10).ok());
  EXPECT_EQ(target.actions().back().planned, 2u);
  loop.run_until(decided + 2min);
  EXPECT_EQ(harvester.size(), 2u);  // the quick drain is done and its VM deleted
  loop.run_until(decided + 7min);
  EXPECT_EQ(harvester.size(), 1u);  // the stuck one went at its deadline
  const ScaleActionRecord& a = target.actions().back();
  ASSERT_TRUE(a.all_deleted);
  EXPECT_GE(*a.all_deleted - decided, 5min);
  // The batch work was stopped at the deadline and placed again on the node that stays.
  auto left = nomad.node_id_by_name(vm_names().front());
  EXPECT_EQ(nomad.node_allocations(*left).size(), 1u);
}

TEST_F(HarvesterTargetTest, FailingDeleteIsRetried) {
  grow_to(2);
  faults.fail_next("delete_vm", 2, "etcdserver: request timed out");
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 3min);
  EXPECT_EQ(harvester.size(), 1u);
  EXPECT_EQ(target.actions().back().failures.size(), 2u);
}

TEST_F(HarvesterTargetTest, CapacityExhaustedIsReportedAndCleanedUp) {
  harvester_config.max_vms = 2;
  HarvesterModel small(loop, &nomad, harvester_config);
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
  EXPECT_NE(out->error().message.find("created 2 VMs"), std::string::npos);
  EXPECT_NE(out->error().message.find("ErrorUnschedulable"), std::string::npos);
  EXPECT_EQ(small.size(), 2u);  // the unschedulable ones were deleted
}

TEST_F(HarvesterTargetTest, ScaleOutDuringDrainReusesDrainingNodes) {
  grow_to(3);
  // Two long batch allocations land on the oldest node (binpack): its drain takes long.
  ASSERT_TRUE(nomad.register_job({"etl", "batch", {{"step", 2, 2000, 1024, 2h}}}).ok());
  loop.run_until(loop.now() + 1s);
  config["node_drain_deadline"] = "1h";
  config["node_selector_strategy"] = "oldest_create_index";
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 1min);
  EXPECT_EQ(status()->count, 1);
  EXPECT_EQ(harvester.size(), 2u);  // the empty node is gone, the busy one still drains
  auto r = scale(3);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->summary.find("reused 1 draining nodes"), std::string::npos);
  EXPECT_EQ(target.actions().back().reused_nodes, 1u);
  loop.run_until(loop.now() + 2h);
  EXPECT_EQ(harvester.size(), 3u);  // one new VM; the reused node was never deleted
  EXPECT_EQ(nomad.totals("hashistack").nodes_ready, 3);
}

TEST_F(HarvesterTargetTest, BadConfigNamesTheKey) {
  config["memory_request"] = "4Gq";
  auto s = status();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("memory_request: invalid quantity \"4Gq\""), std::string::npos);
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

TEST_F(HarvesterTargetTest, PolicyKeepsEvaluatingWhileADrainRuns) {
  grow_to(3);
  ASSERT_TRUE(nomad.register_job({"etl", "batch", {{"step", 1, 2000, 1024, 2h}}}).ok());
  loop.run_until(loop.now() + 1s);
  config["node_drain_deadline"] = "1h";
  config["node_selector_strategy"] = "oldest_create_index";  // the busy node drains for long
  Policy p;
  p.id = "web";
  p.min = 1;
  p.max = 10;
  p.evaluation_interval = 10s;
  p.cooldown = 20s;
  p.cooldown_on_scale_up = 20s;  // grow_to() just scaled: its cooldown is honoured first
  CheckSpec check;
  check.name = "floor";
  check.strategy = {"fixed-value", {{"value", "1"}}};
  p.checks.push_back(check);
  p.target = {"harvester", config};
  auto compiled = CompiledPolicy::compile(p);
  ASSERT_TRUE(compiled.ok());
  std::vector<EvaluationRecord> records;
  PolicyEvaluator evaluator(loop, *compiled, target, nullptr, log,
                            [&](const EvaluationRecord& r) { records.push_back(r); });
  evaluator.start();
  loop.run_until(loop.now() + 5min);
  auto scaled = std::find_if(records.begin(), records.end(), [](const EvaluationRecord& r) {
    return r.outcome == EvaluationOutcome::kScaled;
  });
  ASSERT_NE(scaled, records.end());
  EXPECT_EQ(scaled->desired, 1);
  for (auto r = records.begin(); r != scaled; ++r) {
    EXPECT_EQ(to_string(r->outcome), "cooldown");  // grow_to()'s own scale-up, moments ago
  }
  // The busy node still drains (deadline 1h), yet every later evaluation ran to a decision.
  EXPECT_EQ(harvester.size(), 2u);
  ASSERT_GT(records.end() - scaled, 20);
  for (auto r = scaled + 1; r != records.end(); ++r) {
    EXPECT_EQ(to_string(r->outcome), "no-action") << r->reason;
  }
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

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
