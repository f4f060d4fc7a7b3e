#include "sim/initial_vm.h"

#include "backends/api/vm_labels.h"
#include "engine/harvester/vm_builder.h"

namespace ha {

Result<void> create_initial_vm(HarvesterModel& model, const HarvesterGroupConfig& group,
                               const ClusterSpec& cluster, const std::string& name) {
  auto slash = group.image.find('/');
  auto image = slash == std::string::npos
                   ? model.get_image(group.namespace_, group.image)
                   : model.get_image(group.image.substr(0, slash), group.image.substr(slash + 1));
  if (!image) return make_error("image " + group.image + ": " + image.error().message);
  auto disk = root_disk_bytes(group, *image);
  if (!disk) return disk.error();
  NewVm vm = build_vm(group, name, "", *image, *disk, claim_suffix(name, Time{}));
  VirtualMachineSpec& s = vm.spec;
  s.labels[vm_labels::kNodeClass] = cluster.node_class;
  s.cpu_cores = 1;  // a node's capacity is the scenario's cpu_mhz: one core of that speed
  s.cpu_limit_millis = 1000;
  s.memory_bytes = cluster.memory_mb * 1024 * 1024;
  auto created = model.create_running(s);
  if (!created) return created.error();
  if (vm.cloud_init) {
    vm.cloud_init->meta.owner_references = {
        {"kubevirt.io/v1", "VirtualMachine", name, created->uid, false, false}};
    if (auto secret = model.create_secret(*vm.cloud_init); !secret) return secret.error();
  }
  return {};
}

}  // namespace ha
