// Job files: every task group's scaling block read as the agent will see it from Nomad, from
// an HCL jobspec and from the JSON job of Nomad's API alike.
#include <gtest/gtest.h>

#include "engine/policy/job_scaling.h"
#include "engine/policy/policy_parser.h"

namespace ha {
namespace {

using nlohmann::json;

constexpr const char* kJobspec = R"hcl(job "web" {
  namespace = "shop"

  group "api" {
    count = 3

    scaling {
      max = 10

      policy {
        cooldown            = "1m"
        evaluation_interval = "30s"

        check "latency" {
          source = "prometheus"
          query  = "histogram_quantile(0.95, sum(rate(http_seconds_bucket[1m])) by (le))"
          strategy "target-value" { target = 0.25 }
        }
      }
    }

    task "server" {
      driver = "docker"
      config { image = "shop/api:1.4" }
      scaling "cpu" {
        policy {
          check "cpu" {
            strategy "app-sizing-percentile" {}
          }
        }
      }
    }
  }

  group "worker" {
    task "w" {
      driver = "exec"
    }
  }
}
)hcl";

struct Read {
  std::vector<Policy> policies;
  std::vector<std::string> problems;
};

Read read(const std::string& text, const std::string& file) {
  Diagnostics diags;
  Read out;
  auto doc = ConfigFile::read(text, file, diags);
  if (doc) {
    EXPECT_TRUE(is_job_file(doc->value()));
    out.policies = read_job_scaling(*doc, file, diags);
  }
  for (const auto& d : diags) out.problems.push_back(d.to_string());
  return out;
}

TEST(JobScaling, AGroupsScalingBlockIsAHorizontalPolicyOnItsJobAndGroup) {
  Read r = read(kJobspec, "web.nomad");
  ASSERT_TRUE(r.problems.empty()) << r.problems[0];
  ASSERT_EQ(r.policies.size(), 1u);  // the task's vertical block and the plain group are not
  const Policy& p = r.policies[0];
  EXPECT_EQ(p.id, "web/api");
  EXPECT_EQ(p.type, "horizontal");
  EXPECT_EQ(p.min, 3);  // the group's count
  EXPECT_EQ(p.max, 10);
  EXPECT_TRUE(p.enabled);
  EXPECT_EQ(p.target.name, "nomad-target");
  EXPECT_EQ(p.target.config.at("Job"), "web");
  EXPECT_EQ(p.target.config.at("Group"), "api");
  EXPECT_EQ(p.target.config.at("Namespace"), "shop");
  ASSERT_EQ(p.checks.size(), 1u);
  EXPECT_EQ(p.checks[0].source, "prometheus");
}

TEST(JobScaling, NomadsJsonJobGivesTheSamePolicy) {
  // What `nomad job run -output web.nomad` prints for the jobspec above (the parts read).
  json api = json::parse(R"json({"Job": {"ID": "web", "Name": "web", "Namespace": "shop",
    "TaskGroups": [
      {"Name": "api", "Count": 3, "Scaling": {"Min": null, "Max": 10, "Enabled": true,
        "Type": "horizontal", "Policy": {
          "cooldown": "1m", "evaluation_interval": "30s",
          "check": [{"latency": [{"source": "prometheus",
            "query": "histogram_quantile(0.95, sum(rate(http_seconds_bucket[1m])) by (le))",
            "strategy": [{"target-value": [{"target": 0.25}]}]}]}]}}},
      {"Name": "worker", "Count": 1, "Scaling": null}]}})json");
  Read r = read(api.dump(), "web.json");
  ASSERT_TRUE(r.problems.empty()) << r.problems[0];
  Read from_hcl = read(kJobspec, "web.nomad");
  EXPECT_EQ(to_hcl_json(r.policies), to_hcl_json(from_hcl.policies));
}

TEST(JobScaling, ProblemsNameTheJobAndGroup) {
  Read r = read(R"(job "web" {
  group "api" {
    scaling {
      min = 1
      policy {
        check "c" {
          source = "prometheus"
          query  = "up"
          strategy "target-value" { target = "high" }
        }
        target "harvester" {}
      }
    }
  }
}
)",
                "web.nomad");
  auto has = [&r](const std::string& prefix) {
    for (const auto& p : r.problems) {
      if (p.rfind(prefix, 0) == 0) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("web.nomad:3:5: job.web.group.api.scaling: missing required key \"max\""));
  EXPECT_TRUE(
      has("web.nomad:5:7: job.web.group.api.scaling.policy: a task group's policy has "
          "no target block"));
  bool strategy = false;
  for (const auto& p : r.problems) {
    strategy = strategy || (p.rfind("web.nomad:9:", 0) == 0 &&
                            p.find(" job.web.group.api.scaling.policy.check.c.strategy."
                                   "target-value") != std::string::npos);
  }
  EXPECT_TRUE(strategy) << (r.problems.empty() ? "" : r.problems.back());
  EXPECT_EQ(r.problems.size(), 3u);

  json api = json::parse(R"json({"Job": {"ID": "web", "TaskGroups": [{"Name": "api",
    "Scaling": {"Min": 5, "Max": 2,
                "Policy": {"check": {"c": {"strategy": {"fixed-value": {"value": 1}}}}}}}]}})json");
  Read bad = read(api.dump(), "web.json");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_EQ(bad.problems[0],
            "web.json: /Job/TaskGroups/0/Scaling/Min: job web, group api: min (5) is greater "
            "than max (2)");
}

TEST(JobScaling, AJobWithoutScalingBlocksSaysSo) {
  Read r = read("job \"batch\" {\n  group \"g\" {\n    count = 1\n  }\n}\n", "batch.nomad");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("no task group of this job has a scaling block"), std::string::npos);
}

}  // namespace
}  // namespace ha
