// The plugin's SetConfig as HashiCorp's autoscaler sends it: the original Harvester
// plugin's keys, the autoscaler's merged nomad_* keys, tokens from files, and the
// environment's precedence; every refusal names its key.
#include "plugin/plugin_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ha {
namespace {

struct PluginConfigTest : ::testing::Test {
  std::map<std::string, std::string> environment;
  EnvLookup env = [this](const char* name) -> std::optional<std::string> {
    auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  };
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ha-plugin-config-" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string file(const std::string& name, const std::string& text, bool secret = true) {
    auto path = dir / name;
    std::ofstream(path) << text;
    if (secret)
      std::filesystem::permissions(
          path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path.string();
  }
  std::string error_of(const PluginConfig& config) {
    auto r = read_plugin_config(config, env);
    return r ? "" : r.error().message;
  }
};

TEST_F(PluginConfigTest, TheAutoscalersMergedNomadKeysReachTheClients) {
  auto c = read_plugin_config({{"harvester_url", "https://harvester:6443"},
                               {"auth_token", "h"},
                               {"nomad_address", "https://nomad:4646"},
                               {"nomad_region", "eu"},
                               {"nomad_token", "n"},
                               {"nomad_ca-cert", "/etc/nomad/ca.pem"},
                               {"nomad_skip-verify", "false"},
                               {"nomad_block-query-wait-time", "5m0s"},
                               {"_nomad_autoscaler_grpc_timeout", "7.5s"}},
                              env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->nomad_address, "https://nomad:4646");
  EXPECT_EQ(c->nomad_region, "eu");
  EXPECT_EQ(c->nomad_token, "n");
  EXPECT_EQ(c->nomad_ca_cert, "/etc/nomad/ca.pem");
  EXPECT_FALSE(c->nomad_skip_verify);
  EXPECT_EQ(c->harvester_token, "h");
}

TEST_F(PluginConfigTest, TheEnvironmentTakesPrecedenceForHarvesterAndFillsInForNomad) {
  environment = {{"HARVESTER_URL", "https://from-env:6443"},
                 {"HARVESTER_TOKEN", "env-token"},
                 {"NOMAD_TOKEN", "identity"},
                 {"NOMAD_UNIX_ADDR", "unix:///alloc/secrets/api.sock"}};
  auto c = read_plugin_config({{"harvester_url", "https://config:6443"}, {"auth_token", "t"}}, env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->harvester_url, "https://from-env:6443");
  EXPECT_EQ(c->harvester_token, "env-token");
  EXPECT_EQ(c->nomad_token, "identity");
  EXPECT_EQ(c->nomad_address, "unix:///alloc/secrets/api.sock");  // a workload identity's socket
  environment["NOMAD_ADDR"] = "http://10.0.0.1:4646";
  EXPECT_EQ(read_plugin_config({}, env)->nomad_address, "http://10.0.0.1:4646");
  // What the autoscaler merges in wins over the environment.
  auto merged = read_plugin_config({{"nomad_address", "unix:///run/nomad.sock"}}, env);
  EXPECT_EQ(merged->nomad_address, "unix:///run/nomad.sock");
}

TEST_F(PluginConfigTest, TokensComeFromFilesOneWayEach) {
  auto c = read_plugin_config({{"harvester_url", "https://h:6443"},
                               {"auth_token_file", file("harvester.token", "from-file\n")},
                               {"nomad_token_file", file("nomad.token", "nomad-file")}},
                              env);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->harvester_token, "from-file");
  EXPECT_EQ(c->nomad_token, "nomad-file");
  EXPECT_EQ(error_of({{"harvester_url", "https://h:6443"},
                      {"auth_token", "t"},
                      {"auth_token_file", file("h2.token", "x")}}),
            "auth_token and auth_token_file: give one");
  auto missing = error_of(
      {{"harvester_url", "https://h:6443"}, {"auth_token_file", (dir / "absent").string()}});
  EXPECT_EQ(missing.rfind("auth_token_file: ", 0), 0u) << missing;
}

TEST_F(PluginConfigTest, RefusalsNameTheKey) {
  const PluginConfig ok = {{"harvester_url", "https://h:6443"}, {"auth_token", "t"}};
  auto with = [&](std::string key, std::string value) {
    PluginConfig c = ok;
    c[key] = value;
    return error_of(c);
  };
  EXPECT_EQ(with("harvester_urls", "x"), "harvester_urls: unknown key (a typo?)");
  EXPECT_EQ(with("harvester_url", "ftp://h"), "harvester_url: \"ftp://h\" is not an http(s) URL");
  EXPECT_EQ(with("nomad_address", "nomad:4646"),
            "nomad_address: \"nomad:4646\" is neither an http(s) URL nor unix:///path/to/socket");
  EXPECT_EQ(with("insecure_skip_verify", "yes"),
            "insecure_skip_verify: \"yes\" is not a boolean (true or false)");
  EXPECT_EQ(with("poll_interval", "0s"),
            "poll_interval: \"0s\" is not a positive duration (e.g. 5s)");
  EXPECT_EQ(with("cluster_state", "poll"), "cluster_state: \"poll\": expected watch or list");
  EXPECT_EQ(with("nomad_http-auth", "u:p").rfind("nomad_http-auth: not supported", 0), 0u);
  EXPECT_EQ(error_of({{"auth_token", "t"}}),
            "harvester_url: missing (or HARVESTER_URL, or a kubeconfig)");
  EXPECT_EQ(error_of({{"harvester_url", "https://h:6443"}}),
            "auth_token: missing (or HARVESTER_TOKEN, or a kubeconfig with credentials)");
}

}  // namespace
}  // namespace ha
