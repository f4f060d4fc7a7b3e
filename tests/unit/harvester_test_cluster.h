// What the tests' Harvester has, as a real cluster would: the namespace the VMs go in, an
// imported image (default/image-ubuntu, 4 GiB) whose storage class clones it, and a VLAN
// network (default/vlan1); and a VM spec as the Harvester target writes one, booting that
// image.
#pragma once

#include <map>
#include <string>

#include "backends/api/vm_labels.h"
#include "backends/memory/harvester_model.h"

namespace ha::testing {

inline constexpr const char* kTestImage = "default/image-ubuntu";
inline constexpr const char* kTestImageClass = "longhorn-image-ubuntu";
inline constexpr const char* kTestNetwork = "default/vlan1";

inline void seed_test_cluster(HarvesterModel& m, const std::string& ns = "nomad") {
  m.add_namespace(ns);
  VmImage image;
  image.meta.namespace_ = "default";
  image.meta.name = "image-ubuntu";
  image.display_name = "ubuntu-22.04";
  image.url = "https://cloud-images.ubuntu.com/jammy/current/jammy-server-cloudimg-amd64.img";
  image.storage_class = kTestImageClass;
  image.imported = true;
  image.size_bytes = 700LL << 20;
  image.virtual_size_bytes = 4LL << 30;
  m.add_image(image);
  NetworkAttachment vlan;
  vlan.meta.namespace_ = "default";
  vlan.meta.name = "vlan1";
  vlan.meta.labels = {{"network.harvesterhci.io/clusternetwork", "mgmt"},
                      {"network.harvesterhci.io/type", "L2VlanNetwork"},
                      {"network.harvesterhci.io/vlan-id", "1"}};
  vlan.config = R"({"cniVersion":"0.3.1","name":"vlan1","type":"bridge","bridge":"mgmt-br",)"
                R"("promiscMode":true,"vlan":1,"ipam":{}})";
  m.add_network(vlan);
}

inline VirtualMachineSpec test_vm(const std::string& name, const std::string& group = "web",
                                  const std::string& ns = "nomad") {
  VirtualMachineSpec s;
  s.name = name;
  s.namespace_ = ns;
  s.labels = {{vm_labels::kNodeGroup, group}, {vm_labels::kNodeClass, "hashistack"}};
  s.cpu_cores = 2;
  s.cpu_limit_millis = 2000;
  s.memory_bytes = 4LL << 30;
  VolumeClaimTemplate disk;
  disk.claim_name = name + "-disk-0";
  disk.image_id = kTestImage;
  disk.storage_class = kTestImageClass;
  disk.storage_bytes = 10LL << 30;
  s.root_disk = disk;
  s.annotations = {{"harvesterhci.io/removedPersistentVolumeClaims", disk.claim_name}};
  s.network = kTestNetwork;
  // The guest's Nomad client registers with the config its user data writes.
  s.user_data =
      "#cloud-config\n"
      "write_files:\n"
      "  - path: /etc/nomad.d/client.hcl\n"
      "    content: |\n"
      "      client {\n"
      "        node_class = \"hashistack\"\n"
      "      }\n";
  s.run_strategy = "RerunOnFailure";
  s.eviction_strategy = "LiveMigrateIfPossible";
  return s;
}

}  // namespace ha::testing
