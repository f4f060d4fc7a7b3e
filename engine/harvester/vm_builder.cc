#include "engine/harvester/vm_builder.h"

#include "backends/api/vm_labels.h"

namespace ha {
namespace {

constexpr std::int64_t kGi = 1LL << 30;
constexpr const char* kRemovedClaims = "harvesterhci.io/removedPersistentVolumeClaims";

}  // namespace

std::string claim_suffix(const std::string& vm, Time now) {
  std::uint64_t z = std::hash<std::string>{}(vm) ^ static_cast<std::uint64_t>(now.count());
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  std::string out;
  for (int i = 0; i < 5; ++i, z /= 36) out += "abcdefghijklmnopqrstuvwxyz0123456789"[z % 36];
  return out;
}

Result<std::int64_t> root_disk_bytes(const HarvesterGroupConfig& c, const VmImage& image) {
  if (c.disk_bytes > 0) {
    if (c.disk_bytes < image.virtual_size_bytes) {
      return make_error("disk_size: " + std::to_string(c.disk_bytes) +
                            " bytes is smaller than image " + image.id() + " (" +
                            std::to_string(image.virtual_size_bytes) +
                            " bytes): the disk could not hold it",
                        ErrorKind::kInvalid);
    }
    return c.disk_bytes;
  }
  std::int64_t rounded = (image.virtual_size_bytes + kGi - 1) / kGi * kGi;
  return std::max(rounded, 10 * kGi);
}

NewVm build_vm(const HarvesterGroupConfig& c, const std::string& name, const std::string& action_id,
               const VmImage& image, std::int64_t disk_bytes, const std::string& suffix) {
  NewVm out;
  VirtualMachineSpec& s = out.spec;
  s.name = name;
  s.namespace_ = c.namespace_;
  s.labels = {{vm_labels::kNodeGroup, c.node_group},
              {vm_labels::kNodeClass, c.node_class},
              {"harvesterhci.io/creator", "harvester-autoscaler"}};
  VolumeClaimTemplate disk;
  disk.claim_name = name + "-disk-0-" + suffix;
  disk.image_id = image.id();
  disk.storage_class = image.storage_class;
  disk.storage_bytes = disk_bytes;
  disk.labels = {{vm_labels::kNodeGroup, c.node_group}};
  s.root_disk = disk;
  s.annotations = {{vm_labels::kAction, action_id}, {kRemovedClaims, disk.claim_name}};
  s.cpu_cores = c.cpu_cores;
  s.cpu_limit_millis = static_cast<std::int64_t>(c.cpu_cores) * 1000;
  s.memory_bytes = c.memory_bytes;
  s.network = c.network;
  s.run_strategy = "RerunOnFailure";
  s.eviction_strategy = "LiveMigrateIfPossible";
  s.anti_affinity_label = vm_labels::kNodeGroup;
  s.hostname = name;
  std::string user_data = render_user_data(c, name);
  if (user_data.size() <= kMaxInlineUserData) {
    s.user_data = std::move(user_data);
    return out;
  }
  Secret secret;
  secret.meta.name = name + "-cloudinit";
  secret.meta.namespace_ = c.namespace_;
  secret.meta.labels = {{vm_labels::kNodeGroup, c.node_group}};
  secret.data["userdata"] = std::move(user_data);
  s.user_data_secret = secret.meta.name;
  out.cloud_init = std::move(secret);
  return out;
}

std::string claims_to_remove(const VirtualMachineSpec& vm) {
  return vm.root_disk ? vm.root_disk->claim_name : "";
}

}  // namespace ha
