// Faults: their scenario syntax, the injector, the target's reconciliation and backoff, the
// invariant checker catching leaks and lost work, and chaos runs of the default scenario.
#include <gtest/gtest.h>

#include "forwarding_harvester_api.h"
#include "harvester_target_fixture.h"
#include "sim/chaos.h"
#include "sim/invariants.h"
#include "sim/scenario_loader.h"
#include "sim/simulation.h"

namespace ha::testing {
namespace {

std::vector<FaultSpec> parse(const char* text, Diagnostics& diags) {
  hcl_json::Reader reader("s.json", diags);
  return read_faults(nlohmann::json::parse(text), "/faults", reader);
}

TEST(FaultSpec, ReadsEveryKindAndNamesTheBadField) {
  Diagnostics diags;
  auto f = parse(R"([{"kind": "outage", "api": "harvester", "from": "1h", "until": "2h"},
                     {"kind": "api_errors", "api": "nomad", "op": "drain_node",
                      "error_rate": 0.5, "status": "conflict", "applied": true},
                     {"kind": "drain_stuck", "rate": 0.2},
                     {"kind": "agent_crash", "at": "3h", "when": "scale_in"}])",
                 diags);
  ASSERT_TRUE(diags.empty()) << diags[0].to_string();
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].rate, 1);
  EXPECT_EQ(f[0].until, std::chrono::hours(2));
  EXPECT_EQ(f[1].status, ErrorKind::kConflict);
  EXPECT_TRUE(f[1].applied);
  EXPECT_EQ(f[3].when, "scale_in");
  EXPECT_EQ(f[1].to_json()["op"], "drain_node");

  Diagnostics bad;
  parse(R"([{"kind": "outage", "api": "harvester", "from": "2h", "until": "1h"},
            {"kind": "api_errors", "api": "consul"},
            {"kind": "drain_stuck", "rate": 1.5},
            {"kind": "meteor"},
            {"kind": "agent_crash", "at": "1h", "when": "later"}])",
        bad);
  ASSERT_EQ(bad.size(), 5u);
  EXPECT_EQ(bad[0].where, "/faults/0/until");
  EXPECT_EQ(bad[1].where, "/faults/1/api");
  EXPECT_EQ(bad[2].where, "/faults/2/rate");
  EXPECT_NE(bad[3].reason.find("agent_crash"), std::string::npos);  // lists the known kinds
  EXPECT_EQ(bad[4].where, "/faults/4/when");
}

TEST(FaultInjector, AppliedFaultsMakeTheChangeAndLatencySpikesOnlyDelay) {
  FaultInjector faults;
  FaultRule lost;
  lost.error_rate = 1;
  lost.kind = ErrorKind::kConflict;
  lost.applied = true;
  auto id = faults.add_rule("create_vm", lost);
  auto f = faults.decide("create_vm");
  ASSERT_TRUE(f && f->error);
  EXPECT_EQ(f->error->kind, ErrorKind::kConflict);
  EXPECT_TRUE(f->applied);
  faults.remove_rule(id);
  EXPECT_FALSE(faults.decide("create_vm"));
  FaultRule slow;
  slow.extra_latency = std::chrono::seconds(7);
  faults.add_rule("*", slow);
  auto s = faults.decide("get_vm");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->error);
  EXPECT_EQ(s->delay, std::chrono::seconds(7));
}

TEST_F(HarvesterTargetTest, ReconcileDeletesAVmStuckStartingPastTheProvisionTimeout) {
  grow_to(1);
  harvester.set_boot_faults({1.0, 0, 0});  // every new VM stays Starting
  VirtualMachineSpec spec = test_vm("web-left-behind");
  ASSERT_TRUE(harvester.create(spec).ok());  // as if an earlier run created it and died
  loop.run_until(loop.now() + 5min);
  ASSERT_TRUE(status().ok());
  loop.run_until(loop.now() + 1min);
  EXPECT_TRUE(harvester.get("nomad", "web-left-behind").ok());  // young: left alone
  loop.run_until(loop.now() + 15min);
  ASSERT_TRUE(status().ok());
  loop.run_until(loop.now() + 1min);
  auto vm = harvester.get("nomad", "web-left-behind");
  EXPECT_TRUE(!vm || vm->printable_status == "Terminating");
}

TEST_F(HarvesterTargetTest, ReconcileRollsBackADrainLeftByAnEarlierRun) {
  grow_to(2);
  std::string node = nomad.list_nodes({}).front()->id;
  // As an earlier run's scale-in drains: marked with the group in the drain's Meta.
  NomadDrainSpec ours{std::chrono::minutes(5), false, {{vm_labels::kNodeGroup, "web"}}};
  ASSERT_TRUE(nomad.drain_node(node, ours, false).ok());
  auto s = status();  // a fresh target: it did not start that drain
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->ready);
  loop.run_until(loop.now() + 10s);
  auto n = nomad.node(node);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->scheduling_eligibility, "eligible");
  EXPECT_EQ(harvester.size(), 2u);  // rolled back, nothing deleted
  EXPECT_TRUE(status()->ready);
}

TEST_F(HarvesterTargetTest, ReconcileLeavesANodeAnOperatorCordonedOrDrained) {
  grow_to(3);
  auto nodes = nomad.list_nodes({});
  std::string cordoned = nodes[0]->id, drained = nodes[1]->id, other_group = nodes[2]->id;
  ASSERT_TRUE(nomad.set_eligibility(cordoned, false).ok());  // nomad node eligibility -disable
  ASSERT_TRUE(nomad.drain_node(drained, NomadDrainSpec{std::chrono::hours(1), false}, false).ok());
  NomadDrainSpec theirs{std::chrono::hours(1), false, {{vm_labels::kNodeGroup, "db"}}};
  ASSERT_TRUE(nomad.drain_node(other_group, theirs, false).ok());
  auto s = status();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ready);  // not ours to wait for
  EXPECT_EQ(s->count, 3);
  loop.run_until(loop.now() + 10min);
  ASSERT_TRUE(status().ok());
  loop.run_until(loop.now() + 10s);
  EXPECT_EQ(nomad.node(cordoned)->scheduling_eligibility, "ineligible");
  // Their drains finished (nothing ran there); the nodes stay out of service, as left.
  EXPECT_EQ(nomad.node(drained)->scheduling_eligibility, "ineligible");
  EXPECT_EQ(nomad.node(other_group)->scheduling_eligibility, "ineligible");
  EXPECT_EQ(harvester.size(), 3u);
}

TEST_F(HarvesterTargetTest, FailingScaleOutsBackTheGroupOff) {
  grow_to(1);
  harvester.set_boot_faults({0, 1.0, 0});  // every new VM ends ErrorUnschedulable
  EXPECT_FALSE(scale(2).ok());
  auto refused = scale(2);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("backed off"), std::string::npos);
  harvester.set_boot_faults({});
  loop.run_until(loop.now() + 6min);
  EXPECT_TRUE(scale(2).ok());  // 5 min later it tries again
}

// The last scaling event lives in the cluster: a restarted agent's target reports the newest
// VM's creation, so the evaluator's cooldown survives the restart (no burst of scale-outs).
TEST_F(HarvesterTargetTest, AFreshTargetReportsTheNewestVmAsTheLastScalingEvent) {
  grow_to(2);
  Time scaled = loop.now();
  loop.run_until(loop.now() + 1min);
  HarvesterTarget restarted{loop, nomad_api, harvester_api, log};
  std::optional<Result<TargetStatus>> out;
  restarted.status(config, [&](Result<TargetStatus> r) { out = std::move(r); });
  while (!out && loop.step()) {
  }
  ASSERT_TRUE(out && out->ok());
  auto last = (*out)->meta.find(kTargetMetaLastEvent);
  ASSERT_NE(last, (*out)->meta.end());
  Time at{std::stoll(last->second)};
  EXPECT_LE(at, scaled);         // the VM's creation, before it had booted and joined
  EXPECT_GT(at, scaled - 5min);  // not the day-old initial nodes
}

// Forwards to the memory API, but can answer a list with one taken earlier: a list the
// server answered before a deletion that reaches the client after the deletion's answer.
class StaleListApi final : public testing::ForwardingHarvesterApi {
 public:
  using ForwardingHarvesterApi::ForwardingHarvesterApi;
  void capture_next_list() { capture_ = true; }
  void serve_captured_next() { serve_ = true; }
  void list_vms(const std::string& ns, const std::string& selector, Done<VmList> done) override {
    if (serve_) {
      serve_ = false;
      inner_.list_vms(ns, selector, [done, old = captured_](Result<VmList>) { done(old); });
      return;
    }
    inner_.list_vms(ns, selector, [this, done](Result<VmList> r) {
      if (capture_ && r) captured_ = *r;
      capture_ = false;
      done(std::move(r));
    });
  }

 private:
  bool capture_ = false, serve_ = false;
  VmList captured_;
};

// Found by the crash test over HTTP: a scale-in's snapshot listed before a VM deletion it
// made, answered after, counted the deleted VM again and removed one node too many (below
// min). A VM whose deletion was accepted is not counted until a list shows it terminating.
TEST_F(HarvesterTargetTest, AVmDeletedAfterAListWasTakenIsNotCountedAgain) {
  grow_to(3);
  StaleListApi stale(harvester_api);
  HarvesterTarget t{loop, nomad_api, stale, log};
  auto run = [&](auto call) {
    std::optional<bool> ok;
    call([&](bool r) { ok = r; });
    while (!ok && loop.step()) {
    }
    return ok.value_or(false);
  };
  auto count = [&] {
    std::int64_t n = -1;
    run([&](auto finish) {
      t.status(config, [&, finish](Result<TargetStatus> s) {
        if (s) n = s->count;
        finish(s.ok());
      });
    });
    return n;
  };
  stale.capture_next_list();
  ASSERT_EQ(count(), 3);  // the list a slow answer will bring back later
  ScaleRequest in;
  in.action.count = 2;
  in.action.direction = Direction::kDown;
  in.min = 2;
  ASSERT_TRUE(run([&](auto finish) {
    t.scale(in, config, [finish](Result<ScaleResult> r) { finish(r.ok()); });
  }));
  loop.run_until(loop.now() + 2min);  // drained and deleted
  ASSERT_EQ(harvester.count_active("nomad", vm_labels::kNodeGroup, "web"), 2);
  stale.serve_captured_next();
  EXPECT_EQ(count(), 2);  // the stale list still shows three VMs running
  EXPECT_EQ(count(), 2);
}

TEST(InvariantChecker, CatchesAVmLeftOutOfServiceAndLostAllocations) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  HarvesterModel harvester(loop, &nomad, HarvesterModelConfig{});
  testing::seed_test_cluster(harvester);
  InvariantChecker checker(loop, harvester, nomad, {"nomad", "web", 0, 10});
  harvester.on_phase = [&](const VmPhaseEvent& e) { checker.on_phase(e); };
  harvester.set_boot_faults({0, 0, 1.0});  // runs, never joins Nomad
  VirtualMachineSpec spec = testing::test_vm("web-1");
  spec.labels = {{vm_labels::kNodeGroup, "web"}};
  ASSERT_TRUE(harvester.create(spec).ok());
  checker.watch_leaks(std::chrono::minutes(30), std::chrono::minutes(1), std::chrono::hours(2));
  loop.run_until(std::chrono::minutes(20));
  EXPECT_EQ(checker.violations(), 0);
  loop.run_until(std::chrono::hours(2));
  ASSERT_EQ(checker.violations(), 1);  // once per spell, not every sample
  EXPECT_NE(checker.examples()[0]["what"].get<std::string>().find("web-1"), std::string::npos);

  ASSERT_TRUE(
      nomad.register_job({"batch-1", "batch", {{"g", 3, 100, 64, std::chrono::hours(1)}}}).ok());
  checker.check_allocations({{"batch-1", 3}});  // queued: accounted for
  EXPECT_EQ(checker.violations(), 1);
  checker.check_allocations({{"batch-1", 5}});  // two the model never saw
  EXPECT_EQ(checker.violations(), 2);
}

LoadedScenario load_default() {
  Diagnostics diags;
  std::vector<Override> none;
  auto loaded = load_scenario(std::string(HA_SOURCE_DIR) + "/scenarios/default.json", none, diags);
  EXPECT_TRUE(loaded.ok());
  return *loaded;
}

TEST(Chaos, CrashInTheMiddleOfAScaleInLeavesNoViolation) {
  LoadedScenario l = load_default();
  FaultSpec crash;
  crash.kind = "agent_crash";
  crash.from = std::chrono::hours(3);
  crash.when = "scale_in";
  crash.restart_after = std::chrono::minutes(2);
  l.scenario.faults = {crash, crash};
  l.scenario.faults[1].from = std::chrono::hours(20);
  auto out = run_simulation(l.scenario, l.policies, l.workload);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->report["faults"]["agent_crashes"], 2);
  EXPECT_EQ(out->report["invariant_violations"]["count"], 0)
      << out->report["invariant_violations"].dump();
  EXPECT_GT(out->report["actions"]["scale_in"].get<int>(), 10);  // it kept on scaling
}

TEST(Chaos, RandomFaultRunsOfTheDefaultScenarioKeepTheInvariants) {
  LoadedScenario l = load_default();
  ChaosOptions options;
  options.runs = 16;  // a smoke test: the 1,000-run figures come from the chaos command
  options.threads = 2;
  ChaosSummary s = run_chaos(l.scenario, l.policies, l.workload, options);
  EXPECT_EQ(s.errors, 0);
  EXPECT_GE(s.faults, 16);
  EXPECT_EQ(s.violations, 0) << s.first_violations.dump();
}

}  // namespace
}  // namespace ha::testing
