#include "sim/overrides.h"

#include <gtest/gtest.h>

namespace ha {
namespace {

using nlohmann::json;

std::vector<Override> overrides(std::initializer_list<const char*> items) {
  std::vector<Override> out;
  for (const char* i : items) out.push_back(*parse_override(i));
  return out;
}

TEST(Overrides, EditScenarioAndPolicyDocuments) {
  json scenario =
      json::parse(R"({"duration": "7d", "cluster": {"max_vms": 10, "node": {"cpu_mhz": 1}}})");
  json policy = json::parse(R"({"scaling": {"web": {"min": 1, "max": 5, "policy": {
      "cooldown": "5m",
      "check": {"cpu": {"strategy": {"target-value": {"target": 70}}}},
      "target": {"harvester": {"node_group_name": "web", "node_class": "web"}}}}}})");
  auto o =
      overrides({"duration=1d", "cluster.max_vms=20", "cluster.node.cpu_mhz=4000",
                 "policy.web.min=3", "policy.web.cooldown=1m",
                 "policy.web.check.cpu.strategy.target=55.5", "policy.web.target.dry-run=true"});
  ASSERT_TRUE(apply_scenario_overrides(scenario, o).ok());
  ASSERT_TRUE(apply_policy_overrides(policy, o).ok());
  ASSERT_TRUE(check_all_used(o).ok());
  EXPECT_EQ(scenario["duration"], "1d");
  EXPECT_EQ(scenario["cluster"]["max_vms"], 20);
  EXPECT_EQ(scenario["cluster"]["node"]["cpu_mhz"], 4000);
  const json& web = policy["scaling"]["web"];
  EXPECT_EQ(web["min"], 3);
  EXPECT_EQ(web["policy"]["cooldown"], "1m");
  EXPECT_EQ(web["policy"]["check"]["cpu"]["strategy"]["target-value"]["target"], 55.5);
  EXPECT_EQ(web["policy"]["target"]["harvester"]["dry-run"], true);
  // A JSON array replaces a list, as a scenario's policy files.
  json with_policies = json::parse(R"({"policies": ["policies/a.hcl"]})");
  auto swap = overrides({R"(policies=["policies/b.hcl","policies/c.hcl"])"});
  ASSERT_TRUE(apply_scenario_overrides(with_policies, swap).ok());
  EXPECT_EQ(with_policies["policies"], json({"policies/b.hcl", "policies/c.hcl"}));
  // `agent` may be missing from the file: --set starts it.
  o = overrides({"agent.cluster_state=list"});
  ASSERT_TRUE(apply_scenario_overrides(scenario, o).ok());
  EXPECT_EQ(scenario["agent"]["cluster_state"], "list");
}

TEST(Overrides, AnObjectReplacesABlockAndAsGivenLeavesIt) {
  json policy = json::parse(R"({"scaling": {"web": {"min": 1, "max": 5, "policy": {
      "check": {"cpu": {"strategy": {"target-value": {"target": 70}}}}}}}})");
  // The target is set, then the whole check block replaced: the first says nothing.
  auto o = overrides(
      {"policy.web.check.cpu.strategy.target=50",
       R"(policy.web.check={"need":{"query":"nodes_needed","strategy":{"pass-through":{}}}})",
       "policy.web.min=as-given"});
  EXPECT_TRUE(superseded(o, 0));
  EXPECT_FALSE(superseded(o, 1));
  EXPECT_FALSE(superseded(o, 2));
  ASSERT_TRUE(apply_policy_overrides(policy, o).ok());
  ASSERT_TRUE(check_all_used(o).ok());
  const json& web = policy["scaling"]["web"];
  EXPECT_EQ(web["policy"]["check"],
            json::parse(R"({"need":{"query":"nodes_needed","strategy":{"pass-through":{}}}})"));
  EXPECT_EQ(web["min"], 1);  // as given
  // `as-given` in the later place keeps the earlier override alive.
  json again = json::parse(R"({"scaling": {"web": {"max": 5, "policy": {
      "check": {"cpu": {"strategy": {"target-value": {"target": 70}}}}}}}})");
  auto kept = overrides({"policy.web.check.cpu.strategy.target=50", "policy.web.check=as-given"});
  EXPECT_FALSE(superseded(kept, 0));
  ASSERT_TRUE(apply_policy_overrides(again, kept).ok());
  EXPECT_EQ(again["scaling"]["web"]["policy"]["check"]["cpu"]["strategy"]["target-value"]["target"],
            50);
  // A key that only starts like another is not inside its block.
  EXPECT_FALSE(superseded(overrides({"policy.web.check_x=1", "policy.web.check={}"}), 0));
  // as-given still has to name a policy that exists.
  auto nowhere = overrides({"policy.api.min=as-given"});
  ASSERT_TRUE(apply_policy_overrides(again, nowhere).ok());
  EXPECT_FALSE(check_all_used(nowhere).ok());
}

TEST(Overrides, MistakesAreNamed) {
  EXPECT_FALSE(parse_override("novalue").ok());
  EXPECT_FALSE(parse_override("=3").ok());
  json policy = json::parse(R"({"scaling": {"web": {"max": 5, "policy": {"check": {}}}}})");
  auto unknown_check = overrides({"policy.web.check.nope.strategy.target=1"});
  auto r = apply_policy_overrides(policy, unknown_check);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no \"nope\""), std::string::npos);
  auto other_policy = overrides({"policy.api.min=1"});
  ASSERT_TRUE(apply_policy_overrides(policy, other_policy).ok());
  auto unused = check_all_used(other_policy);
  ASSERT_FALSE(unused.ok());
  EXPECT_NE(unused.error().message.find("--set policy.api.min"), std::string::npos);
}

}  // namespace
}  // namespace ha
