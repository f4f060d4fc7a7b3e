#include "apps/render_vm.h"

#include "backends/wire/kube_objects_json.h"
#include "backends/wire/kubevirt_json.h"
#include "engine/harvester/group_config.h"
#include "engine/harvester/vm_builder.h"

namespace ha::cli {

nlohmann::ordered_json render_vms(const std::vector<Policy>& policies,
                                  const std::string& image_class) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const Policy& p : policies) {
    if (p.target.name != "harvester") continue;
    auto c = parse_group_config(p.target.config);
    if (!c) continue;  // validation reported it
    VmImage image;
    auto slash = c->image.find('/');
    image.meta.namespace_ = slash == std::string::npos ? c->namespace_ : c->image.substr(0, slash);
    image.meta.name = slash == std::string::npos ? c->image : c->image.substr(slash + 1);
    image.storage_class =
        image_class.empty() ? "<status.storageClassName of " + c->image + ">" : image_class;
    image.imported = true;
    image.virtual_size_bytes = 10LL << 30;
    std::string name = c->node_group + "-00000";
    auto disk = root_disk_bytes(*c, image);
    NewVm vm = build_vm(*c, name, "1", image, disk ? *disk : image.virtual_size_bytes, "xxxxx");
    PersistentVolumeClaim claim;
    claim.meta.name = vm.spec.root_disk->claim_name;
    claim.meta.namespace_ = c->namespace_;
    claim.meta.labels = vm.spec.root_disk->labels;
    claim.meta.annotations[kubevirt_json::kImageId] = image.id();
    claim.access_modes = {"ReadWriteMany"};
    claim.volume_mode = "Block";
    claim.storage_class = image.storage_class;
    claim.storage_bytes = vm.spec.root_disk->storage_bytes;
    nlohmann::ordered_json secret = nullptr;
    if (vm.cloud_init) {
      vm.cloud_init->meta.owner_references = {
          {"kubevirt.io/v1", "VirtualMachine", name, "<the VM's uid>", false, false}};
      secret = kube_json::secret(*vm.cloud_init);
    }
    out[p.id] = {{"virtualmachine", kubevirt_json::virtual_machine_spec(vm.spec)},
                 {"persistentvolumeclaim", kube_json::claim(claim)},
                 {"secret", secret}};
  }
  return out;
}

}  // namespace ha::cli
