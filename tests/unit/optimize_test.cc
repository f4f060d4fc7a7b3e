// optimize's search: the space's forms, the candidates a seed gives, the rungs, and which
// run is better under a goal.
#include "sim/optimize.h"

#include <gtest/gtest.h>

namespace ha {
namespace {

using namespace std::chrono_literals;

TEST(Optimize, ParsesListsRangesAndNamesMistakes) {
  auto list = parse_search_axis("policy.p.min=1,2,4");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->kind, SearchAxis::Kind::kList);
  EXPECT_EQ(list->values, (std::vector<std::string>{"1", "2", "4"}));
  auto semi = parse_search_axis("q=a/x=1,h=2;a/x=1,h=4");
  ASSERT_TRUE(semi.ok());
  EXPECT_EQ(semi->values, (std::vector<std::string>{"a/x=1,h=2", "a/x=1,h=4"}));
  auto whole = parse_search_axis("k=1..10");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->kind, SearchAxis::Kind::kWhole);
  EXPECT_EQ(parse_search_axis("k=0.5..0.9")->kind, SearchAxis::Kind::kReal);
  auto span = parse_search_axis("k=30s..5m");
  ASSERT_TRUE(span.ok());
  EXPECT_EQ(span->kind, SearchAxis::Kind::kDuration);
  EXPECT_DOUBLE_EQ(span->high, 300);
  for (const char* bad : {"k", "=1,2", "k=5..1", "k=1..5m", "k=a;;b", "k=1,1"}) {
    auto r = parse_search_axis(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(std::string("--space \"") + bad + "\""), std::string::npos)
        << r.error().message;
  }
  EXPECT_DOUBLE_EQ(parse_service_goal("pending_p95=2m")->pending_p95_seconds, 120);
  EXPECT_FALSE(parse_service_goal("p99=1s").ok());
  EXPECT_FALSE(parse_service_goal("pending_p95=soon").ok());
}

TEST(Optimize, CandidatesAreTheGridOrSeededDraws) {
  std::vector<SearchAxis> lists{*parse_search_axis("a=1,2"), *parse_search_axis("b=x,y,z")};
  auto grid = optimize_candidates(lists, 6, 1);
  ASSERT_TRUE(grid.ok());
  EXPECT_EQ(grid->size(), 6u);  // every combination fits the budget
  std::vector<SearchAxis> mixed{*parse_search_axis("a=1..100"), *parse_search_axis("d=10s..10m"),
                                *parse_search_axis("r=0.1..0.9")};
  auto one = optimize_candidates(mixed, 20, 7), again = optimize_candidates(mixed, 20, 7),
       other = optimize_candidates(mixed, 20, 8);
  ASSERT_TRUE(one.ok() && again.ok() && other.ok());
  ASSERT_EQ(one->size(), 20u);
  auto values = [](const std::vector<std::vector<Override>>& c) {
    std::vector<std::string> v;
    for (const auto& o : c)
      for (const auto& x : o) v.push_back(x.value);
    return v;
  };
  EXPECT_EQ(values(*one), values(*again));
  EXPECT_NE(values(*one), values(*other));
  for (const auto& c : *one) {
    int a = std::stoi(c[0].value);
    EXPECT_TRUE(a >= 1 && a <= 100) << a;
    EXPECT_EQ(c[1].value.find('.'), std::string::npos) << c[1].value;  // whole seconds
    double r = std::stod(c[2].value);
    EXPECT_TRUE(r >= 0.1 && r <= 0.9) << r;
  }
  // A space smaller than the budget gives each point once.
  auto small =
      optimize_candidates({*parse_search_axis("a=1,2"), *parse_search_axis("b=1..2")}, 50, 1);
  EXPECT_EQ(small->size(), 4u);
  EXPECT_FALSE(optimize_candidates({}, 5, 1).ok());
  EXPECT_FALSE(optimize_candidates(lists, 0, 1).ok());
}

TEST(Optimize, TheDefaultSpaceComesFromTheClusterPolicies) {
  Policy cluster;
  cluster.id = "c";
  auto check = [](const char* name, const char* query, const char* strategy) {
    CheckSpec c;
    c.name = name;
    c.source = "nomad-apm";
    c.query = query;
    c.strategy.name = strategy;
    return c;
  };
  cluster.checks = {
      check("cpu", "percentage-allocated_cpu", "target-value"),
      check("need", "nodes_needed/node_class=x,headroom=8,node_cpu=4000", "pass-through"),
      check("pending", "pending_allocations", "threshold")};
  cluster.target.name = "harvester";
  Policy service = cluster;
  service.target.name = "nomad-target";
  service.id = "s";
  service.type = "horizontal";
  std::vector<std::string> texts;
  for (const SearchAxis& a : default_search_space({cluster, service})) texts.push_back(a.text);
  EXPECT_EQ(texts, (std::vector<std::string>{
                       "policy.c.cooldown=30s..10m", "policy.c.evaluation_interval=10s,30s,1m",
                       "policy.c.check.cpu.strategy.target=50..95",
                       "policy.c.check.need.query=nodes_needed/node_class=x,node_cpu=4000,"
                       "headroom=0;nodes_needed/node_class=x,node_cpu=4000,headroom=4;"
                       "nodes_needed/node_class=x,node_cpu=4000,headroom=8;"
                       "nodes_needed/node_class=x,node_cpu=4000,headroom=12;"
                       "nodes_needed/node_class=x,node_cpu=4000,headroom=16;"
                       "nodes_needed/node_class=x,node_cpu=4000,headroom=20",
                       "policy.c.target.warm_pool_size=0,4,8,16"}));
}

TEST(Optimize, RungsHalveTheDurationDownToAnHour) {
  EXPECT_EQ(rung_durations(48h, 1), (std::vector<Duration>{48h}));
  EXPECT_EQ(rung_durations(48h, 3), (std::vector<Duration>{24h, 48h}));
  EXPECT_EQ(rung_durations(48h, 24), (std::vector<Duration>{6h, 12h, 24h, 48h}));
  EXPECT_EQ(rung_durations(3h, 24), (std::vector<Duration>{Duration(90min), 3h}));
}

TEST(Optimize, MeetingTheGoalComesBeforeCost) {
  ServiceGoal goal{120};
  RunFigures cheap_slow{100, 300, false}, dear_quick{200, 60, false}, dearer_quick{250, 10, false},
      slower{90, 400, false}, failed{0, 0, true};
  EXPECT_TRUE(better_run(dear_quick, cheap_slow, goal));
  EXPECT_TRUE(better_run(dear_quick, dearer_quick, goal));
  EXPECT_TRUE(better_run(cheap_slow, slower, goal));  // both miss: the smaller miss
  EXPECT_TRUE(better_run(slower, failed, goal));
  std::vector<RunFigures> runs{cheap_slow, dearer_quick, failed, dear_quick, slower};
  EXPECT_EQ(best_runs(runs, 3, goal), (std::vector<std::size_t>{3, 1, 0}));
}

}  // namespace
}  // namespace ha
