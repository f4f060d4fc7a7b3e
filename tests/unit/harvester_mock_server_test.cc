// The mock Harvester (KubeVirt) API on 127.0.0.1: paths, Kubernetes objects and Status
// errors, checked with a plain HTTP client and against the schemas' required fields.
#include "backends/mock_server/harvester_mock_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "backends/api/vm_labels.h"
#include "backends/wire/kubevirt_json.h"
#include "mock_harvester_fixture.h"

namespace ha {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace kv = kubevirt_json;

json schema(const std::string& name) {
  std::ifstream f(std::string(HA_SOURCE_DIR) + "/third_party/harvester/swagger.json");
  return json::parse(f)["components"]["schemas"][name];
}

TEST_F(MockHarvesterTest, CreatesGetsAndListsVirtualMachines) {
  start();
  auto created = create(vm_spec("web-1"));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  json vm = json::parse(created->body);
  // (the schema in a variable: a range-for over a temporary's member would dangle)
  const json vm_schema = schema("kubevirt.io.api.core.v1.VirtualMachine");
  for (const auto& key : vm_schema["required"]) {
    EXPECT_TRUE(vm.contains(key.get<std::string>())) << key;
  }
  EXPECT_EQ(vm["kind"], "VirtualMachine");
  EXPECT_FALSE(vm["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE(vm["metadata"]["resourceVersion"].get<std::string>().empty());
  auto back = kv::read_virtual_machine(vm);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->spec.image(), "default/image-ubuntu");
  EXPECT_EQ(back->spec.network, "default/vlan1");
  EXPECT_EQ(back->spec.memory_bytes, 8LL << 30);
  EXPECT_EQ(back->spec.cpu_cores, 2);
  EXPECT_EQ(back->spec.user_data, "#cloud-config\nruncmd: []\n");
  EXPECT_EQ(back->spec.annotations.at("note"), "test");
  EXPECT_EQ(back->spec.annotations.count(kv::kClaimTemplates), 1u);

  ASSERT_EQ(create(vm_spec("db-1", "db"))->status, 201);
  EXPECT_EQ(wait_for("web-1", "Running"), "Running");

  auto list = client->Get(std::string(kVms) +
                          "?labelSelector=" + "harvester-autoscaler%2Fnode-group%3Dweb");
  ASSERT_EQ(list->status, 200);
  json l = json::parse(list->body);
  const json list_schema = schema("kubevirt.io.api.core.v1.VirtualMachineList");
  for (const auto& key : list_schema["required"]) {
    EXPECT_TRUE(l.contains(key.get<std::string>())) << key;
  }
  auto vms = kv::read_virtual_machine_list(l);
  ASSERT_TRUE(vms.ok());
  ASSERT_EQ(vms->size(), 1u);
  EXPECT_EQ((*vms)[0]->spec.name, "web-1");
  EXPECT_EQ(json::parse(client->Get(kVms)->body)["items"].size(), 2u);

  // The running VM has a VirtualMachineInstance, owned by it.
  const std::string vmis = "/apis/kubevirt.io/v1/namespaces/nomad/virtualmachineinstances";
  auto vmi = client->Get(vmis + "/web-1");
  ASSERT_EQ(vmi->status, 200) << vmi->body;
  json i = json::parse(vmi->body);
  EXPECT_EQ(i["kind"], "VirtualMachineInstance");
  EXPECT_EQ(i["status"]["phase"], "Running");
  EXPECT_EQ(i["metadata"]["ownerReferences"][0]["name"], "web-1");
  EXPECT_EQ(i["metadata"]["labels"]["harvesterhci.io/vmName"], "web-1");
  EXPECT_EQ(i["spec"]["domain"]["cpu"]["cores"], 2);
  auto selected = client->Get(vmis + "?labelSelector=harvester-autoscaler%2Fnode-group%3Dweb");
  EXPECT_EQ(json::parse(selected->body)["items"].size(), 1u);
  EXPECT_EQ(client->Get(vmis + "/nope")->status, 404);
}

TEST_F(MockHarvesterTest, ErrorsAreKubernetesStatusObjects) {
  start();
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);
  auto again = create(vm_spec("web-1"));
  EXPECT_EQ(again->status, 409);
  json status = json::parse(again->body);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "AlreadyExists");
  EXPECT_EQ(status["code"], 409);
  auto missing = client->Get(std::string(kVms) + "/nope");
  EXPECT_EQ(missing->status, 404);
  json nf = json::parse(missing->body);
  EXPECT_EQ(nf["reason"], "NotFound");
  EXPECT_EQ(nf["details"]["name"], "nope");
  auto bad = create(vm_spec("Not_A_Name"));
  EXPECT_EQ(bad->status, 422);
  EXPECT_EQ(json::parse(bad->body)["reason"], "Invalid");
  EXPECT_EQ(client->Post(kVms, "not json", "application/json")->status, 400);
  EXPECT_EQ(client->Get(std::string(kVms) + "?labelSelector=a%20in%20(b)")->status, 400);
}

TEST_F(MockHarvesterTest, PatchesStartsStopsAndDeletes) {
  start();
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);
  std::string before =
      json::parse(client->Get(std::string(kVms) + "/web-1")->body)["metadata"]["resourceVersion"];
  json patch = {
      {"metadata", {{"labels", {{"extra", "yes"}}}, {"annotations", {{"note", nullptr}}}}}};
  auto patched =
      client->Patch(std::string(kVms) + "/web-1", patch.dump(), "application/merge-patch+json");
  ASSERT_EQ(patched->status, 200) << patched->body;
  json p = json::parse(patched->body);
  EXPECT_EQ(p["metadata"]["labels"]["extra"], "yes");
  EXPECT_EQ(p["metadata"]["labels"][vm_labels::kNodeGroup], "web");
  EXPECT_FALSE(p["metadata"]["annotations"].contains("note"));
  EXPECT_NE(p["metadata"]["resourceVersion"], before);
  EXPECT_EQ(client->Patch(std::string(kVms) + "/web-1", patch.dump(), "application/json")->status,
            415);

  ASSERT_EQ(wait_for("web-1", "Running"), "Running");
  // KubeVirt refuses spec.running beside a runStrategy.
  auto both = client->Patch(std::string(kVms) + "/web-1", R"({"spec":{"running":false}})",
                            "application/merge-patch+json");
  ASSERT_EQ(both->status, 422) << both->body;
  EXPECT_NE(json::parse(both->body)["message"].get<std::string>().find(
                "Running and RunStrategy are mutually exclusive"),
            std::string::npos);
  auto stopped = client->Patch(std::string(kVms) + "/web-1", R"({"spec":{"runStrategy":"Halted"}})",
                               "application/merge-patch+json");
  ASSERT_EQ(stopped->status, 200) << stopped->body;
  EXPECT_EQ(wait_for("web-1", "Stopped"), "Stopped");
  // As KubeVirt says when a VM stopped: its Ready condition's last transition, which is what
  // a restarted agent dates its warm pool by.
  json halted = json::parse(client->Get(std::string(kVms) + "/web-1")->body);
  const json& ready = halted["status"]["conditions"].at(0);
  EXPECT_EQ(ready["type"], "Ready");
  EXPECT_EQ(ready["status"], "False");
  EXPECT_EQ(ready["reason"], "VMINotExists");
  auto read = kv::read_virtual_machine(halted);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_TRUE(read->ready_changed.has_value());
  EXPECT_GE(*read->ready_changed, read->creation_time);
  halted["status"]["conditions"][0]["lastTransitionTime"] = "yesterday";
  auto bad = kv::read_virtual_machine(halted);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "status.conditions[0].lastTransitionTime: not an RFC 3339 time");
  auto started =
      client->Put("/apis/subresources.kubevirt.io/v1/namespaces/nomad/virtualmachines/web-1/start",
                  "", "application/json");
  EXPECT_EQ(started->status, 202);

  auto deleted = client->Delete(std::string(kVms) + "/web-1");
  ASSERT_EQ(deleted->status, 200);
  EXPECT_EQ(json::parse(deleted->body)["status"]["printableStatus"], "Terminating");
  EXPECT_EQ(wait_for("web-1", "absent"), "absent");
  EXPECT_EQ(client->Delete(std::string(kVms) + "/web-1")->status, 404);
}

TEST_F(MockHarvesterTest, DiscoveryAndBearerToken) {
  start("k8s-token");
  auto resources = client->Get("/apis/kubevirt.io/v1");
  ASSERT_EQ(resources->status, 200);
  EXPECT_EQ(json::parse(resources->body)["resources"][0]["name"], "virtualmachines");
  EXPECT_EQ(json::parse(client->Get("/apis")->body)["groups"][0]["name"], "kubevirt.io");
  EXPECT_EQ(json::parse(client->Get("/version")->body)["major"], "1");
  httplib::Client anonymous("127.0.0.1", port);
  auto denied = anonymous.Get(kVms);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(json::parse(denied->body)["reason"], "Unauthorized");
}

TEST(KubevirtJson, MergePatchFollowsRfc7386) {
  json target = {{"a", "b"}, {"c", {{"d", "e"}, {"f", "g"}}}};
  json patch = {{"a", "z"}, {"c", {{"f", nullptr}}}};
  EXPECT_EQ(kv::merge_patch(target, patch), (json{{"a", "z"}, {"c", {{"d", "e"}}}}));
  EXPECT_EQ(kv::merge_patch(target, json::array({1})), json::array({1}));
}

// Injected faults answer as a failing Kubernetes API server: a Status with the code and
// reason; an applied one makes the change (a delete that happened, answered 404).
TEST_F(MockHarvesterTest, InjectedFaultsAnswerKubernetesStatusErrors) {
  start();
  FaultRule down;
  down.error_rate = 1;
  auto id = faults.add_rule("create_vm", down);
  auto refused = create(vm_spec("web-1"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  json status = json::parse(refused->body);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "ServiceUnavailable");
  EXPECT_EQ(wait_for("web-1", "absent"), "absent");
  faults.remove_rule(id);
  ASSERT_EQ(create(vm_spec("web-1"))->status, 201);

  FaultRule raced = down;
  raced.kind = ErrorKind::kNotFound;
  raced.applied = true;
  faults.add_rule("delete_vm", raced);
  auto deleted = client->Delete(std::string(kVms) + "/web-1");
  ASSERT_TRUE(deleted) << httplib::to_string(deleted.error());
  EXPECT_EQ(deleted->status, 404);
  EXPECT_EQ(json::parse(deleted->body)["code"], 404);
  EXPECT_EQ(wait_for("web-1", "absent"), "absent");  // it was deleted all the same
}

}  // namespace
}  // namespace ha
