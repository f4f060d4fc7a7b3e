// The cases of upstream's threshold plugin_test.go, in our own form.
#include "tests/unit/strategy_helpers.h"

namespace ha {
namespace {

using testing::first_issue;
using testing::run_strategy;

struct Case {
  const char* name;
  std::int64_t count;
  std::vector<double> metrics;
  PluginConfig config;
  Direction direction;
  std::int64_t new_count;  // checked when direction != none
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class ThresholdCases : public ::testing::TestWithParam<Case> {};

TEST_P(ThresholdCases, MatchesUpstream) {
  const Case& c = GetParam();
  auto r = run_strategy("threshold", c.config, c.metrics, c.count);
  ASSERT_TRUE(r.issues.empty()) << first_issue(r);
  ASSERT_FALSE(r.error);
  ASSERT_TRUE(r.action);
  EXPECT_EQ(r.action->direction, c.direction);
  if (c.direction != Direction::kNone) {
    EXPECT_EQ(r.action->count, c.new_count);
    EXPECT_EQ(r.action->reason, std::string("scaling ") + std::string(to_string(c.direction)) +
                                    " because metric is within bounds");
  }
}

const std::vector<double> kTens(6, 10.0);

INSTANTIATE_TEST_SUITE_P(
    Upstream, ThresholdCases,
    ::testing::Values(Case{"LowerBoundInclusive",
                           1,
                           {10, 10, 10, 10, 10},
                           {{"lower_bound", "10"}, {"delta", "-1"}},
                           Direction::kDown,
                           0},
                      Case{"UpperBoundExclusive",
                           1,
                           {10, 10, 10, 10, 10},
                           {{"upper_bound", "10"}, {"delta", "1"}},
                           Direction::kNone,
                           0},
                      Case{"BothBoundsNoAction",
                           1,
                           {10, 10, 20, 20, 20},
                           {{"lower_bound", "10"},
                            {"upper_bound", "20"},
                            {"delta", "1"},
                            {"within_bounds_trigger", "3"}},
                           Direction::kNone,
                           0},
                      Case{"BothBoundsScale",
                           1,
                           {10, 10, 20, 20, 20},
                           {{"lower_bound", "10"},
                            {"upper_bound", "20"},
                            {"delta", "1"},
                            {"within_bounds_trigger", "2"}},
                           Direction::kUp,
                           2},
                      Case{"DeltaUp",
                           1,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"delta", "1"}},
                           Direction::kUp,
                           2},
                      Case{"DeltaDown",
                           1,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"delta", "-1"}},
                           Direction::kDown,
                           0},
                      Case{"DeltaDownNeverNegative",
                           0,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"delta", "-1"}},
                           Direction::kNone,
                           0},
                      Case{"PercentageUp",
                           10,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"percentage", "30"}},
                           Direction::kUp,
                           13},
                      Case{"PercentageDown",
                           10,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"percentage", "-30"}},
                           Direction::kDown,
                           7},
                      Case{"PercentageNone",
                           10,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"percentage", "0"}},
                           Direction::kNone,
                           0},
                      Case{"ValueUp",
                           1,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"value", "10"}},
                           Direction::kUp,
                           10},
                      Case{"ValueDown",
                           20,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"value", "10"}},
                           Direction::kDown,
                           10},
                      Case{"ValueNone",
                           10,
                           kTens,
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"value", "10"}},
                           Direction::kNone,
                           0},
                      Case{"NotEnoughWithinBounds",
                           1,
                           {10, 0, 0, 0, 0, 0},
                           {{"lower_bound", "5"}, {"upper_bound", "20"}, {"delta", "1"}},
                           Direction::kNone,
                           0},
                      Case{"CustomTrigger",
                           1,
                           {10, 0, 0, 0, 0, 0},
                           {{"lower_bound", "5"},
                            {"upper_bound", "20"},
                            {"delta", "1"},
                            {"within_bounds_trigger", "1"}},
                           Direction::kUp,
                           2},
                      Case{"NegativeBoundsAllowed",
                           3,
                           {-5, -5, -5, -5, -5},
                           {{"upper_bound", "0"}, {"delta", "-1"}},
                           Direction::kDown,
                           2}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(Threshold, ConfigErrors) {
  EXPECT_NE(first_issue(run_strategy("threshold", {{"delta", "1"}}, {0}, 1))
                .find("must have either \"lower_bound\" or \"upper_bound\""),
            std::string::npos);
  EXPECT_NE(first_issue(run_strategy("threshold", {{"upper_bound", "x"}, {"delta", "1"}}, {0}, 1))
                .find("upper_bound: invalid value"),
            std::string::npos);
  EXPECT_NE(first_issue(run_strategy("threshold", {{"lower_bound", "x"}, {"delta", "1"}}, {0}, 1))
                .find("lower_bound: invalid value"),
            std::string::npos);
  EXPECT_NE(first_issue(run_strategy("threshold", {{"lower_bound", "5"}}, {0}, 1))
                .find("must have either \"delta\", \"percentage\" or \"value\""),
            std::string::npos);
  EXPECT_NE(
      first_issue(run_strategy("threshold", {{"lower_bound", "5"}, {"delta", "1"}, {"value", "10"}},
                               {0}, 1))
          .find("only one of \"delta\", \"percentage\" or \"value\" must be provided"),
      std::string::npos);
  EXPECT_NE(first_issue(
                run_strategy("threshold",
                             {{"lower_bound", "5"}, {"delta", "1"}, {"within_bounds_trigger", "x"}},
                             {0}, 1))
                .find("within_bounds_trigger: invalid value"),
            std::string::npos);
  EXPECT_NE(first_issue(run_strategy("threshold", {{"lower_bound", "5"}, {"value", "-1"}}, {0}, 1))
                .find("value: invalid value \"-1\": must not be negative"),
            std::string::npos);
  EXPECT_NE(first_issue(run_strategy("threshold", {{"lower_bound", "5"}, {"delta", "1.5"}}, {0}, 1))
                .find("delta: invalid value"),
            std::string::npos);
}

TEST(Threshold, NoMetricsNoDecision) {
  auto r = run_strategy("threshold", {{"lower_bound", "5"}, {"delta", "1"}}, {}, 1);
  EXPECT_FALSE(r.action.has_value());
}

TEST(Threshold, NanMetricIsAnError) {
  auto r = run_strategy("threshold", {{"lower_bound", "5"}, {"delta", "1"}}, {1, std::nan("")}, 1);
  ASSERT_TRUE(r.error);
}

}  // namespace
}  // namespace ha
