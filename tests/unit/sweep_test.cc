#include "sim/sweep.h"

#include <regex>

#include "sim/sweep_html.h"

#include <gtest/gtest.h>

namespace ha {
namespace {

TEST(Sweep, GridAxisParsesAndRejects) {
  auto a = parse_grid_axis("policy.p.min=1,2,4");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->key, "policy.p.min");
  EXPECT_EQ(a->values, (std::vector<std::string>{"1", "2", "4"}));
  EXPECT_FALSE(parse_grid_axis("min").ok());
  EXPECT_FALSE(parse_grid_axis("=1,2").ok());
  EXPECT_FALSE(parse_grid_axis("min=").ok());
  EXPECT_FALSE(parse_grid_axis("min=1,,2").ok());
  EXPECT_FALSE(parse_grid_axis("min=1,2,").ok());
  EXPECT_EQ(parse_grid_axis("min=1,1").error().message, "--grid \"min=1,1\": 1 twice");
}

TEST(Sweep, GridExpandsToEveryCombinationFirstAxisSlowest) {
  std::vector<GridAxis> axes{{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}};
  auto v = expand_grid(axes, 100);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 6u);
  EXPECT_EQ((*v)[0][0].value + (*v)[0][1].value, "1x");
  EXPECT_EQ((*v)[2][0].value + (*v)[2][1].value, "1z");
  EXPECT_EQ((*v)[3][0].value + (*v)[3][1].value, "2x");
  EXPECT_EQ((*v)[5][1].key, "b");
  EXPECT_FALSE(expand_grid(axes, 5).ok());  // 6 variants, limit 5
  EXPECT_FALSE(expand_grid({}, 5).ok());
  EXPECT_FALSE(expand_grid({{"a", {"1"}}, {"a", {"2"}}}, 5).ok());
}

TEST(Sweep, ParetoFrontKeepsOnlyUnbeatenVariants) {
  // cost, pending: #1 beats #0 on both; #3 is beaten by #2; #4 ties #2 exactly.
  std::vector<VariantFigures> v{{10, 50}, {9, 40}, {12, 5}, {13, 6}, {12, 5}, {20, 0}};
  EXPECT_EQ(pareto_front(v), (std::vector<std::size_t>{1, 2, 4, 5}));
  EXPECT_EQ(pareto_front({}), std::vector<std::size_t>{});
  EXPECT_EQ(pareto_front({{1, 1}}), std::vector<std::size_t>{0});
}

TEST(Sweep, CsvRowQuotesValuesThatNeedIt) {
  nlohmann::ordered_json r = {{"node_hours", 12.5},
                              {"pending_seconds", {{"p50", 0}, {"p95", 3.5}, {"max", 9}}},
                              {"actions", {{"scale_out", 2}, {"scale_in", 1}}},
                              {"scale_out_latency_seconds", {{"p50", 100}}},
                              {"allocations", {{"never_placed", 0}}},
                              {"elasticity", {{"accuracy_under", 0.5}, {"accuracy_over", 1.5}}},
                              {"invariant_violations", {{"count", 0}}}};
  std::string row = sweep_csv_row(3, {{"k", "a\"b", false}, {"m", "2", false}}, r, true);
  EXPECT_EQ(row, "3,\"a\"\"b\",2,12.5,,,,,0,3.5,9,2,1,100,0,0.5,1.5,0,yes");
  r["node_hours_vs_oracle"] = 1.25;
  r["stopped_vm_hours"] = 4;
  r["cost"] = 12.7;
  r["cost_vs_oracle"] = 1.27;
  row = sweep_csv_row(3, {{"k", "a", false}, {"m", "2", false}}, r, false);
  EXPECT_EQ(row, "3,a,2,12.5,1.25,4,12.7,1.27,0,3.5,9,2,1,100,0,0.5,1.5,0,no");
  EXPECT_EQ(report_figures(r).cost, 12.7);
  EXPECT_EQ(report_figures(r).vs_oracle, 1.27);
  EXPECT_EQ(sweep_csv_header({{"k", {}}, {"m", {}}}).substr(0, 44),
            "variant,k,m,node_hours,node_hours_vs_oracle,");
}

TEST(Sweep, PageAxesTickAtRoundValues) {
  // The largest cost 529 and p95 126 s: the axes end on round values past them (600 and
  // 150), every tick a multiple of a round step, not quarters of the largest.
  std::vector<SweepPoint> points{{"a=1", {529, 45}, true}, {"a=2", {450, 126}, true}};
  SweepPage page;
  page.goal_pending = 120.0;
  std::string html = render_sweep_html("s", points, page);
  std::regex tick(R"re(text-anchor="(middle|end)">([0-9.]+)</text>)re");
  std::vector<std::string> x, y;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tick); it != std::sregex_iterator();
       ++it) {
    ((*it)[1] == "middle" ? x : y).push_back((*it)[2]);
  }
  EXPECT_EQ(x, (std::vector<std::string>{"0", "200", "400", "600"}));
  EXPECT_EQ(y, (std::vector<std::string>{"0", "50", "100", "150"}));
  EXPECT_NE(html.find("class=\"variant\">a=1</td>"), std::string::npos);
}

}  // namespace
}  // namespace ha
