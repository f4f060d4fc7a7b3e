// The cases of upstream's target-value plugin_test.go, in our own form.
#include "tests/unit/strategy_helpers.h"

namespace ha {
namespace {

using testing::first_issue;
using testing::run_strategy;

TEST(TargetValue, MissingTargetIsAConfigError) {
  auto r = run_strategy("target-value", {}, {13}, 0);
  EXPECT_EQ(first_issue(r), "target: missing required field");
}

TEST(TargetValue, InvalidNumbersAreConfigErrors) {
  EXPECT_NE(first_issue(run_strategy("target-value", {{"target", "not-a-float"}}, {13}, 0))
                .find("target: invalid value"),
            std::string::npos);
  EXPECT_NE(
      first_issue(run_strategy("target-value", {{"target", "0"}, {"threshold", "x"}}, {13}, 0))
          .find("threshold: invalid value"),
      std::string::npos);
  EXPECT_NE(
      first_issue(run_strategy("target-value", {{"target", "0"}, {"max_scale_up", "1.5"}}, {13}, 0))
          .find("max_scale_up: invalid value"),
      std::string::npos);
  EXPECT_NE(
      first_issue(run_strategy("target-value", {{"target", "0"}, {"max_scale_down", "x"}}, {13}, 0))
          .find("max_scale_down: invalid value"),
      std::string::npos);
  EXPECT_NE(first_issue(run_strategy("target-value", {{"target", "NaN"}}, {13}, 0))
                .find("not a finite number"),
            std::string::npos);
}

TEST(TargetValue, EmptyMetricsMakeNoDecision) {
  auto r = run_strategy("target-value", {{"target", "13"}}, {}, 2);
  ASSERT_TRUE(r.issues.empty());
  EXPECT_FALSE(r.error);
  EXPECT_FALSE(r.action.has_value());
}

TEST(TargetValue, FactorOfOneKeepsCount) {
  auto r = run_strategy("target-value", {{"target", "13"}}, {13}, 2);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->direction, Direction::kNone);
}

TEST(TargetValue, FactorAboveOneScalesUp) {
  auto r = run_strategy("target-value", {{"target", "13"}}, {26}, 2);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->direction, Direction::kUp);
  EXPECT_EQ(r.action->count, 4);
  EXPECT_EQ(r.action->reason, "scaling up because factor is 2.000000");
}

TEST(TargetValue, ScaleFromZeroUsesFactorAsCount) {
  auto r = run_strategy("target-value", {{"target", "10"}}, {20}, 0);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->count, 2);
  EXPECT_EQ(r.action->direction, Direction::kUp);
  EXPECT_EQ(r.action->reason, "scaling up because factor is 2.000000");
}

TEST(TargetValue, SmallDifferenceWithinDefaultThresholdDoesNothing) {
  auto r = run_strategy("target-value", {{"target", "10"}}, {9}, 1);
  ASSERT_TRUE(r.action);
  // factor 0.9 < 0.99 says down, but ceil(1 * 0.9) = 1 = count: no change.
  EXPECT_EQ(r.action->direction, Direction::kNone);
}

TEST(TargetValue, ScaleFromZeroOnAnyLoad) {
  auto r = run_strategy("target-value", {{"target", "10"}}, {1}, 0);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->count, 1);
  EXPECT_EQ(r.action->direction, Direction::kUp);
  EXPECT_EQ(r.action->reason, "scaling up because factor is 0.100000");
}

TEST(TargetValue, ZeroTargetScalesToZeroWhenIdle) {
  auto r = run_strategy("target-value", {{"target", "0"}}, {0}, 5);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->count, 0);
  EXPECT_EQ(r.action->direction, Direction::kDown);
  EXPECT_EQ(r.action->reason, "scaling down because factor is 0.000000");
}

TEST(TargetValue, ZeroTargetAndZeroCountStaysPut) {
  auto r = run_strategy("target-value", {{"target", "0"}}, {0}, 0);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->direction, Direction::kNone);
}

TEST(TargetValue, ThresholdFiltersTinyChanges) {
  auto r = run_strategy("target-value", {{"target", "5"}}, {5.00001}, 8);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->direction, Direction::kNone);

  auto small =
      run_strategy("target-value", {{"target", "5"}, {"threshold", "0.000001"}}, {5.00001}, 8);
  ASSERT_TRUE(small.action);
  EXPECT_EQ(small.action->direction, Direction::kUp);
  EXPECT_EQ(small.action->count, 9);
  EXPECT_EQ(small.action->reason, "scaling up because factor is 1.000002");
}

TEST(TargetValue, UsesOnlyTheLatestPoint) {
  auto r = run_strategy("target-value", {{"target", "16"}}, {13, 14, 15, 16}, 2);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->direction, Direction::kNone);
}

TEST(TargetValue, MaxScaleUpLimitsIncrease) {
  auto r = run_strategy("target-value", {{"target", "50"}, {"max_scale_up", "2"}}, {210}, 1);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->count, 3);
  EXPECT_EQ(r.action->reason, "scaling up because factor is 4.200000");
}

TEST(TargetValue, MaxScaleDownLimitsDecrease) {
  auto r = run_strategy("target-value", {{"target", "210"}, {"max_scale_down", "1"}}, {10}, 5);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->count, 4);
  EXPECT_EQ(r.action->direction, Direction::kDown);
  EXPECT_EQ(r.action->reason, "scaling down because factor is 0.047619");
}

// Upstream's calculateDirection table, through whole runs: threshold 0.01.
TEST(TargetValue, DirectionTable) {
  struct Case {
    std::int64_t count;
    double factor;
    Direction want;
  } cases[] = {{0, 1, Direction::kUp},        {5, 1, Direction::kNone},
               {4, 0.5, Direction::kDown},    {5, 2, Direction::kUp},
               {5, 1.0001, Direction::kNone}, {5, 1.02, Direction::kUp},
               {5, 0.99, Direction::kNone},   {5, 0.98, Direction::kNone}};
  // 5 * 0.98 = 4.9 -> ceil 5: same count, so no change although the direction is down.
  for (const Case& c : cases) {
    auto r = run_strategy("target-value", {{"target", "100"}, {"threshold", "0.01"}},
                          {c.factor * 100}, c.count);
    ASSERT_TRUE(r.action);
    EXPECT_EQ(r.action->direction, c.want) << c.count << " " << c.factor;
  }
  auto down = run_strategy("target-value", {{"target", "100"}}, {80}, 10);
  EXPECT_EQ(down.action->direction, Direction::kDown);
  EXPECT_EQ(down.action->count, 8);
}

TEST(TargetValue, RejectsMetricsItCannotUse) {
  auto nan = run_strategy("target-value", {{"target", "10"}}, {std::nan("")}, 1);
  ASSERT_TRUE(nan.error);
  EXPECT_NE(nan.error->find("not a finite number"), std::string::npos);
  auto negative = run_strategy("target-value", {{"target", "10"}}, {-3}, 1);
  ASSERT_TRUE(negative.error);
  EXPECT_NE(negative.error->find("negative metric"), std::string::npos);
}

TEST(TargetValue, RejectsNegativeLimits) {
  auto r = run_strategy("target-value", {{"target", "-1"}, {"max_scale_up", "-2"}}, {1}, 1);
  ASSERT_EQ(r.issues.size(), 2u);
  EXPECT_EQ(r.issues[0].key, "target");
  EXPECT_EQ(r.issues[1].key, "max_scale_up");
}

}  // namespace
}  // namespace ha
