// The agent's config: file, environment and flags in upstream's precedence; errors name the
// file and key; tokens only from files or the environment.
#include "agent/agent_config.h"

#include <gtest/gtest.h>

#include "tests/unit/agent_config_fixture.h"

namespace ha {
namespace {

using testing::AgentConfigTest;

TEST_F(AgentConfigTest, ReadsTheUpstreamShapeWithPathsRelativeToTheFile) {
  write("nomad.token", "  n-secret\n");
  write("harvester.token", "h-secret");
  auto file = write("agent.json", R"({
    "log_level": "debug", "log_json": true, "dry_run": true, "shutdown_timeout": "45s",
    "http": {"bind_address": "127.0.0.1", "bind_port": 9090},
    "nomad": {"address": "https://nomad:4646", "region": "eu", "namespace": "ops",
              "token_file": "nomad.token"},
    "policy": {"dir": "policies", "source": {"nomad": {"enabled": false}}},
    "apm": {"nomad-apm": {"driver": "nomad-apm"},
            "prometheus": {"driver": "prometheus",
                           "config": {"address": "http://prom:9090", "token_file": "nomad.token"}}},
    "target": {"harvester": {"driver": "harvester", "config": {
      "harvester_url": "https://harvester:6443", "auth_token_file": "harvester.token",
      "poll_interval": "2s", "cluster_state": "list", "cache_stale_after": "3m"}}}})");
  auto c = load(file);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_TRUE(c->log_json);
  EXPECT_TRUE(c->dry_run);
  EXPECT_EQ(c->shutdown_timeout, std::chrono::seconds(45));
  EXPECT_EQ(c->http_bind_port, 9090);
  EXPECT_EQ(c->nomad_address, "https://nomad:4646");
  EXPECT_EQ(c->nomad_region, "eu");
  EXPECT_EQ(c->nomad_token, "n-secret");
  EXPECT_EQ(c->harvester_token, "h-secret");
  EXPECT_EQ(c->policy_dir, (dir / "policies").string());
  EXPECT_EQ(c->poll_interval, std::chrono::seconds(2));
  EXPECT_FALSE(c->watch_cluster_state);
  EXPECT_EQ(c->cache_stale_after, std::chrono::minutes(3));
  EXPECT_FALSE(c->policy_source_nomad);
  EXPECT_EQ(c->prometheus_address, "http://prom:9090");
  EXPECT_EQ(c->prometheus_token, "n-secret");
}

TEST_F(AgentConfigTest, AKubeconfigGivesTheHarvesterConnectionAndSettingsOverrideIt) {
  write("kubeconfig", R"(apiVersion: v1
current-context: c
clusters: [{name: h, cluster: {server: "https://harvester:6443", certificate-authority: ca.pem}}]
contexts: [{name: c, context: {cluster: h, user: u}}]
users: [{name: u, user: {token: from-kubeconfig}}]
)");
  auto file = write("agent.json", R"({"target": {"harvester": {"driver": "harvester",
                                                      "config": {"kubeconfig": "kubeconfig"}}}})");
  auto c = load(file);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->harvester_url, "https://harvester:6443");
  EXPECT_EQ(c->harvester_token, "from-kubeconfig");
  EXPECT_EQ(c->harvester_ca_file, (dir / "ca.pem").string());
  env = {{"HARVESTER_URL", "https://other:6443"}, {"HARVESTER_TOKEN", "from-env"}};
  c = load(file);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->harvester_url, "https://other:6443");
  EXPECT_EQ(c->harvester_token, "from-env");
  AgentFlags flags;
  flags.kubeconfig = (dir / "missing").string();
  EXPECT_FALSE(load(std::nullopt, flags).ok());
}

TEST_F(AgentConfigTest, ErrorsNameTheFileAndKeyButNeverATokenValue) {
  struct Case {
    std::string json, expect;
  };
  for (const Case& k : std::vector<Case>{
           {"{", "invalid JSON"},
           {R"({"http": {"bind_port": "80"}})", "/http/bind_port: expected a whole number"},
           {R"({"shutdown_timeout": "soon"})", "/shutdown_timeout"},
           {R"({"log_level": "loud"})", "/log_level: unknown log level"},
           {R"({"polcy": {}})", "/polcy: unknown key"},
           {R"({"target": {"harvester": 7}})", "/target/harvester: expected a block body"},
           {R"({"target": {"harvester": {"config": {}}}})",
            "/target/harvester: missing required key \"driver\""},
           {R"({"target": {"aws": {"driver": "aws-asg"}}})",
            "/target/aws: target \"aws\": policies name targets by their driver"},
           {R"({"apm": {"datadog": {"driver": "datadog"}}})", "unknown apm driver \"datadog\""},
           {R"({"apm": {"prometheus": {"driver": "prometheus"}}})",
            "/apm/prometheus: the prometheus driver needs config"},
           {R"({"target": {"harvester": {"driver": "harvester", "config": {"nodeclass": "x"}}}})",
            "/target/harvester/config/nodeclass: unknown key"},
           {R"({"policy": {"source": {"consul": {"enabled": true}}}})",
            "unknown policy source \"consul\""},
           {R"({"nomad": {"namespace": ["a", "b"]}})", "/nomad/namespace: expected one namespace"},
           {R"({"target": {"harvester": {"driver": "harvester",
                "config": {"cluster_state": "poll"}}}})",
            "/target/harvester/config/cluster_state: expected \"watch\" or \"list\""},
           {R"({"target": {"harvester": {"driver": "harvester",
                "config": {"cache_stale_after": "0s"}}}})",
            "/target/harvester/config/cache_stale_after: must be greater than zero"},
           {R"({"high_availability": {"enabled": true, "lock_ttl": "5s"}})",
            "/high_availability/lock_ttl: must be between 10s and 24h"},
           {R"({"high_availability": {"enabled": "yes"}})", "/high_availability/enabled"},
           {R"({"high_availability": {"lock_paths": "x"}})",
            "/high_availability/lock_paths: unknown key"},
       }) {
    auto file = write("bad.json", k.json);
    env = {{"HARVESTER_URL", "http://h:6443"}};
    auto c = load(file);
    ASSERT_FALSE(c.ok()) << k.json;
    EXPECT_NE(c.error().message.find("bad.json"), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find(k.expect), std::string::npos) << c.error().message;
  }
}

// The Nomad Autoscaler's own full agent config (command/test-fixtures/agent_config_full.hcl
// covers these keys), with a harvester target: every key reads; what this product does not
// act on is named in a warning, one per key.
TEST_F(AgentConfigTest, ReadsTheUpstreamAgentSchemaInHcl) {
  auto file = write("agent.hcl", R"(
log_level            = "TRACE"
log_json             = true
log_include_location = true
enable_debug         = true
plugin_dir           = "./plugins"

http {
  bind_address = "10.0.0.2"
  bind_port    = 8888
}

nomad {
  address               = "https://nomad.example.com:4646"
  region                = "file"
  namespace             = "staging"
  http_auth             = "user:file"
  ca_cert               = "./ca.pem"
  ca_path               = "./ca-dir"
  client_cert           = "./client.pem"
  client_key            = "./client-key.pem"
  tls_server_name       = "nomad.example.com"
  skip_verify           = true
  block_query_wait_time = "5m"
}

policy {
  dir                         = "./policies"
  default_cooldown            = "12s"
  default_evaluation_interval = "50m"

  source "file" {
    enabled = true
  }
  source "nomad" {
    enabled = false
  }
}

policy_eval {
  delivery_limit = 10
  ack_timeout    = "3m"
  workers = {
    cluster    = 3
    horizontal = 1
  }
}

high_availability {
  enabled        = true
  lock_namespace = "my-namespace"
  lock_path      = "my/custom/path"
  lock_ttl       = "30s"
  lock_delay     = "15s"
}

apm "prometheus" {
  driver = "prometheus"
  config = {
    address = "http://prometheus:9090"
  }
}

strategy "target-value" {
  driver = "target-value"
}

target "harvester" {
  driver = "harvester"
  config = {
    harvester_url        = "https://harvester:6443"
    insecure_skip_verify = true
    poll_interval        = "3s"
  }
}
)");
  auto c = load(file);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->log_level, LogLevel::kTrace);
  EXPECT_TRUE(c->log_json);
  EXPECT_EQ(c->http_bind_address, "10.0.0.2");
  EXPECT_EQ(c->http_bind_port, 8888);
  EXPECT_EQ(c->nomad_address, "https://nomad.example.com:4646");
  EXPECT_EQ(c->nomad_region, "file");
  EXPECT_EQ(c->nomad_namespace, "staging");
  EXPECT_EQ(c->nomad_ca_cert, (dir / "./ca.pem").string());
  EXPECT_TRUE(c->nomad_skip_verify);
  EXPECT_EQ(c->policy_dir, (dir / "./policies").string());
  EXPECT_EQ(c->policy_defaults.cooldown, std::chrono::seconds(12));
  EXPECT_EQ(c->policy_defaults.evaluation_interval, std::chrono::minutes(50));
  EXPECT_FALSE(c->policy_source_nomad);
  EXPECT_EQ(c->prometheus_address, "http://prometheus:9090");
  EXPECT_TRUE(c->harvester_skip_verify);
  EXPECT_EQ(c->poll_interval, std::chrono::seconds(3));
  std::string warnings;
  for (const auto& w : c->warnings) warnings += w + "\n";
  for (const char* key :
       {"agent.hcl:4:1: log_include_location", "agent.hcl:5:1: enable_debug",
        "agent.hcl:6:1: plugin_dir", "nomad.http_auth", "nomad.ca_path",
        "nomad.block_query_wait_time", "policy_eval.delivery_limit", "policy_eval.ack_timeout",
        "policy_eval.workers", "strategy.target-value"}) {
    EXPECT_NE(warnings.find(key), std::string::npos) << key << " in\n" << warnings;
  }
  EXPECT_EQ(warnings.find("high_availability"), std::string::npos) << warnings;
  EXPECT_EQ(c->warnings.size(), 10u) << warnings;
  EXPECT_EQ(c->nomad_client_cert, (dir / "./client.pem").string());
  EXPECT_EQ(c->nomad_client_key, (dir / "./client-key.pem").string());
  EXPECT_EQ(c->nomad_tls_server_name, "nomad.example.com");
  EXPECT_TRUE(c->high_availability.enabled);
  EXPECT_EQ(c->high_availability.lock_namespace, "my-namespace");
  EXPECT_EQ(c->high_availability.lock_path, "my/custom/path");
  EXPECT_EQ(c->high_availability.lock_ttl, std::chrono::seconds(30));
  EXPECT_EQ(c->high_availability.lock_delay, std::chrono::seconds(15));
}

// The original plugin's article: an unlabelled target block named by its driver, with the
// target's own Nomad client, tokens written in the file.
TEST_F(AgentConfigTest, TheArticlesTargetBlockLoadsUnchanged) {
  std::string text = R"(
nomad {
  address = "http://127.0.0.1:4646"
}
apm "nomad-apm" {
  driver = "nomad-apm"
}
target {
  driver = "harvester"
  config = {
    harvester_url   = "https://harvester.example.com"
    auth_token      = "h-s3cr3t"
    nomad_address   = "https://nomad-for-target:4646"
    nomad_region    = "global"
    nomad_namespace = "default"
    nomad_token     = "n-s3cr3t"
  }
}
)";
  auto file = write("agent.hcl", text);
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto c = load(file);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->harvester_url, "https://harvester.example.com");
  EXPECT_EQ(c->harvester_token, "h-s3cr3t");
  EXPECT_EQ(c->target_nomad_address, "https://nomad-for-target:4646");
  EXPECT_EQ(c->target_nomad_region, "global");
  EXPECT_EQ(c->target_nomad_token, "n-s3cr3t");
  EXPECT_TRUE(c->warnings.empty());
  std::string shown = effective_agent_config(*c).dump();
  EXPECT_EQ(shown.find("s3cr3t"), std::string::npos) << shown;
  EXPECT_NE(shown.find("\"auth_token\":\"<redacted>\""), std::string::npos) << shown;
  EXPECT_NE(shown.find("\"nomad_token\":\"<redacted>\""), std::string::npos) << shown;

  // The same file readable by others: refused, with the mode and the fix, never the token.
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  c = load(file);
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("agent.hcl:12:5: target.config.auth_token: a token in a file that group or "
                   "others can read (mode 0644): chmod 600"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("target.config.nomad_token"), std::string::npos) << m;
  EXPECT_EQ(m.find("s3cr3t"), std::string::npos) << m;
}

// nomad-apm's node filter options, as upstream's apm config takes them (strings of Go's
// ParseBool); a bad value names the key.
TEST_F(AgentConfigTest, NomadApmTakesUpstreamsNodeFilterOptions) {
  auto c = load(write("agent.hcl", R"(
apm "nomad-apm" {
  driver = "nomad-apm"
  config = {
    node_filter_ignore_drain      = "true"
    node_filter_ignore_ineligible = true
  }
}
target "harvester" {
  driver = "harvester"
  config = { harvester_url = "https://harvester.example.com" }
}
)"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->apm_node_filter.ignore_init);
  EXPECT_TRUE(c->apm_node_filter.ignore_drain);
  EXPECT_TRUE(c->apm_node_filter.ignore_ineligible);
  EXPECT_TRUE(c->warnings.empty());
  auto bad = load(write("bad.hcl", R"(
apm "nomad-apm" {
  driver = "nomad-apm"
  config = { node_filter_ignore_init = "sometimes" }
}
)"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("node_filter_ignore_init: \"sometimes\" is not a boolean"),
            std::string::npos)
      << bad.error().message;
}

TEST_F(AgentConfigTest, HclErrorsNameLineColumnAndPath) {
  auto file = write("agent.hcl", "nomad {\n  adress = \"x\"\n}\nhttp {\n  bind_port = \"80\"\n}\n");
  env = {{"HARVESTER_URL", "http://h:6443"}};
  auto c = load(file);
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("agent.hcl:2:3: nomad.adress: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("agent.hcl:5:3: http.bind_port: expected a whole number"), std::string::npos)
      << m;
}

TEST_F(AgentConfigTest, TheHclAndJsonExamplesAreTheSameConfig) {
  env = {{"NOMAD_TOKEN", "t"}};
  std::string data = std::string(HA_SOURCE_DIR) + "/tests/data/agent/";
  std::filesystem::copy(data + "agent.hcl", dir / "agent.hcl");
  std::filesystem::copy(data + "agent.json", dir / "agent.json");
  write("nomad.token", "t");
  auto hcl = load((dir / "agent.hcl").string());
  auto js = load((dir / "agent.json").string());
  ASSERT_TRUE(hcl.ok()) << hcl.error().message;
  ASSERT_TRUE(js.ok()) << js.error().message;
  auto a = effective_agent_config(*hcl);
  auto b = effective_agent_config(*js);
  a.erase("file");
  b.erase("file");
  EXPECT_EQ(a, b);
}

TEST_F(AgentConfigTest, RequiresAHarvesterUrlAndAReadableTokenFile) {
  auto c = load(std::nullopt);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("HARVESTER_URL"), std::string::npos);
  env = {{"HARVESTER_URL", "ftp://h"}};
  EXPECT_NE(load(std::nullopt).error().message.find("not an http(s) URL"), std::string::npos);
  env = {{"HARVESTER_URL", "http://h:6443"}};
  AgentFlags flags;
  flags.harvester_token_file = (dir / "missing").string();
  c = load(std::nullopt, flags);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("harvester token file"), std::string::npos);
  flags = {};
  flags.http_bind = "nope";
  EXPECT_NE(load(std::nullopt, flags).error().message.find("--http-bind"), std::string::npos);
}

}  // namespace
}  // namespace ha
