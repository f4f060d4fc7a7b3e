// Task-group policies from Nomad's API read as engine policies.
#include "engine/policy/nomad_policy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "backends/wire/nomad_json.h"

namespace ha {
namespace {

NomadScalingPolicy reference_policy() {
  std::ifstream f(std::string(HA_SOURCE_DIR) + "/third_party/nomad/examples/scaling-policy.json");
  auto p = nomad_json::read_scaling_policy(nlohmann::json::parse(f));
  EXPECT_TRUE(p.ok()) << p.error().message;
  return *p;
}

TEST(NomadPolicy, TheReferencePolicyBecomesANomadTargetPolicy) {
  auto p = policy_from_nomad(reference_policy());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->id, "0b3c8a9e-1d2f-4e5a-8b7c-6d5e4f3a2b1c");
  EXPECT_TRUE(p->enabled);
  EXPECT_EQ(p->type, "horizontal");
  EXPECT_EQ(p->min, 1);
  EXPECT_EQ(p->max, 10);
  EXPECT_EQ(p->cooldown, std::chrono::minutes(1));
  EXPECT_EQ(p->evaluation_interval, std::chrono::seconds(30));
  ASSERT_EQ(p->checks.size(), 1u);
  EXPECT_EQ(p->checks[0].name, "avg_cpu");
  EXPECT_EQ(p->checks[0].source, "nomad-apm");
  EXPECT_EQ(p->target.name, "nomad-target");
  EXPECT_EQ(p->target.config.at("Job"), "web");
  EXPECT_EQ(p->target.config.at("Group"), "frontend");
  EXPECT_EQ(p->target.config.at("Namespace"), "default");
}

TEST(NomadPolicy, ProblemsNameThePolicy) {
  NomadScalingPolicy bad = reference_policy();
  bad.policy["check"][0]["avg_cpu"][0]["strategy"] = {{{"best-guess", {{{"x", 1}}}}}};
  bad.policy["cooldown"] = "soon";
  auto p = policy_from_nomad(bad);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("nomad scaling policy 0b3c8a9e"), std::string::npos);
  EXPECT_NE(p.error().message.find("best-guess"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("cooldown"), std::string::npos) << p.error().message;
  bad = reference_policy();
  bad.type = "vertical_cpu";
  EXPECT_NE(policy_from_nomad(bad).error().message.find("vertical_cpu"), std::string::npos);
}

}  // namespace
}  // namespace ha
