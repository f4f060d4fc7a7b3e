#include "engine/policy_evaluator.h"

#include <gtest/gtest.h>

#include "tests/unit/fakes.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using testing::FakeTarget;
using testing::ScriptedSource;

struct Fixture : ::testing::Test {
  SimulatedLoop loop;
  FakeTarget target{loop, 2};
  double load = 50;  // the metric the scripted source returns
  ScriptedSource source{loop, [this](const std::string&, TimeRange range) -> Result<TimeSeries> {
                          return TimeSeries{{range.to, load}};
                        }};
  NullLogger log;
  std::vector<EvaluationRecord> records;

  Policy policy(std::int64_t min = 1, std::int64_t max = 10) {
    Policy p;
    p.id = "web";
    p.min = min;
    p.max = max;
    p.evaluation_interval = 10s;
    p.cooldown = 60s;
    p.cooldown_on_scale_up = 30s;
    CheckSpec c;
    c.name = "cpu";
    c.source = "sim";
    c.query = "cpu";
    c.query_window = 1min;
    c.strategy = {"target-value", {{"target", "50"}}};
    p.checks.push_back(c);
    p.target = {"fake", {}};
    return p;
  }

  std::unique_ptr<PolicyEvaluator> make(Policy p) {
    auto compiled = CompiledPolicy::compile(std::move(p));
    EXPECT_TRUE(compiled.ok());
    return std::make_unique<PolicyEvaluator>(
        loop, *compiled, target,
        [this](std::string_view name) -> MetricsSource* {
          return name == "sim" ? &source : nullptr;
        },
        log, [this](const EvaluationRecord& r) { records.push_back(r); });
  }

  std::vector<EvaluationOutcome> outcomes() const {
    std::vector<EvaluationOutcome> out;
    for (const auto& r : records) out.push_back(r.outcome);
    return out;
  }
};

TEST_F(Fixture, EvaluatesEveryIntervalAndScales) {
  auto ev = make(policy());
  ev->start();
  load = 100;  // factor 2: 2 -> 4
  loop.run_until(Time(10s));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, EvaluationOutcome::kScaled);
  EXPECT_EQ(records[0].current, 2);
  EXPECT_EQ(records[0].desired, 4);
  EXPECT_EQ(records[0].direction, Direction::kUp);
  EXPECT_EQ(target.count(), 4);
  // The query window ends now and spans query_window.
  ASSERT_EQ(source.ranges.size(), 1u);
  EXPECT_EQ(source.ranges[0].to, Time(10s));
  EXPECT_EQ(source.ranges[0].from, Time(10s) - 1min);
}

TEST_F(Fixture, AClosedGateSkipsEvaluationsAndStopsOneBeforeItScales) {
  Policy p = policy();
  p.cooldown_on_scale_up = 1s;
  auto ev = make(p);
  bool open = false;
  ev->set_gate([&open] { return open; });
  ev->start();
  load = 100;
  loop.run_until(Time(30s));
  EXPECT_TRUE(records.empty());  // a standby evaluates nothing
  EXPECT_TRUE(source.ranges.empty());
  EXPECT_EQ(target.count(), 2);
  open = true;
  loop.run_until(Time(40s));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(target.count(), 4);
  // The gate closing while an evaluation reads its metrics: it stops before scaling.
  source.latency = 5s;
  load = 200;
  loop.run_until(Time(51s));  // the evaluation of 50 s waits for its metrics until 55 s
  open = false;
  loop.run_until(Time(200s));
  EXPECT_EQ(source.queries, 2);
  EXPECT_EQ(records.size(), 1u);
  EXPECT_EQ(target.count(), 4);
}

TEST_F(Fixture, CooldownAfterScaleUpThenScalesAgain) {
  auto ev = make(policy());
  ev->start();
  load = 100;
  // t=10 scale 2->4; cooldown_on_scale_up 30s: t=20,30 in cooldown; t=40 free again.
  loop.run_until(Time(40s));
  EXPECT_EQ(outcomes(), (std::vector<EvaluationOutcome>{
                            EvaluationOutcome::kScaled, EvaluationOutcome::kCooldown,
                            EvaluationOutcome::kCooldown, EvaluationOutcome::kScaled}));
  EXPECT_EQ(target.count(), 8);
}

TEST_F(Fixture, ScaleDownUsesTheLongerCooldown) {
  auto ev = make(policy());
  ev->start();
  target.set_count(8);
  load = 25;  // factor 0.5: 8 -> 4, then cooldown 60s
  loop.run_until(Time(60s));
  EXPECT_EQ(records.front().outcome, EvaluationOutcome::kScaled);
  EXPECT_EQ(target.count(), 4);
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(records[i].outcome, EvaluationOutcome::kCooldown) << i;
  }
  loop.run_until(Time(70s));
  EXPECT_EQ(records.back().outcome, EvaluationOutcome::kScaled);
  EXPECT_EQ(target.count(), 2);
}

TEST_F(Fixture, ClampsToMinAndMax) {
  auto ev = make(policy(1, 3));
  ev->start();
  load = 500;
  loop.run_until(Time(10s));
  EXPECT_EQ(target.count(), 3);
  EXPECT_NE(records[0].reason.find("capped count from 20 to 3"), std::string::npos);
}

TEST_F(Fixture, SkipsWhileTargetNotReady) {
  auto ev = make(policy());
  target.ready = false;
  load = 100;
  ev->start();
  loop.run_until(Time(30s));
  EXPECT_EQ(outcomes(), std::vector<EvaluationOutcome>(3, EvaluationOutcome::kNotReady));
  EXPECT_EQ(source.queries, 0);
  EXPECT_TRUE(target.requests.empty());
}

TEST_F(Fixture, ReportsBusyWhileAScaleIsStillRunning) {
  auto ev = make(policy());
  target.scale_delay = 25s;
  load = 100;
  ev->start();
  loop.run_until(Time(30s));
  // t=10 scale starts (done at 35); t=20, t=30 want a change but the target is busy.
  EXPECT_EQ(outcomes(),
            (std::vector<EvaluationOutcome>{EvaluationOutcome::kBusy, EvaluationOutcome::kBusy}));
  EXPECT_TRUE(ev->scaling());
  loop.run_until(Time(36s));
  EXPECT_EQ(records.back().outcome, EvaluationOutcome::kScaled);
  EXPECT_EQ(records.back().time, Time(35s));
  EXPECT_EQ(target.requests.size(), 1u);
}

TEST_F(Fixture, FailuresAreRecordedAndRetriedWithoutCooldown) {
  auto ev = make(policy());
  target.fail_scale = true;
  load = 100;
  ev->start();
  loop.run_until(Time(20s));
  EXPECT_EQ(outcomes(), (std::vector<EvaluationOutcome>{EvaluationOutcome::kScaleFailed,
                                                        EvaluationOutcome::kScaleFailed}));
  EXPECT_NE(records[0].reason.find("quota exceeded"), std::string::npos);
  target.fail_scale = false;
  target.fail_status = true;
  loop.run_until(Time(30s));
  EXPECT_EQ(records.back().outcome, EvaluationOutcome::kError);
  EXPECT_NE(records.back().reason.find("status unavailable"), std::string::npos);
}

TEST_F(Fixture, MissingSourceIsAnError) {
  Policy p = policy();
  p.checks[0].source = "prometheus";
  auto ev = make(p);
  ev->evaluate_now();
  loop.run();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, EvaluationOutcome::kError);
  EXPECT_NE(records[0].reason.find("\"prometheus\" is not configured"), std::string::npos);
}

TEST_F(Fixture, DryRunReachesTheTargetButChangesNothing) {
  Policy p = policy();
  p.target.config["dry-run"] = "true";
  auto ev = make(p);
  load = 100;
  ev->evaluate_now();
  loop.run();
  ASSERT_EQ(target.requests.size(), 1u);
  EXPECT_TRUE(target.requests[0].dry_run);
  EXPECT_EQ(target.count(), 2);
  EXPECT_EQ(records[0].outcome, EvaluationOutcome::kDryRun);
  EXPECT_EQ(records[0].desired, 4);
}

TEST_F(Fixture, IdenticalQueriesAreSharedAndRunInParallel) {
  Policy p = policy();
  CheckSpec second = p.checks[0];
  second.name = "cpu-again";
  second.strategy = {"threshold",
                     {{"lower_bound", "90"}, {"delta", "1"}, {"within_bounds_trigger", "1"}}};
  p.checks.push_back(second);
  CheckSpec third = p.checks[0];
  third.name = "other";
  third.query = "mem";
  p.checks.push_back(third);
  auto ev = make(p);
  source.latency = 2s;
  load = 100;
  ev->evaluate_now();
  loop.run();
  EXPECT_EQ(source.queries, 2);  // cpu once, mem once
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].time, Time(2s));  // both in flight together: 2 s, not 4 s
  EXPECT_EQ(records[0].desired, 4);
}

TEST_F(Fixture, HonoursACooldownFromBeforeAStart) {
  target.meta[kTargetMetaLastEvent] = std::to_string(Time(5s).count());
  load = 100;
  auto ev = make(policy());
  ev->start();
  loop.run_until(Time(40s));
  // Last event at 5 s plus cooldown_on_scale_up 30 s: evaluations at 10..30 s wait.
  EXPECT_EQ(outcomes(), (std::vector<EvaluationOutcome>{
                            EvaluationOutcome::kCooldown, EvaluationOutcome::kCooldown,
                            EvaluationOutcome::kCooldown, EvaluationOutcome::kScaled}));
}

TEST_F(Fixture, StopEndsEvaluations) {
  auto ev = make(policy());
  ev->start();
  loop.run_until(Time(20s));
  ev->stop();
  std::size_t before = records.size();
  loop.run_until(Time(100s));
  EXPECT_EQ(records.size(), before);
  EXPECT_EQ(loop.pending(), 0u);
}

}  // namespace
}  // namespace ha
