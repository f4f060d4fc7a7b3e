// preflight against the mock servers: all green on a ready cluster; on one whose Role lacks
// delete, whose image has not finished importing (no storage class) and whose network is
// missing, exactly those checks fail, each with its fix; and a client Nomad token's policies
// read as Nomad expands them.
#include "agent/preflight.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "backends/memory/harvester_seed.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/nomad_mock_server.h"

namespace ha {
namespace {

struct PreflightTest : ::testing::Test {
  RealtimeLoop loop;
  NomadModel nomad{loop};
  HarvesterModel harvester{loop, &nomad, HarvesterModelConfig{}};
  std::unique_ptr<NomadMockServer> nomad_server;
  std::unique_ptr<HarvesterMockServer> harvester_server;
  std::thread thread;
  std::string dir = ::testing::TempDir() + "/preflight-" + std::to_string(::getpid());
  AgentConfig config;

  void start(std::shared_ptr<const RbacPolicy> rbac, const std::string& image) {
    seed_group_objects(harvester, "nomad-clients", "default/image-ready", "default/vlan100");
    VmImage importing;
    importing.meta.namespace_ = "default";
    importing.meta.name = "image-importing";
    importing.progress = 45;
    harvester.add_image(importing);
    std::filesystem::create_directories(dir + "/policies");
    std::ofstream(dir + "/policies/cluster.hcl") << R"(scaling "cluster" {
  enabled = true
  min = 1
  max = 3
  policy {
    check "cpu" {
      source = "nomad-apm"
      query = "percentage-allocated_cpu"
      strategy "target-value" { target = 70 }
    }
    target "harvester" {
      node_class = "hashistack"
      node_group_name = "hashistack"
      namespace = "nomad-clients"
      image = ")" + image + R"("
      network = "default/vlan100"
    }
  }
})";
    NomadMockServer::Options n;
    n.token = "nomad-secret";
    HarvesterMockServer::Options h;
    h.token = "kube-secret";
    h.rbac = std::move(rbac);
    nomad_server = std::make_unique<NomadMockServer>(loop, nomad, n);
    harvester_server = std::make_unique<HarvesterMockServer>(loop, harvester, h);
    thread = std::thread([this] { loop.run(); });
    config.nomad_address =
        "http://127.0.0.1:" + std::to_string(*nomad_server->start("127.0.0.1", 0));
    config.nomad_token = "nomad-secret";
    config.harvester_url =
        "http://127.0.0.1:" + std::to_string(*harvester_server->start("127.0.0.1", 0));
    config.harvester_token = "kube-secret";
    config.policy_source_nomad = false;
  }
  void TearDown() override {
    if (nomad_server) nomad_server->stop();
    if (harvester_server) harvester_server->stop();
    loop.stop();
    if (thread.joinable()) thread.join();
    std::filesystem::remove_all(dir);
  }
  std::vector<PreflightCheck> failed() {
    auto policies = load_policy_dir(dir + "/policies", {});
    EXPECT_TRUE(policies.ok()) << policies.error().message;
    std::vector<PreflightCheck> out;
    for (const auto& section : run_preflight(config, *policies)) {
      for (const auto& c : section.checks) {
        if (!c.ok) out.push_back(c);
      }
    }
    return out;
  }
};

TEST_F(PreflightTest, AReadyClusterPassesEveryCheck) {
  auto rbac = RbacPolicy::load(std::string(HA_SOURCE_DIR) + "/deploy/harvester/rbac.yaml");
  ASSERT_TRUE(rbac.ok()) << rbac.error().message;
  start(std::make_shared<const RbacPolicy>(std::move(*rbac)), "default/image-ready");
  auto bad = failed();
  for (const auto& c : bad) ADD_FAILURE() << c.what;
}

TEST_F(PreflightTest, AMissingVerbAndAnImageWithoutStorageClassFailWithTheirFix) {
  std::vector<RbacRule> rules = {
      {{"get", "list", "watch", "create", "patch"},
       {"kubevirt.io"},
       {"virtualmachines"},
       {},
       "nomad-clients"},
      {{"update"},
       {"subresources.kubevirt.io"},
       {"virtualmachines/start", "virtualmachines/stop"},
       {},
       "nomad-clients"},
      {{"create"}, {""}, {"secrets"}, {}, "nomad-clients"},
      {{"get"}, {""}, {"persistentvolumeclaims", "namespaces"}, {}, "nomad-clients"},
      {{"get"}, {"harvesterhci.io"}, {"virtualmachineimages"}, {}, "default"},
      {{"get"}, {"k8s.cni.cncf.io"}, {"network-attachment-definitions"}, {}, "default"},
  };
  start(std::make_shared<const RbacPolicy>(rules, "system:serviceaccount:nomad-clients:a"),
        "default/image-importing");
  auto bad = failed();
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].what, "may not delete virtualmachines (kubevirt.io) in nomad-clients");
  EXPECT_NE(bad[0].fix.find("deploy/harvester/rbac.yaml"), std::string::npos);
  EXPECT_NE(bad[1].what.find("image default/image-importing (\"image-importing\") is not ready: "
                             "progress 45%"),
            std::string::npos)
      << bad[1].what;
  EXPECT_NE(bad[1].fix.find("blank"), std::string::npos);
}

TEST(NomadGrants, ReadAsNomadExpandsNamespacePolicies) {
  NomadGrants g;
  ASSERT_TRUE(add_nomad_grants(R"(
node { policy = "write" }
namespace "prod-*" { policy = "write" }
namespace "default" {
  policy = "scale"
  capabilities = ["list-jobs"]
  variables {
    path "nomad-autoscaler/*" { capabilities = ["write", "read"] }
  }
})",
                               "default", "nomad-autoscaler/lock", g)
                  .ok());
  EXPECT_TRUE(g.node_write);
  EXPECT_TRUE(g.job_scale);  // scale: scale-job and read-job
  EXPECT_TRUE(g.job_read);   // read-job from scale, list-jobs listed
  EXPECT_TRUE(g.variables_write);
  NomadGrants prod;
  ASSERT_TRUE(
      add_nomad_grants(R"(namespace "prod-*" { policy = "write" })", "prod-eu", "x", prod).ok());
  EXPECT_TRUE(prod.job_read);
  EXPECT_TRUE(prod.job_scale);
  EXPECT_FALSE(prod.node_write);
  NomadGrants scale_only;
  ASSERT_TRUE(add_nomad_grants(R"(namespace "*" { policy = "scale" })", "a", "x", scale_only).ok());
  EXPECT_FALSE(scale_only.job_read);  // no list-jobs
  EXPECT_FALSE(add_nomad_grants("node {", "default", "x", prod).ok());
}

}  // namespace
}  // namespace ha
