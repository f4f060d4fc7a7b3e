// The Harvester model as Harvester and KubeVirt behave, not as our client expects: the VM
// controller's claims, what a VM's removal deletes, the empty disk a claim of another class
// gives, cloud-init Secrets, and what admission refuses or fills in. Each test would pass
// against a mock that echoes whatever it is sent, and fails against this one if the client
// gets the real system wrong.
#include <gtest/gtest.h>

#include "backends/memory/harvester_model.h"
#include "harvester_test_cluster.h"
#include "sim/initial_vm.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using testing::test_vm;

constexpr const char* kRemoved = "harvesterhci.io/removedPersistentVolumeClaims";

struct HarvesterStorageTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel nomad{loop};
  HarvesterModel harvester{loop, &nomad, [] {
                             HarvesterModelConfig c;
                             c.provision = Latency::constant(10s);
                             c.boot = Latency::constant(60s);
                             c.nomad_join = Latency::constant(15s);
                             c.terminate = Latency::constant(20s);
                             return c;
                           }()};
  void SetUp() override { testing::seed_test_cluster(harvester); }
  std::string phase(const std::string& name) {
    auto v = harvester.get("nomad", name);
    return v ? v->printable_status : "absent";
  }
  bool joined(const std::string& name) { return nomad.node_id_by_name(name).has_value(); }
  std::string error_of(const VirtualMachineSpec& s) {
    auto r = harvester.create(s);
    return r ? "created" : r.error().message;
  }
};

TEST_F(HarvesterStorageTest, TheClaimIsMadeAsWrittenAndItsImageClassBootsTheImage) {
  ASSERT_TRUE(harvester.create(test_vm("web-1")).ok());
  auto claim = harvester.get_claim("nomad", "web-1-disk-0");
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  EXPECT_EQ(claim->storage_class, testing::kTestImageClass);
  EXPECT_EQ(claim->meta.annotations.at("harvesterhci.io/imageId"), testing::kTestImage);
  EXPECT_TRUE(claim->meta.owner_references.empty());  // Harvester sets no owner
  EXPECT_EQ(claim->volume_mode, "Block");
  EXPECT_EQ(claim->phase, "Pending");
  EXPECT_EQ(phase("web-1"), "WaitingForVolumeBinding");
  loop.run_until(Time(10s));
  EXPECT_EQ(harvester.get_claim("nomad", "web-1-disk-0")->phase, "Bound");
  loop.run_until(Time(90s));
  EXPECT_EQ(phase("web-1"), "Running");
  EXPECT_TRUE(joined("web-1"));
}

// What this product created until now: a claim with no storage class. Harvester fills none
// in; the default class makes an empty disk, the VM boots nothing and never joins.
TEST_F(HarvesterStorageTest, AClaimOfAnyOtherClassIsABlankDiskThatNeverJoins) {
  VirtualMachineSpec blank = test_vm("web-1");
  blank.root_disk->storage_class.clear();
  ASSERT_TRUE(harvester.create(blank).ok());
  EXPECT_EQ(harvester.get_claim("nomad", "web-1-disk-0")->storage_class, "harvester-longhorn");
  loop.run_until(Time(1h));
  EXPECT_EQ(phase("web-1"), "Running");
  EXPECT_FALSE(joined("web-1"));
}

TEST_F(HarvesterStorageTest, AMissingImageMakesNoClaimAndTheVmErrorPvcNotFound) {
  VirtualMachineSpec s = test_vm("web-1");
  s.root_disk->image_id = "default/image-gone";
  s.root_disk->storage_class = "lh-gone";
  ASSERT_TRUE(harvester.create(s).ok());
  EXPECT_FALSE(harvester.get_claim("nomad", "web-1-disk-0").ok());
  loop.run_until(Time(1h));
  EXPECT_EQ(phase("web-1"), "ErrorPvcNotFound");
  EXPECT_FALSE(joined("web-1"));
}

TEST_F(HarvesterStorageTest, AnImageNotImportedHoldsTheClaimUnbound) {
  VmImage importing;
  importing.meta.namespace_ = "default";
  importing.meta.name = "image-new";
  importing.storage_class = "lh-new";  // set when initialized, before the import ends
  importing.progress = 40;
  harvester.add_image(importing);
  VirtualMachineSpec s = test_vm("web-1");
  s.root_disk->image_id = "default/image-new";
  s.root_disk->storage_class = "lh-new";
  ASSERT_TRUE(harvester.create(s).ok());
  loop.run_until(Time(1h));
  EXPECT_EQ(phase("web-1"), "WaitingForVolumeBinding");
  EXPECT_EQ(harvester.get_claim("nomad", "web-1-disk-0")->phase, "Pending");
}

TEST_F(HarvesterStorageTest, RemovalDeletesExactlyTheClaimsTheAnnotationNames) {
  VirtualMachineSpec kept = test_vm("web-1");
  kept.annotations.erase(kRemoved);  // as this product deleted VMs until now
  ASSERT_TRUE(harvester.create(kept).ok());
  ASSERT_TRUE(harvester.create(test_vm("web-2")).ok());
  loop.run_until(Time(2min));
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  ASSERT_TRUE(harvester.remove("nomad", "web-2").ok());
  loop.run_until(Time(3min));
  EXPECT_EQ(phase("web-1"), "absent");
  EXPECT_TRUE(harvester.get_claim("nomad", "web-1-disk-0").ok());  // leaked
  EXPECT_FALSE(harvester.get_claim("nomad", "web-2-disk-0").ok());
  auto left = harvester.orphaned_claims("harvester-autoscaler/node-group", "web");
  EXPECT_TRUE(left.empty());  // the test's claims carry no group label
}

// A scenario's initial nodes are VMs as the target creates them: their disk is a clone of the
// image, named for removal, and a long cloud-init is in a Secret they own; their removal
// (a scale-in) leaves no volume and no Secret behind.
TEST_F(HarvesterStorageTest, InitialNodesHaveTheTargetsDiskAndLeaveNothingWhenRemoved) {
  HarvesterGroupConfig group;
  group.node_group = "web";
  group.namespace_ = "nomad";
  group.image = testing::kTestImage;
  group.network = testing::kTestNetwork;
  group.user_data = std::string(3000, '#');
  ClusterSpec cluster;
  cluster.node_class = "hashistack";
  cluster.memory_mb = 8192;
  ASSERT_TRUE(create_initial_vm(harvester, group, cluster, "web-init-0").ok());
  EXPECT_EQ(phase("web-init-0"), "Running");
  EXPECT_TRUE(joined("web-init-0"));
  auto vm = harvester.get("nomad", "web-init-0");
  ASSERT_TRUE(vm.ok() && vm->spec.root_disk);
  auto claim = harvester.get_claim("nomad", vm->spec.root_disk->claim_name);
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(claim->storage_class, testing::kTestImageClass);
  EXPECT_EQ(claim->phase, "Bound");
  EXPECT_EQ(vm->spec.annotations.at(kRemoved), claim->meta.name);
  EXPECT_EQ(vm->spec.memory_bytes, 8192LL << 20);
  auto secret = harvester.get_secret("nomad", "web-init-0-cloudinit");
  ASSERT_TRUE(secret.ok());
  ASSERT_EQ(secret->meta.owner_references.size(), 1u);
  EXPECT_EQ(secret->meta.owner_references[0].uid, vm->uid);

  ASSERT_TRUE(harvester.remove("nomad", "web-init-0").ok());
  loop.run_until(Time(5min));
  EXPECT_EQ(phase("web-init-0"), "absent");
  EXPECT_FALSE(harvester.get_claim("nomad", claim->meta.name).ok());
  EXPECT_FALSE(harvester.get_secret("nomad", "web-init-0-cloudinit").ok());
  group.image = "default/missing";
  auto missing = create_initial_vm(harvester, group, cluster, "web-init-1");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("default/missing"), std::string::npos);
}

TEST_F(HarvesterStorageTest, OrphanedClaimsAreFoundByTheirLabel) {
  VirtualMachineSpec s = test_vm("web-1");
  s.root_disk->labels = {{"harvester-autoscaler/node-group", "web"}};
  s.annotations.erase(kRemoved);
  ASSERT_TRUE(harvester.create(s).ok());
  EXPECT_TRUE(harvester.orphaned_claims("harvester-autoscaler/node-group", "web").empty());
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  loop.run_until(Time(1min));
  auto left = harvester.orphaned_claims("harvester-autoscaler/node-group", "web");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].meta.name, "web-1-disk-0");
}

TEST_F(HarvesterStorageTest, ACloudInitSecretIsNeededToStartAndGoesWithItsOwner) {
  VirtualMachineSpec s = test_vm("web-1");
  s.user_data.clear();
  s.user_data_secret = "web-1-cloudinit";
  auto vm = harvester.create(s);
  ASSERT_TRUE(vm.ok());
  loop.run_until(Time(5min));
  EXPECT_EQ(phase("web-1"), "Starting");  // the launcher pod cannot mount it
  Secret secret;
  secret.meta.namespace_ = "nomad";
  secret.meta.name = "web-1-cloudinit";
  secret.meta.owner_references = {{"kubevirt.io/v1", "VirtualMachine", "web-1", vm->uid}};
  secret.data["userdata"] = std::string(3000, '#');
  ASSERT_TRUE(harvester.create_secret(secret).ok());
  EXPECT_EQ(harvester.create_secret(secret).error().kind, ErrorKind::kConflict);
  loop.run_until(Time(6min));
  EXPECT_EQ(phase("web-1"), "Running");
  EXPECT_TRUE(joined("web-1"));
  ASSERT_TRUE(harvester.remove("nomad", "web-1").ok());
  loop.run_until(Time(7min));
  EXPECT_FALSE(harvester.get_secret("nomad", "web-1-cloudinit").ok());  // garbage-collected
}

TEST_F(HarvesterStorageTest, ASecretWithoutUserdataGivesTheGuestNothingToJoinWith) {
  Secret secret;
  secret.meta.namespace_ = "nomad";
  secret.meta.name = "web-1-cloudinit";
  secret.data["user-data"] = "#cloud-config\n";  // KubeVirt reads userdata or userData
  ASSERT_TRUE(harvester.create_secret(secret).ok());
  VirtualMachineSpec s = test_vm("web-1");
  s.user_data_secret = secret.meta.name;
  s.user_data.clear();
  ASSERT_TRUE(harvester.create(s).ok());
  loop.run_until(Time(1h));
  EXPECT_EQ(phase("web-1"), "Running");
  EXPECT_FALSE(joined("web-1"));
}

TEST_F(HarvesterStorageTest, AdmissionRefusesWhatTheApiServerAndWebhooksRefuse) {
  VirtualMachineSpec long_data = test_vm("web-1");
  long_data.user_data = std::string(2049, 'x');
  EXPECT_EQ(error_of(long_data),
            "admission webhook \"virtualmachine-validator.kubevirt.io\" denied the request: "
            "spec.template.spec.volumes[1].cloudInitNoCloud userdata exceeds 2048 byte limit. "
            "Should use UserDataSecretRef for larger data.");
  long_data.user_data = std::string(2048, 'x');
  EXPECT_EQ(error_of(long_data), "created");

  VirtualMachineSpec fraction = test_vm("web-2");
  fraction.cpu_cores = 1.5;
  EXPECT_EQ(error_of(fraction),
            "VirtualMachine.kubevirt.io \"web-2\" is invalid: spec.template.spec.domain.cpu.cores: "
            "Invalid value: \"number\": spec.template.spec.domain.cpu.cores in body must be of "
            "type integer: \"number\"");

  VirtualMachineSpec both = test_vm("web-2");
  both.running = true;
  EXPECT_NE(error_of(both).find("Running and RunStrategy are mutually exclusive"),
            std::string::npos);
  VirtualMachineSpec neither = test_vm("web-2");
  neither.run_strategy.clear();
  EXPECT_NE(error_of(neither).find("RunStrategy must be specified"), std::string::npos);

  VirtualMachineSpec no_memory = test_vm("web-2");
  no_memory.memory_bytes = 0;
  no_memory.memory_request_bytes = 4LL << 30;  // requests alone: what this product sent
  EXPECT_EQ(error_of(no_memory),
            "admission webhook \"validator.harvesterhci.io\" denied the request: either "
            "memory.guest or resources.limits.memory must be set");

  EXPECT_NE(error_of(test_vm("Web_2")).find("a lowercase RFC 1123 subdomain"), std::string::npos);
  auto elsewhere = harvester.create(test_vm("web-2", "web", "nowhere"));
  EXPECT_EQ(elsewhere.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(elsewhere.error().message, "namespaces \"nowhere\" not found");

  VirtualMachineSpec no_network = test_vm("web-2");
  no_network.network = "default/vlan404";
  auto refused = harvester.create(no_network);
  EXPECT_EQ(refused.error().kind, ErrorKind::kOther);  // the mutator's call fails: 500
  EXPECT_NE(refused.error().message.find("\"vlan404\" not found"), std::string::npos);
  EXPECT_EQ(harvester.size(), 1u);
}

TEST_F(HarvesterStorageTest, TheMutatorDerivesRequestsFromTheLimits) {
  auto vm = harvester.create(test_vm("web-1"));  // 2 cores, 4Gi
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(vm->spec.cpu_request_millis, 200);             // 2000m x 100 / 1000
  EXPECT_EQ(vm->spec.memory_request_bytes, 2730LL << 20);  // 4Gi x 100 / 150, whole MiB
  EXPECT_EQ(vm->spec.guest_memory_bytes, 4LL << 30);       // the overhead ratio is set
  EXPECT_EQ(vm->spec.termination_grace_seconds, 120);
}

TEST_F(HarvesterStorageTest, AClaimImageMustMatchItsClassesBackingImage) {
  VmImage other;
  other.meta.namespace_ = "default";
  other.meta.name = "image-other";
  other.imported = true;
  VmImage added = harvester.add_image(other);  // class lh-<uid>, backing image vmi-<uid>
  VirtualMachineSpec s = test_vm("web-1");
  s.root_disk->storage_class = added.storage_class;  // the other image's class
  EXPECT_NE(error_of(s).find("imageId \"default/image-ubuntu\" in volume template does not "
                             "match backing image of storage class"),
            std::string::npos);
}

}  // namespace
}  // namespace ha
