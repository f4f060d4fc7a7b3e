#include "sim/elasticity.h"

#include <gtest/gtest.h>

namespace ha {
namespace {

TEST(Elasticity, HandComputedTinyCase) {
  // 4 samples, dt = 10 s, T = 40 s.
  // t:      0  1  2  3
  // demand: 2  4  4  2
  // supply: 2  2  4  4
  // under: t=1 (4-2)/4 = 0.5 -> θ_U = 100/40 * 0.5*10 = 12.5 %, τ_U = 100/40 * 10 = 25 %
  // over:  t=3 (4-2)/2 = 1   -> θ_O = 100/40 * 1*10 = 25 %,    τ_O = 25 %
  // moves: t=1 s 0, d + (apart); t=2 s +, d 0 (apart); t=3 s 0, d - (apart)
  //        υ = 100/(40-10) * 30 = 100 %
  Elasticity e = elasticity({2, 4, 4, 2}, {2, 2, 4, 4}, 10);
  EXPECT_DOUBLE_EQ(e.accuracy_under, 12.5);
  EXPECT_DOUBLE_EQ(e.accuracy_over, 25);
  EXPECT_DOUBLE_EQ(e.timeshare_under, 25);
  EXPECT_DOUBLE_EQ(e.timeshare_over, 25);
  EXPECT_DOUBLE_EQ(e.instability, 100);
}

TEST(Elasticity, PerfectSupplyScoresZero) {
  Elasticity e = elasticity({1, 2, 3, 2}, {1, 2, 3, 2}, 5);
  EXPECT_EQ(e.accuracy_under, 0);
  EXPECT_EQ(e.accuracy_over, 0);
  EXPECT_EQ(e.timeshare_under, 0);
  EXPECT_EQ(e.timeshare_over, 0);
  EXPECT_EQ(e.instability, 0);
}

TEST(Elasticity, ZeroDemandDoesNotDivideByZero) {
  Elasticity e = elasticity({0, 0}, {2, 2}, 1);
  EXPECT_DOUBLE_EQ(e.accuracy_over, 200);  // measured against one node (ε = 1)
  EXPECT_DOUBLE_EQ(e.timeshare_over, 100);
  EXPECT_EQ(elasticity({}, {}, 1).accuracy_under, 0);
}

TEST(Percentile, NearestRank) {
  EXPECT_EQ(percentile({}, 50), 0);
  EXPECT_EQ(percentile({5}, 95), 5);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 50), 2);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 95), 4);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 0), 1);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 100), 4);
}

}  // namespace
}  // namespace ha
