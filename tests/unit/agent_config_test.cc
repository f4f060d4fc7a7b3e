// The agent's config: file, environment and flags in upstream's precedence; errors name the
// file and key; tokens only from files or the environment.
#include "agent/agent_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace ha {
namespace {

class AgentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("agent-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
           "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  Result<AgentConfig> load(const std::optional<std::string>& file, AgentFlags flags = {}) {
    return load_agent_config(file, flags, [this](const char* name) -> std::optional<std::string> {
      auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }
  std::filesystem::path dir;
  std::map<std::string, std::string> env;
};

TEST_F(AgentConfigTest, ReadsTheUpstreamShapeWithPathsRelativeToTheFile) {
  write("nomad.token", "  n-secret\n");
  write("harvester.token", "h-secret");
  auto file = write("agent.json", R"({
    "log_level": "debug", "log_json": true, "dry_run": true, "shutdown_timeout": "45s",
    "http": {"bind_address": "127.0.0.1", "bind_port": 9090},
    "nomad": {"address": "https://nomad:4646", "region": "eu", "namespace": "ops",
              "token_file": "nomad.token"},
    "policy": {"dir": "policies", "source_nomad": false},
    "apm": {"nomad-apm": {"driver": "nomad-apm"},
            "prometheus": {"driver": "prometheus",
                           "config": {"address": "http://prom:9090", "token_file": "nomad.token"}}},
    "target": {"harvester": {"driver": "harvester", "config": {
      "harvester_url": "https://harvester:6443", "auth_token_file": "harvester.token",
      "poll_interval": "2s"}}}})");
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
  EXPECT_FALSE(c->policy_source_nomad);
  EXPECT_EQ(c->prometheus_address, "http://prom:9090");
  EXPECT_EQ(c->prometheus_token, "n-secret");
}

TEST_F(AgentConfigTest, EnvironmentOverridesTheFileAndFlagsOverrideBoth) {
  auto file = write("agent.json", R"({"nomad": {"address": "http://file:4646"},
    "target": {"harvester": {"config": {"harvester_url": "http://file:6443"}}}})");
  env = {{"NOMAD_ADDR", "http://env:4646"},
         {"HARVESTER_URL", "http://env:6443"},
         {"NOMAD_TOKEN", "from-env"}};
  auto c = load(file);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->nomad_address, "http://env:4646");
  EXPECT_EQ(c->harvester_url, "http://env:6443");
  EXPECT_EQ(c->nomad_token, "from-env");
  AgentFlags flags;
  flags.nomad_address = "http://flag:4646";
  flags.nomad_token_file = write("t", "from-file");
  flags.http_bind = "0.0.0.0:0";
  flags.dry_run = true;
  c = load(file, flags);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->nomad_address, "http://flag:4646");
  EXPECT_EQ(c->nomad_token, "from-file");  // an explicit file wins over the environment
  EXPECT_EQ(c->http_bind_address, "0.0.0.0");
  EXPECT_TRUE(c->dry_run);
}

TEST_F(AgentConfigTest, AKubeconfigGivesTheHarvesterConnectionAndSettingsOverrideIt) {
  write("kubeconfig", R"(apiVersion: v1
current-context: c
clusters: [{name: h, cluster: {server: "https://harvester:6443", certificate-authority: ca.pem}}]
contexts: [{name: c, context: {cluster: h, user: u}}]
users: [{name: u, user: {token: from-kubeconfig}}]
)");
  auto file =
      write("agent.json", R"({"target": {"harvester": {"config": {"kubeconfig": "kubeconfig"}}}})");
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
           {"{", "not valid JSON"},
           {R"({"nomad": {"token": "s3cr3t"}})", "nomad.token: tokens are not read"},
           {R"({"target": {"harvester": {"config": {"auth_token": "s3cr3t"}}}})",
            "target.harvester.config.auth_token: tokens are not read"},
           {R"({"http": {"bind_port": "80"}})", "http.bind_port: expected a integer"},
           {R"({"shutdown_timeout": "soon"})", "shutdown_timeout"},
           {R"({"log_level": "loud"})", "log_level"},
           {R"({"polcy": {}})", "polcy: unknown key"},
           {R"({"target": {"harvester": []}})", "target.harvester: expected an object"},
           {R"({"apm": {"prometheus": {"config": {"token": "s3cr3t"}}}})",
            "apm.prometheus.config.token: tokens are not read"},
       }) {
    auto file = write("bad.json", k.json);
    env = {{"HARVESTER_URL", "http://h:6443"}};
    auto c = load(file);
    ASSERT_FALSE(c.ok()) << k.json;
    EXPECT_NE(c.error().message.find("bad.json"), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find(k.expect), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("s3cr3t"), std::string::npos) << c.error().message;
  }
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
