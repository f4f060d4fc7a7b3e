#include <gtest/gtest.h>

#include "base/duration.h"
#include "base/quantity.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesGoSyntax) {
  EXPECT_EQ(*parse_duration("30s"), 30s);
  EXPECT_EQ(*parse_duration("1h30m"), 90min);
  EXPECT_EQ(*parse_duration("1.5h"), 90min);
  EXPECT_EQ(*parse_duration("300ms"), 300ms);
  EXPECT_EQ(*parse_duration("2h45m10.5s"), 2h + 45min + 10500ms);
  EXPECT_EQ(*parse_duration("10us"), 10us);
  EXPECT_EQ(*parse_duration("10\xC2\xB5s"), 10us);
  EXPECT_EQ(*parse_duration("7ns"), 7ns);
  EXPECT_EQ(*parse_duration(".5s"), 500ms);
  EXPECT_EQ(*parse_duration("0"), 0s);
  EXPECT_EQ(*parse_duration("+5m"), 5min);
}

TEST(Duration, RejectsWhatGoRejects) {
  for (const char* bad : {"", "5", "1x", "s", "1h5", "--1s", "1.2.3s", "abc", " 5s", "5s "}) {
    auto d = parse_duration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_NE(d.error().message.find("invalid duration"), std::string::npos);
    }
  }
}

TEST(Duration, DaysAndNegativesOnlyWhenAsked) {
  EXPECT_FALSE(parse_duration("7d").ok());
  EXPECT_EQ(*parse_duration("7d", {.allow_days = true}), 168h);
  EXPECT_EQ(*parse_duration("1d12h", {.allow_days = true}), 36h);
  EXPECT_FALSE(parse_duration("-1s").ok());
  EXPECT_EQ(*parse_duration("-1.5h", {.allow_negative = true}), -90min);
  EXPECT_FALSE(parse_duration("9999999999h").ok());
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(90min), "1h30m0s");
  EXPECT_EQ(format_duration(30s), "30s");
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1h), "1h0m0s");
  EXPECT_EQ(format_duration(-2min), "-2m0s");
  EXPECT_EQ(format_duration(1500ns), "1.5\xC2\xB5s");
  for (Duration d : std::initializer_list<Duration>{1s, 90s, 5min, 3h, 1ms * 1234567}) {
    EXPECT_EQ(*parse_duration(format_duration(d)), d);
  }
}

TEST(Quantity, ParsesKubernetesQuantities) {
  EXPECT_DOUBLE_EQ(*parse_quantity("4Gi"), 4.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*parse_quantity("512Mi"), 512.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*parse_quantity("500m"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_quantity("2"), 2);
  EXPECT_DOUBLE_EQ(*parse_quantity("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_quantity("1e3"), 1000);
  EXPECT_DOUBLE_EQ(*parse_quantity("2k"), 2000);
  EXPECT_DOUBLE_EQ(*parse_quantity("16G"), 16e9);
}

TEST(Quantity, RejectsBadSuffixes) {
  for (const char* bad : {"4Gq", "", "Gi", "1.2.3", "4 Gi", "x"}) {
    auto q = parse_quantity(bad);
    EXPECT_FALSE(q.ok()) << bad;
  }
  EXPECT_NE(parse_quantity("4Gq").error().message.find("unknown suffix \"Gq\""), std::string::npos);
}

}  // namespace
}  // namespace ha
