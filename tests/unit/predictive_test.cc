// predictive: its history, and its forecasts from a season ago, the trend and the present.
#include <gtest/gtest.h>

#include "engine/strategies/seasonal_history.h"
#include "engine/strategy.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

Time at(Duration d) {
  return Time(d);
}

TEST(SeasonalHistory, KeepsTheLargestValueOfEachSlotForItsRetention) {
  SeasonalHistory h(1min, 10min);
  EXPECT_FALSE(h.at(at(0min)).has_value());
  h.add(at(0s), 3);
  h.add(at(30s), 5);  // same slot: the larger stays
  h.add(at(40s), 4);
  h.add(at(3min), 7);  // slots 1 and 2 empty
  EXPECT_EQ(h.at(at(10s)), 5);
  EXPECT_EQ(h.at(at(2min)), 5);  // an empty slot reads as the newest before it
  EXPECT_EQ(h.peak(at(0min), at(3min)), 7);
  EXPECT_EQ(h.peak(at(1min), at(2min + 59s)), std::nullopt);
  h.add(at(20min), 1);  // the first slots fall out
  EXPECT_FALSE(h.at(at(3min)).has_value());
  EXPECT_EQ(h.at(at(20min)), 1);
  EXPECT_LE(h.slots(), 11u);
}

class PredictiveTest : public ::testing::Test {
 protected:
  std::unique_ptr<CompiledStrategy> compile(PluginConfig config) {
    ConfigIssues issues;
    auto s = find_strategy("predictive")->compile(config, issues);
    EXPECT_TRUE(issues.empty()) << issues.front().key << ": " << issues.front().reason;
    return s;
  }
  // Feeds one point per minute from `from` to `to` (excluded) of `shape(t)`.
  template <typename Shape>
  void feed(CompiledStrategy& s, Duration from, Duration to, Shape shape) {
    for (Duration t = from; t < to; t += 1min) {
      MetricPoint p{at(t), shape(t)};
      ASSERT_TRUE(s.run(std::span(&p, 1), 1).ok());
    }
  }
  std::int64_t decide(CompiledStrategy& s, Duration t, double value, std::int64_t count) {
    MetricPoint p{at(t), value};
    auto r = s.run(std::span(&p, 1), count);
    EXPECT_TRUE(r.ok() && r->has_value());
    return (*r)->count == 0 && (*r)->direction == Direction::kNone ? count : (*r)->count;
  }
};

TEST_F(PredictiveTest, ScalesAheadOfTheRiseItSawASeasonAgo) {
  auto s = compile({{"lead", "5m"}, {"seasons", "1h"}, {"trend", "false"}});
  // An hour of history: 4, rising to 10 at minute 32.
  feed(*s, 0min, 60min, [](Duration t) { return t >= 32min ? 10.0 : 4.0; });
  // Minute 60 + 29: an hour earlier it was 4, and within the next 5 minutes it rose by 6.
  feed(*s, 60min, 89min, [](Duration) { return 4.0; });
  EXPECT_EQ(decide(*s, 89min, 4, 4), 10);
  // Without a season of history it is reactive: the count the metric says.
  auto fresh = compile({{"lead", "5m"}, {"seasons", "1h"}, {"trend", "false"}});
  EXPECT_EQ(decide(*fresh, 89min, 4, 4), 4);
  EXPECT_EQ(decide(*fresh, 90min, 2, 4), 2);  // scale-in stays reactive
}

TEST_F(PredictiveTest, TrendAndLoadPerInstance) {
  auto s = compile({{"lead", "2m"}, {"seasons", "24h"}, {"per_instance", "100"}});
  feed(*s, 0min, 10min, [](Duration t) { return 100.0 + 50.0 * static_cast<double>(t / 1min); });
  // At minute 10 the load is 600 and rose 100 in the last 2 minutes: 700 is forecast, 7
  // instances of 100.
  EXPECT_EQ(decide(*s, 10min, 600, 6), 7);
  auto flat = compile({{"lead", "2m"}, {"per_instance", "100"}, {"trend", "false"}});
  feed(*flat, 0min, 10min, [](Duration t) { return 100.0 + 50.0 * static_cast<double>(t / 1min); });
  EXPECT_EQ(decide(*flat, 10min, 600, 6), 6);
}

TEST_F(PredictiveTest, BadConfigAndMetricsAreNamed) {
  ConfigIssues issues;
  EXPECT_EQ(
      find_strategy("predictive")
          ->compile({{"lead", "0s"}, {"seasons", "24h,soon"}, {"per_instance", "-1"}}, issues),
      nullptr);
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[0].key, "lead");
  EXPECT_EQ(issues[1].key, "seasons");
  EXPECT_NE(issues[1].reason.find("\"soon\""), std::string::npos);
  EXPECT_EQ(issues[2].key, "per_instance");
  auto s = compile({});
  MetricPoint bad{at(0s), -1};
  auto r = s->run(std::span(&bad, 1), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("predictive: negative metric value"), std::string::npos);
}

}  // namespace
}  // namespace ha
