// RBAC on the mock Harvester: the shipped Role (deploy/harvester/rbac.yaml) loaded as
// Kubernetes reads it, requests authorized as the API server's RBAC authorizer does, refusals
// as its 403 Status, and SelfSubjectAccessReviews answered from the same rules.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>

#include "backends/mock_server/kubernetes_rbac.h"
#include "backends/wire/kube_objects_json.h"
#include "mock_harvester_fixture.h"

namespace ha {
namespace {

using nlohmann::json;

const std::string kShippedRole = std::string(HA_SOURCE_DIR) + "/deploy/harvester/rbac.yaml";

RbacPolicy shipped() {
  auto p = RbacPolicy::load(kShippedRole);
  EXPECT_TRUE(p.ok()) << (p ? "" : p.error().message);
  return *p;
}

TEST(HarvesterRbacTest, RequestAttributesAreReadAsTheApiServerReadsThem) {
  auto a = request_attributes("GET", "/apis/kubevirt.io/v1/namespaces/ns/virtualmachines", false);
  EXPECT_EQ(a.verb, "list");
  EXPECT_EQ(a.group, "kubevirt.io");
  EXPECT_EQ(a.resource, "virtualmachines");
  EXPECT_EQ(a.namespace_, "ns");
  EXPECT_EQ(
      request_attributes("GET", "/apis/kubevirt.io/v1/namespaces/ns/virtualmachines", true).verb,
      "watch");
  a = request_attributes(
      "PUT", "/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachines/vm1/start", false);
  EXPECT_EQ(a.verb, "update");
  EXPECT_EQ(a.resource, "virtualmachines");
  EXPECT_EQ(a.subresource, "start");
  EXPECT_EQ(a.name, "vm1");
  a = request_attributes("GET", "/api/v1/namespaces/ns", false);
  EXPECT_EQ(a.resource, "namespaces");
  EXPECT_EQ(a.namespace_, "ns");  // a namespace is in its own namespace, for RBAC
  EXPECT_EQ(request_attributes("DELETE", "/api/v1/namespaces/ns/secrets", false).verb,
            "deletecollection");
  EXPECT_FALSE(request_attributes("GET", "/apis/kubevirt.io/v1", false).resource_request);
}

TEST(HarvesterRbacTest, TheShippedRoleAllowsWhatTheAgentDoesAndNothingElse) {
  RbacPolicy p = shipped();
  EXPECT_EQ(p.user(), "system:serviceaccount:nomad-clients:harvester-autoscaler");
  auto allows = [&](const char* method, const std::string& path, bool watch = false) {
    return p.allows(request_attributes(method, path, watch));
  };
  const std::string vms = "/apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachines";
  EXPECT_TRUE(allows("GET", vms));
  EXPECT_TRUE(allows("GET", vms, true));
  EXPECT_TRUE(allows("POST", vms));
  EXPECT_TRUE(allows("PATCH", vms + "/vm1"));
  EXPECT_TRUE(allows("DELETE", vms + "/vm1"));
  EXPECT_TRUE(allows(
      "PUT",
      "/apis/subresources.kubevirt.io/v1/namespaces/nomad-clients/virtualmachines/vm1/stop"));
  EXPECT_TRUE(allows("POST", "/api/v1/namespaces/nomad-clients/secrets"));
  EXPECT_TRUE(
      allows("GET", "/apis/harvesterhci.io/v1beta1/namespaces/default/virtualmachineimages/i"));
  EXPECT_TRUE(allows("GET", "/api/v1/namespaces/nomad-clients"));
  EXPECT_TRUE(allows("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"));
  // Not granted: VMs elsewhere, reading Secrets, images outside their namespace, migrations.
  EXPECT_FALSE(allows("GET", "/apis/kubevirt.io/v1/namespaces/default/virtualmachines"));
  EXPECT_FALSE(allows("GET", "/api/v1/namespaces/nomad-clients/secrets/x"));
  EXPECT_FALSE(
      allows("GET", "/apis/harvesterhci.io/v1beta1/namespaces/other/virtualmachineimages/i"));
  EXPECT_FALSE(allows(
      "PUT",
      "/apis/subresources.kubevirt.io/v1/namespaces/nomad-clients/virtualmachines/vm1/migrate"));
  EXPECT_FALSE(allows("GET", "/api/v1/namespaces/default"));
}

TEST(HarvesterRbacTest, RulesMatchAsKubernetesMatchesThem) {
  RbacPolicy p({{{"get"}, {"kubevirt.io"}, {"virtualmachines/*"}, {}, ""},
                {{"update"}, {"subresources.kubevirt.io"}, {"*/start"}, {}, ""},
                {{"*"}, {""}, {"secrets"}, {"only-this"}, "ns"}},
               "u");
  auto a = request_attributes(
      "PUT", "/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachines/vm/start", false);
  EXPECT_TRUE(p.allows(a));
  a.subresource = "stop";
  EXPECT_FALSE(p.allows(a));
  // "virtualmachines/*" is no wildcard: it matches neither the VM nor its subresources.
  EXPECT_FALSE(p.allows(
      request_attributes("GET", "/apis/kubevirt.io/v1/namespaces/ns/virtualmachines/vm", false)));
  EXPECT_TRUE(
      p.allows(request_attributes("DELETE", "/api/v1/namespaces/ns/secrets/only-this", false)));
  EXPECT_FALSE(
      p.allows(request_attributes("DELETE", "/api/v1/namespaces/ns/secrets/other", false)));
  EXPECT_FALSE(p.allows(request_attributes("POST", "/api/v1/namespaces/ns/secrets", false)));
  EXPECT_FALSE(
      p.allows(request_attributes("DELETE", "/api/v1/namespaces/x/secrets/only-this", false)));
}

TEST(HarvesterRbacTest, RefusalsAreTheApiServersForbiddenStatus) {
  RbacPolicy p({}, "system:serviceaccount:ns:sa");
  EXPECT_EQ(
      p.forbidden_message(request_attributes(
          "GET", "/apis/kubevirt.io/v1/namespaces/default/virtualmachines/vm1", false)),
      "virtualmachines.kubevirt.io \"vm1\" is forbidden: User \"system:serviceaccount:ns:sa\" "
      "cannot get resource \"virtualmachines\" in API group \"kubevirt.io\" in the namespace "
      "\"default\"");
  EXPECT_EQ(p.forbidden_message(request_attributes("POST", "/api/v1/namespaces/d/secrets", false)),
            "secrets is forbidden: User \"system:serviceaccount:ns:sa\" cannot create resource "
            "\"secrets\" in API group \"\" in the namespace \"d\"");
  EXPECT_EQ(
      p.forbidden_message(request_attributes(
          "PUT", "/apis/subresources.kubevirt.io/v1/namespaces/d/virtualmachines/v/start", false)),
      "virtualmachines.subresources.kubevirt.io \"v\" is forbidden: User "
      "\"system:serviceaccount:ns:sa\" cannot update resource \"virtualmachines/start\" in "
      "API group \"subresources.kubevirt.io\" in the namespace \"d\"");
  EXPECT_EQ(
      p.forbidden_message(
          request_attributes("GET", "/apis/storage.k8s.io/v1/storageclasses/sc", false)),
      "storageclasses.storage.k8s.io \"sc\" is forbidden: User \"system:serviceaccount:ns:sa\" "
      "cannot get resource \"storageclasses\" in API group \"storage.k8s.io\" at the cluster "
      "scope");
}

TEST(HarvesterRbacTest, AMalformedRoleFileIsAnErrorNamingIt) {
  std::string path = ::testing::TempDir() + "/role.yaml";
  std::ofstream(path) << "kind: Role\nrules:\n  - resources: [x]\n";
  auto p = RbacPolicy::load(path);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find(path + ": document 1 (Role): a rule without verbs"),
            std::string::npos)
      << p.error().message;
  std::ofstream(path) << "kind: ServiceAccount\n";
  EXPECT_NE(RbacPolicy::load(path).error().message.find("no Role or ClusterRole"),
            std::string::npos);
}

TEST_F(MockHarvesterTest, ATokenBoundToARoleGetsForbiddenOutsideIt) {
  // The VM rule of the shipped Role, without delete.
  std::vector<RbacRule> rules;
  rules.push_back({{"get", "list", "watch", "create", "patch"},
                   {"kubevirt.io"},
                   {"virtualmachines"},
                   {},
                   "nomad"});
  start("rbac-token",
        std::make_shared<const RbacPolicy>(rules, "system:serviceaccount:nomad:autoscaler"));
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);
  auto denied = client->Delete(std::string(kVms) + "/web-1");
  ASSERT_EQ(denied->status, 403);
  json status = json::parse(denied->body);
  EXPECT_EQ(status["reason"], "Forbidden");
  EXPECT_EQ(status["details"]["kind"], "virtualmachines");
  EXPECT_EQ(status["message"],
            "virtualmachines.kubevirt.io \"web-1\" is forbidden: User "
            "\"system:serviceaccount:nomad:autoscaler\" cannot delete resource \"virtualmachines\" "
            "in API group \"kubevirt.io\" in the namespace \"nomad\"");
  auto review = [&](const char* verb) {
    kube_json::AccessCheck c{"nomad", verb, "kubevirt.io", "virtualmachines", "", ""};
    auto r = client->Post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                          kube_json::access_review(c).dump(), "application/json");
    EXPECT_EQ(r->status, 201) << r->body;
    return json::parse(r->body)["status"]["allowed"].get<bool>();
  };
  EXPECT_TRUE(review("create"));
  EXPECT_FALSE(review("delete"));
  EXPECT_EQ(client->Get("/apis/kubevirt.io/v1")->status, 200);  // discovery: everyone
}

}  // namespace
}  // namespace ha
