#include "engine/policy_decision.h"

#include <gtest/gtest.h>

#include "engine/check_combiner.h"

namespace ha {
namespace {

ScalingAction act(Direction d, std::int64_t count) {
  ScalingAction a;
  a.direction = d;
  a.count = count;
  return a;
}

const ScalingAction kNone = act(Direction::kNone, 0);
const ScalingAction kUp = act(Direction::kUp, 5);
const ScalingAction kDown = act(Direction::kDown, 1);

// Upstream's Test_pickWinnerActionFromGroups cases.
TEST(CheckCombiner, PicksLikeUpstream) {
  auto winner = [](std::vector<CheckVote> votes) { return pick_winner(votes); };
  EXPECT_EQ(winner({{"g", kNone}, {"g", kNone}}), 0u);  // all none: first of the group
  EXPECT_EQ(winner({{"g", kNone}, {"g", kUp}}), 1u);    // up beats none
  EXPECT_EQ(winner({{"g", kNone}, {"g", kDown}}), 1u);  // in a group, down beats none
  EXPECT_EQ(winner({{"g", kDown}, {"g", kUp}}), 1u);    // up beats down
  EXPECT_EQ(winner({{"1", kNone}, {"2", kUp}, {"2", kDown}}), 1u);
  EXPECT_EQ(winner({}), std::nullopt);
}

TEST(CheckCombiner, UngroupedNoneHoldsBackAScaleDown) {
  // Without a group, "none" takes part: one check saying hold beats another saying down.
  EXPECT_EQ(pick_winner(std::vector<CheckVote>{{"", kDown}, {"", kNone}}), 1u);
  // ...but a named group ignores its none votes.
  EXPECT_EQ(pick_winner(std::vector<CheckVote>{{"g", kDown}, {"g", kNone}}), 0u);
}

TEST(CheckCombiner, SameDirectionTakesTheLargerCount) {
  EXPECT_EQ(pick_winner(
                std::vector<CheckVote>{{"", act(Direction::kUp, 4)}, {"", act(Direction::kUp, 7)}}),
            1u);
  // For scale-in the larger count is the smaller step: the safe choice.
  EXPECT_EQ(pick_winner(std::vector<CheckVote>{{"", act(Direction::kDown, 2)},
                                               {"", act(Direction::kDown, 6)}}),
            1u);
  // Ties keep the first.
  EXPECT_EQ(pick_winner(std::vector<CheckVote>{{"", kUp}, {"", kUp}}), 0u);
}

TEST(ScalingAction, CapCountRecordsWhy) {
  ScalingAction a = act(Direction::kUp, 12);
  a.reason = "scaling up because factor is 2.000000";
  a.cap_count(1, 10);
  EXPECT_EQ(a.count, 10);
  EXPECT_TRUE(a.capped);
  EXPECT_EQ(a.original_count, 12);
  EXPECT_EQ(a.reason, "capped count from 12 to 10 to stay within limits");
  ASSERT_EQ(a.reason_history.size(), 1u);
  ScalingAction b = act(Direction::kDown, 0);
  b.cap_count(2, 10);
  EXPECT_EQ(b.count, 2);
  ScalingAction c = act(Direction::kUp, 5);
  c.cap_count(2, 10);
  EXPECT_FALSE(c.capped);
}

TEST(ScalingAction, ScalingNeededTable) {
  EXPECT_FALSE(scaling_needed(act(Direction::kNone, 2), 1));
  EXPECT_TRUE(scaling_needed(act(Direction::kUp, 2), 1));
  EXPECT_TRUE(scaling_needed(act(Direction::kUp, 1), 2));
  EXPECT_FALSE(scaling_needed(act(Direction::kUp, 1), 1));
  EXPECT_TRUE(scaling_needed(act(Direction::kDown, 1), 2));
  EXPECT_FALSE(scaling_needed(act(Direction::kDown, 1), 1));
}

CheckSpec check(const std::string& name, const std::string& strategy, PluginConfig config,
                OnError on_error = OnError::kIgnore, const std::string& group = "") {
  CheckSpec c;
  c.name = name;
  c.group = group;
  c.source = "sim";
  c.query = name;
  c.on_error = on_error;
  c.strategy = {strategy, std::move(config)};
  return c;
}

std::shared_ptr<const CompiledPolicy> compile(std::vector<CheckSpec> checks, std::int64_t min,
                                              std::int64_t max) {
  auto p = std::make_unique<Policy>();  // (on the heap: GCC 12 warns falsely on the stack)
  p->id.assign(1, 'p');
  p->min = min;
  p->max = max;
  p->checks = std::move(checks);
  auto compiled = CompiledPolicy::compile(*p);
  EXPECT_TRUE(compiled.ok());
  return *compiled;
}

TimeSeries series(std::initializer_list<double> values) {
  TimeSeries out;
  for (double v : values) out.push_back({Time(0), v});
  return out;
}

TEST(Decide, ClampsTheWinnerToMinMax) {
  auto p = compile({check("cpu", "target-value", {{"target", "50"}})}, 1, 6);
  std::vector<Result<TimeSeries>> m{series({200})};
  auto d = decide(*p, 4, m);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->needed);
  EXPECT_EQ(d->action.count, 6);
  EXPECT_EQ(d->winning_check, "cpu");
  EXPECT_NE(d->action.reason.find("capped count from 16 to 6"), std::string::npos);
  // Already at max: the capped count equals the current count, nothing to do.
  d = decide(*p, 6, m);
  EXPECT_FALSE(d->needed);
}

TEST(Decide, UpBeatsDownAcrossChecks) {
  auto p = compile({check("mem", "target-value", {{"target", "50"}}),
                    check("cpu", "target-value", {{"target", "50"}})},
                   0, 100);
  std::vector<Result<TimeSeries>> m{series({10}), series({100})};
  auto d = decide(*p, 4, m);
  EXPECT_EQ(d->action.direction, Direction::kUp);
  EXPECT_EQ(d->action.count, 8);
  EXPECT_EQ(d->winning_check, "cpu");
  ASSERT_EQ(d->checks.size(), 2u);
  EXPECT_EQ(d->checks[0].action.direction, Direction::kDown);
}

TEST(Decide, QueryErrorsAndEmptyMetricsFailTheEvaluation) {
  auto p = compile({check("cpu", "target-value", {{"target", "50"}})}, 0, 10);
  std::vector<Result<TimeSeries>> failed{make_error("connection refused")};
  auto d = decide(*p, 2, failed);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("check cpu: failed to query source sim: connection refused"),
            std::string::npos);
  std::vector<Result<TimeSeries>> empty{TimeSeries{}};
  d = decide(*p, 2, empty);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("no metrics available"), std::string::npos);
}

TEST(Decide, OnErrorIgnoreSkipsTheCheckAndFailStopsThePolicy) {
  // A negative metric makes target-value fail at run time.
  auto ignoring = compile({check("bad", "target-value", {{"target", "50"}}, OnError::kIgnore),
                           check("ok", "target-value", {{"target", "50"}})},
                          0, 10);
  std::vector<Result<TimeSeries>> m{series({-5}), series({100})};
  auto d = decide(*ignoring, 2, m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->action.count, 4);
  EXPECT_NE(d->checks[0].error.find("negative metric"), std::string::npos);

  auto failing = compile({check("bad", "target-value", {{"target", "50"}}, OnError::kFail),
                          check("ok", "target-value", {{"target", "50"}})},
                         0, 10);
  d = decide(*failing, 2, m);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("check bad:"), std::string::npos);
}

TEST(Decide, FixedValueNeedsNoMetrics) {
  auto p = compile({check("floor", "fixed-value", {{"value", "3"}})}, 0, 10);
  std::vector<Result<TimeSeries>> m{make_error("never queried")};
  auto d = decide(*p, 1, m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->action.count, 3);
}

TEST(Decide, BringsACountOutsideTheLimitsBack) {
  auto p = compile({check("hold", "target-value", {{"target", "50"}})}, 2, 5);
  std::vector<Result<TimeSeries>> on_target{series({50})};
  auto below = decide(*p, 1, on_target);
  EXPECT_TRUE(below->needed);
  EXPECT_EQ(below->action.count, 2);
  EXPECT_EQ(below->action.direction, Direction::kUp);
  EXPECT_NE(below->action.reason.find("outside [2, 5]"), std::string::npos);
  auto above = decide(*p, 9, on_target);
  EXPECT_EQ(above->action.count, 5);
  EXPECT_EQ(above->action.direction, Direction::kDown);
}

TEST(Decide, GroupedNoneDoesNotBlockAGroupedScaleDown) {
  auto p = compile({check("a", "target-value", {{"target", "50"}}, OnError::kIgnore, "g"),
                    check("b", "target-value", {{"target", "50"}}, OnError::kIgnore, "g")},
                   0, 10);
  std::vector<Result<TimeSeries>> m{series({50}), series({10})};
  auto d = decide(*p, 5, m);
  EXPECT_EQ(d->action.direction, Direction::kDown);
  EXPECT_EQ(d->action.count, 1);
}

}  // namespace
}  // namespace ha
