// The Harvester target: scale-in (selection, fit check, drains, deletion) and drain reuse.
#include "engine/policy_evaluator.h"
#include "tests/unit/harvester_target_fixture.h"

namespace ha {
namespace {

using testing::HarvesterTargetTest;
using namespace std::chrono_literals;

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

TEST_F(HarvesterTargetTest, SelectorsChooseTheRightNodes) {
  grow_to(3);
  auto nodes = nomad.list_nodes({"hashistack", "", ""});
  std::string newest = (*std::max_element(nodes.begin(), nodes.end(), [](auto& a, auto& b) {
                         return a->create_index < b->create_index;
                       }))->name;
  config["node_selector_strategy"] = "newest_create_index";
  ASSERT_TRUE(scale(2).ok());
  loop.run_until(loop.now() + 2min);
  auto left = vm_names();
  EXPECT_EQ(std::count(left.begin(), left.end(), newest), 0);

  // `empty` only takes nodes without work.
  ASSERT_TRUE(nomad.register_job({"web", "service", {{"g", 2, 500, 256, std::nullopt}}}).ok());
  loop.run_until(loop.now() + 1s);
  config["node_selector_strategy"] = "empty";
  std::string busy = nomad.list_nodes({})[0]->name;
  for (const auto& n : nomad.list_nodes({"hashistack", "", ""})) {
    if (!nomad.node_allocations(n->id).empty()) busy = n->name;
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

TEST_F(HarvesterTargetTest, RefusedDrainIsRetriedThenTheVmDeletedOnceDrained) {
  grow_to(2);
  faults.fail_next("drain_node", 1, "500 Internal Server Error");
  Time decided = loop.now();
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(decided + 2min);
  EXPECT_EQ(harvester.size(), 1u);  // the retry drained the (empty) node, then it went
  const ScaleActionRecord& a = target.actions().back();
  ASSERT_EQ(a.failures.size(), 1u);
  EXPECT_NE(a.failures[0].find("500 Internal Server Error"), std::string::npos);
  ASSERT_TRUE(a.all_deleted);
}

TEST_F(HarvesterTargetTest, DrainNeverAcceptedKeepsTheNodeAndItsVm) {
  grow_to(2);
  faults.fail_next("drain_node", 1000, "500 Internal Server Error");
  Time decided = loop.now();
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(decided + 30min);
  EXPECT_EQ(harvester.size(), 2u);  // nothing was drained, so nothing is deleted
  const ScaleActionRecord& a = target.actions().back();
  EXPECT_GT(a.failures.size(), 10u);  // retried every poll for the 5m deadline
  EXPECT_FALSE(a.all_deleted);
  for (const auto& n : nomad.list_nodes({})) EXPECT_EQ(n->scheduling_eligibility, "eligible");
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

// Regression (chaos seed 7603): a scale-out whose cancel of a drain timed out put the node
// back as draining after its scale-in had stopped watching it; nothing drained, deleted or
// rolled it back, and it sat ineligible for good while the group backed off.
TEST_F(HarvesterTargetTest, ADrainWhoseCancelFailsStaysWithItsScaleIn) {
  grow_to(3);
  ASSERT_TRUE(nomad.register_job({"etl", "batch", {{"step", 2, 2000, 1024, 2h}}}).ok());
  loop.run_until(loop.now() + 1s);
  config["node_drain_deadline"] = "30m";
  config["node_selector_strategy"] = "oldest_create_index";
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 1min);
  ASSERT_EQ(harvester.size(), 2u);  // the busy node still drains
  FaultRule hang;
  hang.timeout_rate = 1;
  hang.timeout = 40s;  // longer than a poll: the scale-in looks while the cancel hangs
  auto rule = faults.add_rule("drain_node", hang);
  auto r = scale(3);
  faults.remove_rule(rule);
  EXPECT_TRUE(r.ok());  // a VM stands in for the node not taken back
  EXPECT_EQ(target.actions().back().reused_nodes, 0u);
  EXPECT_TRUE(target.actions().back().failures.empty());
  EXPECT_EQ(harvester.size(), 4u);
  // The scale-in still owns the node: deleted at its deadline, the group back at 3 serving.
  loop.run_until(loop.now() + 35min);
  EXPECT_EQ(harvester.size(), 3u);
  auto t = nomad.totals("hashistack");
  EXPECT_EQ(t.nodes_ready, 3);
  auto s = status();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->count, 3);
  EXPECT_TRUE(s->ready);
  // No back-off: the next scale-out goes ahead.
  auto again = scale(4);
  ASSERT_TRUE(again.ok()) << again.error().message;
}

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
