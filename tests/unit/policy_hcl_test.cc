// Policies in HCL's native syntax: the same policies as their JSON form (byte for byte once
// normalized), and errors located by line, column and HCL path.
#include <gtest/gtest.h>

#include <filesystem>

#include "backends/runtime/text_file.h"
#include "engine/policy/policy_parser.h"

namespace ha {
namespace {

using nlohmann::json;

// The normalized form of one file's text, or the problems as text.
std::string normalized(const std::string& text, const std::string& file) {
  Diagnostics diags;
  auto policies = parse_policies(text, file, diags);
  std::string problems;
  for (const auto& d : diags) problems += d.to_string() + "\n";
  if (!problems.empty()) return problems;
  return to_hcl_json(policies).dump(2);
}

std::vector<std::string> problems(const std::string& text, const std::string& file) {
  Diagnostics diags;
  parse_policies(text, file, diags);
  std::vector<std::string> out;
  for (const auto& d : diags) out.push_back(d.to_string());
  return out;
}

TEST(PolicyHcl, EveryExamplePolicyMeansTheSameInBothSyntaxes) {
  std::filesystem::path dir = std::string(HA_SOURCE_DIR) + "/scenarios/policies";
  int pairs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".hcl") continue;
    auto twin = entry.path();
    twin.replace_extension(".json");
    auto hcl = read_text_file(entry.path().string());
    auto js = read_text_file(twin.string());
    ASSERT_TRUE(hcl.ok() && js.ok()) << entry.path() << " needs a JSON twin";
    std::string from_hcl = normalized(*hcl, entry.path().string());
    EXPECT_EQ(from_hcl.rfind("{", 0), 0u) << from_hcl;
    EXPECT_EQ(from_hcl, normalized(*js, twin.string())) << entry.path();
    ++pairs;
  }
  EXPECT_GE(pairs, 4);
}

// The article's policy, as users write it, and its JSON form.
constexpr const char* kArticle = R"(scaling "cluster_policy" {
  enabled = true
  min     = 1 # min number of VMs
  max     = 2
  policy {
    cooldown = "2m"
    check "cpu" {
      source = "nomad-apm"
      query  = "percentage-allocated_cpu"
      strategy "target-value" { target = 70 }
    }
    target "harvester" {
      node_class      = "linux"
      node_group_name = "nomad"
      namespace       = "default"
      cpu_request     = "2"
      memory_request  = "4Gi"
    }
  }
}
)";

TEST(PolicyHcl, TheArticlePolicyEqualsItsJsonForm) {
  json js = {{"scaling",
              {{"cluster_policy",
                {{"enabled", true},
                 {"min", 1},
                 {"max", 2},
                 {"policy",
                  {{"cooldown", "2m"},
                   {"check",
                    {{"cpu",
                      {{"source", "nomad-apm"},
                       {"query", "percentage-allocated_cpu"},
                       {"strategy", {{"target-value", {{"target", 70}}}}}}}}},
                   {"target",
                    {{"harvester",
                      {{"node_class", "linux"},
                       {"node_group_name", "nomad"},
                       {"namespace", "default"},
                       {"cpu_request", "2"},
                       {"memory_request", "4Gi"}}}}}}}}}}}};
  std::string from_hcl = normalized(kArticle, "policy.hcl");
  EXPECT_NE(from_hcl.find("\"node_class\": \"linux\""), std::string::npos) << from_hcl;
  EXPECT_EQ(from_hcl, normalized(js.dump(), "policy.json"));
}

// The arrays of HCL's JSON syntax, the shape tools such as hcl2json write, and repeated
// blocks in native HCL: one policy.
TEST(PolicyHcl, ArrayFormsAndRepeatedBlocksMapToTheSamePolicy) {
  const char* hcl = R"(scaling "a" {
  min = 1
  max = 5
  policy {
    check "x" {
      source = "nomad-apm"
      query  = "percentage-allocated_cpu"
      strategy "target-value" { target = 60 }
    }
    check "y" {
      source = "nomad-apm"
      query  = "percentage-allocated_memory"
      strategy "target-value" { target = 60 }
    }
    target "harvester" {
      node_group_name = "c"
      node_class      = "c"
    }
  }
}
scaling "b" {
  max = 3
  policy {
    check "z" {
      strategy "fixed-value" { value = 2 }
    }
    target "harvester" {
      node_group_name = "d"
      node_class      = "d"
    }
  }
}
)";
  json arrays = json::parse(R"({"scaling": [
    {"a": [{"min": 1, "max": 5, "policy": [{
      "check": [
        {"x": [{"source": "nomad-apm", "query": "percentage-allocated_cpu",
                "strategy": [{"target-value": [{"target": 60}]}]}]},
        {"y": [{"source": "nomad-apm", "query": "percentage-allocated_memory",
                "strategy": [{"target-value": [{"target": 60}]}]}]}],
      "target": [{"harvester": [{"node_group_name": "c", "node_class": "c"}]}]}]}]},
    {"b": [{"max": 3, "policy": [{
      "check": [{"z": [{"strategy": [{"fixed-value": [{"value": 2}]}]}]}],
      "target": [{"harvester": [{"node_group_name": "d", "node_class": "d"}]}]}]}]}]})");
  std::string from_hcl = normalized(hcl, "two.hcl");
  EXPECT_EQ(from_hcl.rfind("{", 0), 0u) << from_hcl;
  EXPECT_EQ(from_hcl, normalized(arrays.dump(), "two.json"));
}

TEST(PolicyHcl, MeaningErrorsNameLineColumnAndPath) {
  auto all = problems(R"(scaling "cluster_policy" {
  min = 3
  max = 2
  policy {
    cooldown = "2 minutes"
    check "cpu" {
      source = "nomad-apm"
      query  = "percentage-allocated_cpu"
    }
    target "harvester" {
      node_group_name = "linux"
      nod_purge       = true
      node_class      = "linux"
    }
  }
}
)",
                      "p.hcl");
  auto has = [&all](const std::string& want) {
    return std::find(all.begin(), all.end(), want) != all.end();
  };
  EXPECT_TRUE(has("p.hcl:2:3: scaling.cluster_policy.min: min (3) is greater than max (2)"));
  EXPECT_TRUE(
      has("p.hcl:6:5: scaling.cluster_policy.policy.check.cpu: missing required block "
          "\"strategy\""));
  bool duration = false, typo = false;
  for (const auto& e : all) {
    duration = duration || e.rfind("p.hcl:5:5: scaling.cluster_policy.policy.cooldown: ", 0) == 0;
    typo = typo || e.rfind("p.hcl:12:7: scaling.cluster_policy.policy.target.harvester.nod_purge: ",
                           0) == 0;
  }
  EXPECT_TRUE(duration);
  EXPECT_TRUE(typo);
  EXPECT_EQ(all.size(), 4u);
}

TEST(PolicyHcl, SyntaxErrorsAreFileLineColumn) {
  auto all = problems("scaling \"x\" {\n  min = var.min\n}\n", "p.hcl");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].rfind("p.hcl:2:9: expressions are not supported here; write the value", 0), 0u)
      << all[0];
}

TEST(PolicyHcl, SyntaxByExtensionThenByContent) {
  EXPECT_EQ(syntax_of("p.hcl", "{}"), Syntax::kHcl);
  EXPECT_EQ(syntax_of("job.nomad", "{}"), Syntax::kHcl);
  EXPECT_EQ(syntax_of("p.json", "scaling \"x\" {}"), Syntax::kJson);
  EXPECT_EQ(syntax_of("policy", "\n  {\"scaling\": {}}"), Syntax::kJson);
  EXPECT_EQ(syntax_of("policy", "# a comment\nscaling \"x\" {}"), Syntax::kHcl);
  std::string from_hcl = normalized(kArticle, "no-extension");
  EXPECT_EQ(from_hcl, normalized(kArticle, "policy.hcl"));
}

// The agent config's policy.default_cooldown and default_evaluation_interval.
TEST(PolicyHcl, DefaultsApplyToPoliciesThatSetNone) {
  const char* text = R"(scaling "quiet" {
  max = 3
  policy {
    check "c" {
      strategy "fixed-value" { value = 1 }
    }
    target "harvester" {
      node_group_name = "c"
      node_class      = "c"
    }
  }
}
scaling "own" {
  max = 3
  policy {
    cooldown            = "1m"
    evaluation_interval = "5s"
    check "c" {
      strategy "fixed-value" { value = 1 }
    }
    target "harvester" {
      node_group_name = "d"
      node_class      = "d"
    }
  }
}
)";
  Diagnostics diags;
  PolicyDefaults defaults{std::chrono::seconds(12), std::chrono::minutes(50)};
  auto policies = parse_policies(text, "p.hcl", diags, defaults);
  ASSERT_TRUE(diags.empty()) << diags[0].to_string();
  ASSERT_EQ(policies.size(), 2u);
  const Policy& quiet = policies[0].id == "quiet" ? policies[0] : policies[1];
  const Policy& own = policies[0].id == "own" ? policies[0] : policies[1];
  EXPECT_EQ(quiet.cooldown, std::chrono::seconds(12));
  EXPECT_EQ(quiet.cooldown_on_scale_up, std::chrono::seconds(12));
  EXPECT_EQ(quiet.evaluation_interval, std::chrono::minutes(50));
  EXPECT_EQ(own.cooldown, std::chrono::minutes(1));
  EXPECT_EQ(own.evaluation_interval, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ha
