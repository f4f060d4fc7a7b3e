// The cases of upstream's fixed-value and pass-through plugin_test.go, in our own form.
#include "tests/unit/strategy_helpers.h"

namespace ha {
namespace {

using testing::first_issue;
using testing::run_strategy;

TEST(FixedValue, ConfigErrors) {
  EXPECT_EQ(first_issue(run_strategy("fixed-value", {}, {13}, 0)), "value: missing required field");
  EXPECT_NE(first_issue(run_strategy("fixed-value", {{"value", "not-an-int"}}, {13}, 0))
                .find("value: invalid value"),
            std::string::npos);
}

TEST(FixedValue, ScalesToTheValueWithoutMetrics) {
  auto up = run_strategy("fixed-value", {{"value", "13"}}, {}, 2);
  ASSERT_TRUE(up.action);
  EXPECT_EQ(up.action->count, 13);
  EXPECT_EQ(up.action->direction, Direction::kUp);
  EXPECT_EQ(up.action->reason, "scaling up because fixed value is 13");

  auto down = run_strategy("fixed-value", {{"value", "4"}}, {26}, 10);
  ASSERT_TRUE(down.action);
  EXPECT_EQ(down.action->count, 4);
  EXPECT_EQ(down.action->reason, "scaling down because fixed value is 4");

  auto same = run_strategy("fixed-value", {{"value", "10"}}, {9}, 10);
  ASSERT_TRUE(same.action);
  EXPECT_EQ(same.action->direction, Direction::kNone);
  EXPECT_FALSE(find_strategy("fixed-value")->needs_metrics());
}

TEST(PassThrough, ConfigErrors) {
  EXPECT_NE(first_issue(run_strategy("pass-through", {{"max_scale_up", "x"}}, {13}, 0))
                .find("max_scale_up: invalid value"),
            std::string::npos);
  EXPECT_NE(first_issue(run_strategy("pass-through", {{"max_scale_down", "x"}}, {13}, 0))
                .find("max_scale_down: invalid value"),
            std::string::npos);
}

TEST(PassThrough, MetricIsTheCount) {
  auto up = run_strategy("pass-through", {}, {13}, 2);
  ASSERT_TRUE(up.action);
  EXPECT_EQ(up.action->count, 13);
  EXPECT_EQ(up.action->direction, Direction::kUp);
  EXPECT_EQ(up.action->reason, "scaling up because metric is 13");

  auto zero = run_strategy("pass-through", {}, {0}, 2);
  ASSERT_TRUE(zero.action);
  EXPECT_EQ(zero.action->count, 0);
  EXPECT_EQ(zero.action->reason, "scaling down because metric is 0");

  auto same = run_strategy("pass-through", {}, {10}, 10);
  EXPECT_EQ(same.action->direction, Direction::kNone);

  auto none = run_strategy("pass-through", {}, {}, 10);
  EXPECT_FALSE(none.action.has_value());

  auto truncated = run_strategy("pass-through", {}, {7.9}, 2);
  EXPECT_EQ(truncated.action->count, 7);
}

TEST(PassThrough, LimitsApplyPerDirection) {
  auto up = run_strategy("pass-through", {{"max_scale_up", "3"}}, {13}, 2);
  EXPECT_EQ(up.action->count, 5);
  EXPECT_EQ(up.action->reason, "scaling up because metric is 13");
  auto down = run_strategy("pass-through", {{"max_scale_down", "1"}}, {3}, 10);
  EXPECT_EQ(down.action->count, 9);
  EXPECT_EQ(down.action->reason, "scaling down because metric is 3");
}

TEST(PassThrough, NegativeMetricIsAnError) {
  auto r = run_strategy("pass-through", {}, {-1}, 3);
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("negative metric value -1"), std::string::npos);
}

TEST(Registry, KnowsTheBuiltInNames) {
  EXPECT_EQ(strategy_names(), (std::vector<std::string>{"target-value", "threshold", "fixed-value",
                                                        "pass-through", "predictive"}));
  EXPECT_EQ(find_strategy("nope"), nullptr);
}

}  // namespace
}  // namespace ha
