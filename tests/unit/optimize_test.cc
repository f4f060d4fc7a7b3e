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
}

TEST(Optimize, TheGoalBoundsPendingTimeUnservedLoadOrBoth) {
  auto pending = parse_service_goal("pending_p95=2m");
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->pending_p95_seconds, 120);
  EXPECT_FALSE(pending->unserved_load);
  EXPECT_EQ(describe_goal(*pending), "p95 pending at most 120 s");
  auto both = parse_service_goal("pending_p95=90s,unserved_load=3%");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->pending_p95_seconds, 90);
  EXPECT_DOUBLE_EQ(*both->unserved_load, 0.03);
  EXPECT_EQ(describe_goal(*both), "p95 pending at most 90 s and unserved load at most 3 %");
  EXPECT_DOUBLE_EQ(*parse_service_goal("unserved_load=0.05")->unserved_load, 0.05);
  EXPECT_FALSE(parse_service_goal("unserved_load=0.05")->pending_p95_seconds);
  for (const char* bad : {"p99=1s", "pending_p95=soon", "pending_p95=-1s", "unserved_load=120%",
                          "unserved_load=-0.1", "unserved_load=lots", "pending_p95=1s,",
                          "pending_p95=1s,pending_p95=2s", "", "pending_p95"}) {
    auto r = parse_service_goal(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(std::string("--slo \"") + bad + "\""), std::string::npos)
        << r.error().message;
  }
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
  ClusterSpec shape;
  shape.cpu_mhz = 4000;
  shape.memory_mb = 8192;
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
  service.checks = {check("rps", "load_per_alloc", "target-value")};
  service.checks[0].source = "sim";
  service.checks[0].strategy.config.emplace("target", "3.2");
  service.target.config.emplace("Job", "web");
  service.target.config.emplace("Group", "api");
  RateDrivenService web;
  web.job = "web";
  web.group = "api";
  web.per_alloc_capacity = 4;
  const std::vector<std::string> cluster_axes{
      "policy.c.cooldown=30s..10m", "policy.c.evaluation_interval=10s,30s,1m",
      "policy.c.check.cpu.strategy.target=50..95",
      // The node's memory, which the query leaves to the pool, comes from the scenario.
      "policy.c.check.need.query=nodes_needed/node_class=x,node_cpu=4000,node_memory=8192,"
      "headroom=0;nodes_needed/node_class=x,node_cpu=4000,node_memory=8192,headroom=4;"
      "nodes_needed/node_class=x,node_cpu=4000,node_memory=8192,headroom=8;"
      "nodes_needed/node_class=x,node_cpu=4000,node_memory=8192,headroom=12;"
      "nodes_needed/node_class=x,node_cpu=4000,node_memory=8192,headroom=16;"
      "nodes_needed/node_class=x,node_cpu=4000,node_memory=8192,headroom=20",
      "policy.c.target.warm_pool_size=0,4,8,16", "policy.c.target.warm_pool_max_age=1h,4h,12h,24h"};
  auto space = [&](const std::vector<RateDrivenService>& services, const ServiceGoal& goal) {
    std::vector<std::string> texts;
    for (const SearchAxis& a : default_search_space({cluster, service}, services, goal, shape)) {
      texts.push_back(a.text);
    }
    return texts;
  };
  // Pending time alone says nothing of how loaded the service may run: it is left alone.
  EXPECT_EQ(space({web}, *parse_service_goal("pending_p95=2m")), cluster_axes);
  // A bound on unserved load lets its target go from the policy's own to the capacity.
  std::vector<std::string> with_service = cluster_axes;
  with_service.push_back("policy.s.check.rps.strategy.target=3.2..4");
  with_service.push_back("policy.s.cooldown=30s..5m");
  auto bounded = *parse_service_goal("pending_p95=2m,unserved_load=3%");
  EXPECT_EQ(space({web}, bounded), with_service);
  // Not without the service it scales, nor when its target is already the capacity.
  web.group = "other";
  EXPECT_EQ(space({web}, bounded), cluster_axes);
  web.group = "api";
  web.per_alloc_capacity = 3.2;
  EXPECT_EQ(space({web}, bounded), cluster_axes);
}

TEST(Optimize, APolicyWithoutChecksToTuneKeepsItsTimingAndPoolAxes) {
  Policy cluster;
  cluster.id = "c";
  cluster.target.name = "harvester";
  std::vector<std::string> texts;
  for (const SearchAxis& a : default_search_space({cluster}, {}, {}, {})) texts.push_back(a.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"policy.c.cooldown=30s..10m",
                                             "policy.c.evaluation_interval=10s,30s,1m",
                                             "policy.c.target.warm_pool_size=0,4,8,16",
                                             "policy.c.target.warm_pool_max_age=1h,4h,12h,24h"}));
}

TEST(Optimize, APolicyThatOnlyCountsNodesNeededMaySearchMinDownToZero) {
  // Idle hours cost the most at min: a policy sized by nodes_needed alone can grow an empty
  // group (the query is given the scenario's node size), so min goes down to 0.
  Policy p;
  p.id = "c";
  p.min = 10;
  CheckSpec need;
  need.name = "need";
  need.query = "nodes_needed/node_class=x";
  p.checks = {need};
  ClusterSpec shape;
  shape.cpu_mhz = 8000;
  shape.memory_mb = 16384;
  auto texts = [&] {
    std::vector<std::string> out;
    for (const SearchAxis& a : default_search_space({p}, {}, {}, shape)) out.push_back(a.text);
    return out;
  };
  auto axes = texts();
  ASSERT_EQ(axes.size(), 4u);
  EXPECT_EQ(axes[2].rfind("policy.c.check.need.query=nodes_needed/node_class=x,node_cpu=8000,"
                          "node_memory=16384,headroom=0;",
                          0),
            0u);
  EXPECT_EQ(axes[3], "policy.c.min=0,1,2,4,8,10");
  // Not beside a check that reads the nodes' allocated share, which an empty group lacks.
  CheckSpec cpu;
  cpu.name = "cpu";
  cpu.query = "percentage-allocated_cpu";
  p.checks.push_back(cpu);
  for (const std::string& a : texts()) EXPECT_EQ(a.find("min="), std::string::npos) << a;
  // Nor when min is 0 already.
  p.checks.pop_back();
  p.min = 0;
  for (const std::string& a : texts()) EXPECT_EQ(a.find("min="), std::string::npos) << a;
}

TEST(Optimize, AMetricDrivenPolicyMayCountTheNodesNeededInstead) {
  // The upstream-style policy: a target on the allocated cpu share, on a harvester target.
  Policy p;
  p.id = "c";
  p.min = 4;
  CheckSpec cpu;
  cpu.name = "cpu";
  cpu.query = "percentage-allocated_cpu";
  cpu.strategy.name = "target-value";
  p.checks = {cpu};
  p.target.name = "harvester";
  p.target.config.emplace("node_class", "x");
  ClusterSpec shape;
  shape.cpu_mhz = 8000;
  shape.memory_mb = 16384;
  std::vector<SearchAxis> axes = default_search_space({p}, {}, {}, shape);
  std::vector<std::string> keys;
  for (const SearchAxis& a : axes) keys.push_back(a.key);
  // The check block comes after the target it may replace, then min (the demand-exact
  // checks can grow an empty group), then the pool.
  EXPECT_EQ(keys, (std::vector<std::string>{"policy.c.cooldown", "policy.c.evaluation_interval",
                                            "policy.c.check.cpu.strategy.target", "policy.c.check",
                                            "policy.c.min", "policy.c.target.warm_pool_size",
                                            "policy.c.target.warm_pool_max_age"}));
  const SearchAxis& family = axes[3];
  ASSERT_EQ(family.values.size(), 7u);
  EXPECT_EQ(family.values[0], "as-given");
  EXPECT_EQ(nlohmann::json::parse(family.values[2]),
            nlohmann::json::parse(R"({"nodes_needed":{"source":"nomad-apm",
                "query":"nodes_needed/node_class=x,node_cpu=8000,node_memory=16384,headroom=4",
                "strategy":{"pass-through":{}}}})"));
  EXPECT_EQ(axes[4].text, "policy.c.min=0,1,2,4");
  // Stepping from a point whose checks are replaced never moves the replaced target.
  std::vector<Override> at;
  for (const SearchAxis& a : axes)
    at.push_back({a.key, a.values.empty() ? "1m" : a.values[1], false});
  at[2].value = "70";
  for (const auto& point : neighbours(axes, at, 1.0 / 8)) EXPECT_EQ(point[2].value, "70");
  at[3].value = "as-given";  // with the checks as given, it moves
  bool moved = false;
  for (const auto& point : neighbours(axes, at, 1.0 / 8)) moved = moved || point[2].value != "70";
  EXPECT_TRUE(moved);
  // Without a node class to count there is no such axis, nor a min axis beside the share.
  p.target.config.clear();
  for (const SearchAxis& a : default_search_space({p}, {}, {}, shape)) {
    EXPECT_NE(a.key, "policy.c.check");
    EXPECT_NE(a.key, "policy.c.min");
  }
}

TEST(Optimize, NeighboursStepAlongOneAxisAtATime) {
  std::vector<SearchAxis> axes{*parse_search_axis("list=a,b,c"), *parse_search_axis("n=0..80"),
                               *parse_search_axis("d=30s..8m"), *parse_search_axis("w=1..9")};
  std::vector<Override> at{
      {"list", "a", false}, {"n", "40", false}, {"d", "2m", false}, {"w", "9", false}};
  std::vector<std::string> points;
  for (const auto& p : neighbours(axes, at, 1.0 / 8)) {
    std::string text;
    for (const Override& o : p) text += o.value + " ";
    points.push_back(text);
  }
  // The list's next value (none before the first); the number by 1/8 of its span; the
  // duration by 1/8 of its ratio (16^(1/8) = 1.41); the whole number stays whole and at its end.
  EXPECT_EQ(points, (std::vector<std::string>{"b 40 2m 9 ", "a 30 2m 9 ", "a 50 2m 9 ",
                                              "a 40 1m25s 9 ", "a 40 2m50s 9 ", "a 40 2m 8 "}));
  // A step below an axis's resolution leaves it where it is.
  EXPECT_EQ(neighbours({*parse_search_axis("w=1..9")}, {{"w", "5", false}}, 1.0 / 64).size(), 0u);
}

TEST(Optimize, JointMovesPairASavingStepWithStepsThatBuyBackTheGoal) {
  // At headroom 8, min 1, target 3.9: cost 100, p95 108 s, unserved 2.97 %. Headroom 4
  // saves 10 but misses both bounds; min 2 buys pending time and a little load for 1, a
  // lower target buys load for 2, a larger pool buys everything for 12 (more than the
  // saving), a shorter cooldown buys nothing.
  ServiceGoal goal{120, 0.03};
  std::vector<Override> at{{"h", "8", false},
                           {"min", "1", false},
                           {"t", "3.9", false},
                           {"pool", "4", false},
                           {"cd", "1m", false}};
  auto step = [&at](std::size_t axis, const char* value) {
    std::vector<Override> p = at;
    p[axis].value = value;
    return p;
  };
  RunFigures here{100, 108, false, 0.0297};
  std::vector<std::pair<std::vector<Override>, RunFigures>> round{
      {step(0, "4"), {90, 124, false, 0.0312}},  {step(0, "12"), {105, 103, false, 0.029}},
      {step(1, "2"), {101, 102, false, 0.0290}}, {step(2, "3.8"), {102, 110, false, 0.0275}},
      {step(3, "8"), {112, 55, false, 0.0265}},  {step(4, "30s"), {100, 108, false, 0.0297}},
      {step(3, "0"), {95, 200, true, 0.05}}};  // a failed run is no saver
  auto values = [](const std::vector<Override>& p) {
    std::string v;
    for (const Override& o : p) v += o.value + " ";
    return v;
  };
  auto moves = joint_moves(at, here, round, goal);
  // Min 2 alone leaves the unserved load over (3.12 - 0.07 = 3.05 %): the target joins it.
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(values(moves[0]), "4 2 3.8 4 1m ");
  // Nothing to buy back with (only the saver and the step dearer than its saving): none.
  EXPECT_TRUE(joint_moves(at, here, {round[0], round[4]}, goal).empty());
  // A saver that already meets the goal is a plain better run, not a joint move.
  round[0].second = {90, 110, false, 0.02};
  EXPECT_TRUE(joint_moves(at, here, round, goal).empty());
}

TEST(Optimize, RungsHalveTheDurationDownToAnHour) {
  EXPECT_EQ(rung_durations(48h, 1), (std::vector<Duration>{48h}));
  EXPECT_EQ(rung_durations(48h, 3), (std::vector<Duration>{24h, 48h}));
  EXPECT_EQ(rung_durations(48h, 24), (std::vector<Duration>{6h, 12h, 24h, 48h}));
  EXPECT_EQ(rung_durations(3h, 24), (std::vector<Duration>{Duration(90min), 3h}));
}

TEST(Optimize, MeetingTheGoalComesBeforeCost) {
  ServiceGoal goal{120, std::nullopt};
  RunFigures cheap_slow{100, 300, false, 0}, dear_quick{200, 60, false, 0},
      dearer_quick{250, 10, false, 0}, slower{90, 400, false, 0}, failed{0, 0, true, 0};
  EXPECT_TRUE(better_run(dear_quick, cheap_slow, goal));
  EXPECT_TRUE(better_run(dear_quick, dearer_quick, goal));
  EXPECT_TRUE(better_run(cheap_slow, slower, goal));  // both miss: the smaller miss
  EXPECT_TRUE(better_run(slower, failed, goal));
  std::vector<RunFigures> runs{cheap_slow, dearer_quick, failed, dear_quick, slower};
  EXPECT_EQ(best_runs(runs, 3, goal), (std::vector<std::size_t>{3, 1, 0}));
}

TEST(Optimize, UnservedLoadIsABoundLikePendingTime) {
  ServiceGoal goal{120, 0.03};
  RunFigures careful{200, 60, false, 0.02}, loaded{150, 60, false, 0.05},
      overloaded{100, 60, false, 0.30}, slow_and_loaded{120, 240, false, 0.04};
  EXPECT_TRUE(meets(careful, goal));
  EXPECT_FALSE(meets(loaded, goal));
  EXPECT_TRUE(better_run(careful, loaded, goal));  // meets first, though dearer
  // Misses compare by their excess as a share of each bound: 0.67 against 9 ...
  EXPECT_TRUE(better_run(loaded, overloaded, goal));
  // ... and 1 + 0.33 against 0.67.
  EXPECT_TRUE(better_run(loaded, slow_and_loaded, goal));
  ServiceGoal unserved_only{std::nullopt, 0.03};
  EXPECT_TRUE(meets(RunFigures{100, 9999, false, 0.01}, unserved_only));
  EXPECT_FALSE(meets(RunFigures{100, 0, true, 0}, unserved_only));
}

}  // namespace
}  // namespace ha
