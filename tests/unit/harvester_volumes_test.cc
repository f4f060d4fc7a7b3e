// The Harvester target against a Harvester that behaves as the real one: the VMs it creates
// boot their image (a disk of the image's storage class), their volumes go with them, long
// cloud-init goes into a Secret they own, and reconcile never deletes a VM that is moving or
// was restarted by KubeVirt.
#include "backends/wire/kubevirt_json.h"
#include "engine/harvester/group_config.h"
#include "tests/unit/harvester_target_fixture.h"

namespace ha::testing {
namespace {

constexpr const char* kGroupLabel = "harvester-autoscaler/node-group";

TEST_F(HarvesterTargetTest, CreatesWhatHarvestersOwnToolsCreate) {
  grow_to(2);
  auto vms = harvester.list("nomad", "");
  ASSERT_EQ(vms->size(), 2u);
  for (const auto& vm : *vms) {
    const VirtualMachineSpec& s = vm->spec;
    ASSERT_TRUE(s.root_disk);
    EXPECT_EQ(s.root_disk->storage_class, kTestImageClass);  // from the image's status
    EXPECT_EQ(s.root_disk->storage_bytes, 10LL << 30);       // its 4 GiB rounded, at least 10Gi
    EXPECT_EQ(s.annotations.at(kubevirt_json::kRemovedClaims), s.root_disk->claim_name);
    EXPECT_EQ(s.cpu_limit_millis, 4000);
    EXPECT_EQ(s.memory_bytes, 8LL << 30);
    EXPECT_EQ(s.memory_request_bytes, (8LL << 30) * 100 / 150 / (1 << 20) * (1 << 20));
    EXPECT_EQ(s.run_strategy, "RerunOnFailure");
    EXPECT_EQ(s.eviction_strategy, "LiveMigrateIfPossible");
    EXPECT_EQ(s.anti_affinity_label, kGroupLabel);
    EXPECT_EQ(s.hostname, s.name);
    auto claim = harvester.get_claim("nomad", s.root_disk->claim_name);
    ASSERT_TRUE(claim.ok());
    EXPECT_EQ(claim->meta.labels.at(kGroupLabel), "web");
  }
  EXPECT_EQ(nomad.totals().nodes_ready, 2);
}

TEST_F(HarvesterTargetTest, ScaleInTakesTheVolumesAlong) {
  grow_to(3);
  EXPECT_EQ(harvester.claims("nomad").size(), 3u);
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 20min);
  EXPECT_EQ(harvester.size(), 1u);
  EXPECT_EQ(harvester.claims("nomad").size(), 1u);
  EXPECT_TRUE(harvester.orphaned_claims(kGroupLabel, "web").empty());
}

// A VM made before this version lacks the annotation: it gets it, uid-checked, before its
// deletion, as the node driver and the Terraform provider do.
TEST_F(HarvesterTargetTest, AnOlderVmGetsTheAnnotationBeforeItsDeletion) {
  grow_to(2);
  auto listed = harvester.list("nomad", "");  // (a range-for over *temporary would dangle)
  for (const auto& vm : *listed) {
    auto annotations = vm->spec.annotations;
    annotations.erase(kubevirt_json::kRemovedClaims);
    ASSERT_TRUE(harvester.set_metadata("nomad", vm->spec.name, vm->spec.labels, annotations).ok());
  }
  ASSERT_TRUE(scale(0).ok());
  loop.run_until(loop.now() + 20min);
  EXPECT_EQ(harvester.size(), 0u);
  EXPECT_TRUE(harvester.claims("nomad").empty());
}

TEST_F(HarvesterTargetTest, AnImageThatCannotBootFailsTheScaleOutClearly) {
  VmImage importing;
  importing.meta.namespace_ = "default";
  importing.meta.name = "image-new";
  importing.progress = 40;
  harvester.add_image(importing);
  config["image"] = "default/image-new";
  auto r = scale(2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("image default/image-new not imported (progress 40%)"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(harvester.size(), 0u);
  config["image"] = "default/image-gone";
  loop.run_until(loop.now() + 1h);  // past the backoff
  r = scale(2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("virtualmachineimages.harvesterhci.io \"image-gone\" not found"),
            std::string::npos)
      << r.error().message;
  config.erase("image");
  loop.run_until(loop.now() + 1h);
  r = scale(2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("image: missing"), std::string::npos) << r.error().message;
}

TEST_F(HarvesterTargetTest, LongCloudInitGoesIntoASecretTheVmOwns) {
  config["user_data"] = "#cloud-config\n# " + std::string(3000, 'x') +
                        "\nhostname: {{name}}\nwrite_files:\n  - path: /etc/nomad.d/client.hcl\n" +
                        "    content: 'client { node_class = \"{{node_class}}\" }'\n";
  grow_to(1);
  auto vm = harvester.list("nomad", "")->at(0);
  EXPECT_TRUE(vm->spec.user_data.empty());
  ASSERT_EQ(vm->spec.user_data_secret, vm->spec.name + "-cloudinit");
  auto secret = harvester.get_secret("nomad", vm->spec.user_data_secret);
  ASSERT_TRUE(secret.ok());
  EXPECT_NE(secret->data.at("userdata").find("hostname: " + vm->spec.name), std::string::npos);
  ASSERT_EQ(secret->meta.owner_references.size(), 1u);
  EXPECT_EQ(secret->meta.owner_references[0].uid, vm->uid);
  EXPECT_EQ(nomad.totals().nodes_ready, 1);
  ASSERT_TRUE(scale(0).ok());
  loop.run_until(loop.now() + 20min);
  EXPECT_TRUE(harvester.secrets("nomad").empty());
}

// A guest whose Nomad node is named by its fully qualified name (web-x.nomad.example): the
// target still finds its VM's node (the name up to the first dot), waits for it to join
// instead of deleting it at the provision timeout, and drains and deletes it on scale-in.
TEST_F(HarvesterTargetTest, ANodeNamedByItsFullyQualifiedNameIsItsVms) {
  config["user_data"] =
      "#cloud-config\nwrite_files:\n  - path: /etc/nomad.d/client.hcl\n    content: |\n"
      "      name = \"{{name}}.nomad.example\"\n"
      "      client {\n        node_class = \"{{node_class}}\"\n"
      "        meta { \"harvester.vm\" = \"{{namespace}}/{{name}}\" }\n      }\n";
  grow_to(2);
  auto nodes = nomad.list_nodes({});
  ASSERT_EQ(nodes.size(), 2u);
  for (const auto& n : nodes) {
    EXPECT_NE(n->name.find(".nomad.example"), std::string::npos) << n->name;
  }
  auto s = status();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->count, 2);
  EXPECT_TRUE(s->ready);
  loop.run_until(loop.now() + 30min);  // past every provision timeout: nothing reaped
  EXPECT_EQ(harvester.list("nomad", "")->size(), 2u);
  ASSERT_TRUE(scale(1).ok());
  loop.run_until(loop.now() + 20min);
  EXPECT_EQ(harvester.list("nomad", "")->size(), 1u);
  EXPECT_EQ(nomad.totals().nodes_ready, 1);
}

// A node whose client says it runs in another VM is not drained for this one.
TEST_F(HarvesterTargetTest, ANodeWhoseMetaNamesAnotherVmIsNotDrained) {
  config["user_data"] =
      "#cloud-config\nwrite_files:\n  - path: /etc/nomad.d/client.hcl\n    content: |\n"
      "      client {\n        node_class = \"{{node_class}}\"\n"
      "        meta { \"harvester.vm\" = \"nomad/someone-else\" }\n      }\n";
  grow_to(1);
  auto r = scale(0);
  ASSERT_TRUE(r.ok()) << r.error().message;
  loop.run_until(loop.now() + 20min);
  EXPECT_EQ(harvester.list("nomad", "")->size(), 1u);  // kept
  auto nodes = nomad.list_nodes({});
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_FALSE(nodes[0]->drain);
}

// A node named otherwise by custom user data is its VM's by the meta its client carries:
// the fresh reads before a deletion find it (by name it is not there), so the VM is kept.
TEST_F(HarvesterTargetTest, AVmWhoseNodeIsKnownOnlyByItsMetaIsNeverDeletedAsStuck) {
  config["user_data"] =
      "#cloud-config\nwrite_files:\n  - path: /etc/nomad.d/client.hcl\n    content: |\n"
      "      name = \"worker-of-{{name}}\"\n"
      "      client {\n        node_class = \"{{node_class}}\"\n"
      "        meta { \"harvester.vm\" = \"{{namespace}}/{{name}}\" }\n      }\n";
  auto r = scale(1);
  ASSERT_TRUE(r.ok()) << r.error().message;  // joined, as the fresh read by meta shows
  auto nodes = nomad.list_nodes({});
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0]->name.rfind("worker-of-web-", 0), 0u) << nodes[0]->name;
  for (int i = 0; i < 8; ++i) {  // statuses past every provision timeout: reconcile runs
    ASSERT_TRUE(status().ok());
    loop.run_until(loop.now() + 5min);
  }
  EXPECT_EQ(harvester.list("nomad", "")->size(), 1u);
  EXPECT_EQ(nomad.totals().nodes_ready, 1);
}

TEST(HarvesterGroupConfig, RefusesWhatHarvesterWouldRefuseNamingTheKey) {
  auto error_of = [](PluginConfig c) {
    c.emplace("node_group_name", "web");
    c.emplace("node_class", "web");
    auto r = parse_group_config(c);
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_NE(error_of({{"cpu_request", "1.5"}}).find("cpu_request: \"1.5\" is not a whole number"),
            std::string::npos);
  EXPECT_NE(error_of({{"node_group_name", "Web_Nodes"}}).find("node_group_name: \"Web_Nodes\""),
            std::string::npos);
  EXPECT_NE(error_of({{"node_group_name", std::string(58, 'a')}}).find("at most 57"),
            std::string::npos);
  EXPECT_NE(error_of({{"image", "ubuntu"}}).find("image: \"ubuntu\" is not namespace/name"),
            std::string::npos);
  EXPECT_NE(error_of({{"disk_size", "-1Gi"}}).find("disk_size"), std::string::npos);
  EXPECT_EQ(error_of({{"cpu_request", "2"}, {"image", "default/image-8zr4m"}}), "ok");
}

// KubeVirt restarts a failed guest: the VM boots again, long after its creation. It is given
// a provision timeout from its restart, not judged stuck at once.
TEST_F(HarvesterTargetTest, AVmRestartedByKubevirtIsTimedFromItsRestart) {
  grow_to(1);
  loop.run_until(loop.now() + 2h);
  const std::string name = harvester.list("nomad", "")->at(0)->spec.name;
  harvester.set_boot_faults({1.0, 0, 0});  // the restart never finishes booting
  ASSERT_TRUE(harvester.fail_guest("nomad", name).ok());
  for (int minute = 1; minute <= 14; ++minute) {
    loop.run_until(loop.now() + 1min);
    ASSERT_TRUE(status().ok());
  }
  EXPECT_EQ(harvester.get("nomad", name)->printable_status, "Starting");  // not deleted
  for (int minute = 0; minute < 10; ++minute) {
    loop.run_until(loop.now() + 1min);
    ASSERT_TRUE(status().ok());
  }
  auto vm = harvester.get("nomad", name);
  EXPECT_TRUE(!vm || vm->printable_status == "Terminating");  // stuck by then
}

TEST_F(HarvesterTargetTest, ReconcileNeverDeletesAVmThatIsMigrating) {
  harvester_config.migrate = Latency::constant(std::chrono::hours(1));  // a very slow one
  HarvesterModel slow(loop, &nomad, harvester_config);
  seed_test_cluster(slow);
  HarvesterMemoryApi slow_api(loop, slow, Latency::constant(1s));
  HarvesterTarget t(loop, nomad_api, slow_api, log);
  subject = &t;
  grow_to(2);
  loop.run_until(loop.now() + 2h);
  const std::string name = slow.list("nomad", "")->at(0)->spec.name;
  ASSERT_TRUE(slow.migrate("nomad", name).ok());
  for (int minute = 0; minute < 50; ++minute) {
    loop.run_until(loop.now() + 1min);
    ASSERT_TRUE(status().ok());
  }
  EXPECT_EQ(slow.get("nomad", name)->printable_status, "Migrating");
  EXPECT_EQ(nomad.totals().nodes_ready, 2);
  loop.run_until(loop.now() + 20min);
  EXPECT_EQ(slow.get("nomad", name)->printable_status, "Running");
}

}  // namespace
}  // namespace ha::testing
