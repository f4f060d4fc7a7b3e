// The agent's config from the environment: upstream's precedence (file, environment, flags)
// and Nomad's own variables, as its CLI and api package read them.
#include <gtest/gtest.h>

#include "tests/unit/agent_config_fixture.h"

namespace ha {
namespace {

using testing::AgentConfigTest;

TEST_F(AgentConfigTest, EnvironmentOverridesTheFileAndFlagsOverrideBoth) {
  auto file = write("agent.json", R"({"nomad": {"address": "http://file:4646"},
    "target": {"harvester": {"driver": "harvester",
                             "config": {"harvester_url": "http://file:6443"}}}})");
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
// Nomad's own environment, as its CLI and api package read it.
TEST_F(AgentConfigTest, NomadsTlsEnvironmentIsRead) {
  auto file = write("agent.json", R"({"nomad": {"address": "https://file:4646"}})");
  env = {{"HARVESTER_URL", "https://harvester:6443"},
         {"NOMAD_CACERT", "/etc/nomad/ca.pem"},
         {"NOMAD_CLIENT_CERT", "/etc/nomad/cli.pem"},
         {"NOMAD_CLIENT_KEY", "/etc/nomad/cli-key.pem"},
         {"NOMAD_TLS_SERVER_NAME", "server.global.nomad"},
         {"NOMAD_SKIP_VERIFY", "false"},
         {"NOMAD_REGION", "eu"},
         {"NOMAD_NAMESPACE", "platform"}};
  auto c = load(file);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->nomad_ca_cert, "/etc/nomad/ca.pem");
  EXPECT_EQ(c->nomad_client_cert, "/etc/nomad/cli.pem");
  EXPECT_EQ(c->nomad_client_key, "/etc/nomad/cli-key.pem");
  EXPECT_EQ(c->nomad_tls_server_name, "server.global.nomad");
  EXPECT_FALSE(c->nomad_skip_verify);
  EXPECT_EQ(c->nomad_region, "eu");
  EXPECT_EQ(c->nomad_namespace, "platform");
  env["NOMAD_SKIP_VERIFY"] = "yes";
  auto bad = load(file);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("NOMAD_SKIP_VERIFY: \"yes\" is not a boolean"),
            std::string::npos)
      << bad.error().message;
  env.erase("NOMAD_SKIP_VERIFY");
  env.erase("NOMAD_CLIENT_KEY");
  auto half = load(file);
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.error().message.find("client_cert and client_key"), std::string::npos);
}

// In a Nomad task with a workload identity: the client's API socket, unless an address is
// configured.
TEST_F(AgentConfigTest, ATasksApiSocketIsUsedWhereNoAddressIsGiven) {
  auto bare = write("agent.json", R"({})");
  env = {{"HARVESTER_URL", "https://harvester:6443"},
         {"NOMAD_UNIX_ADDR", "unix:///secrets/api.sock"},
         {"NOMAD_TOKEN", "workload-identity"}};
  auto c = load(bare);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->nomad_address, "unix:///secrets/api.sock");
  EXPECT_EQ(c->nomad_socket(), "/secrets/api.sock");
  EXPECT_EQ(c->nomad_url(), "http://localhost");
  auto file = write("agent2.json", R"({"nomad": {"address": "http://file:4646"}})");
  c = load(file);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->nomad_address, "http://file:4646");
  EXPECT_EQ(c->nomad_socket(), "");
  env["NOMAD_ADDR"] = "http://env:4646";
  c = load(bare);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->nomad_address, "http://env:4646");
  env["NOMAD_ADDR"] = "unix://relative.sock";
  auto bad = load(bare);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("neither an http(s) URL nor unix:///path"), std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace ha
