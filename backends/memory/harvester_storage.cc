// HarvesterModel: the objects VMs stand on, and the controllers that tie them to VMs:
//  - Harvester's VM controller (pkg/controller/master/virtualmachine/vm_controller.go):
//    createPVCsFromAnnotation makes each claim of harvesterhci.io/volumeClaimTemplates that
//    does not exist, exactly as written (no storage class filled in, no owner), and skips one
//    whose image is not found; an existing claim is only ever grown. On the VM's removal,
//    removePVCInRemovedPVCsAnnotation deletes the claims named (comma-separated) in
//    harvesterhci.io/removedPersistentVolumeClaims, and no others;
//  - Kubernetes' DefaultStorageClass admission gives a claim naming no class the default one;
//    Longhorn binds a claim of an image's class once the image is imported;
//  - Kubernetes' garbage collector deletes the objects (Secrets) whose owner reference names
//    the removed VM's uid;
//  - Harvester's image controller (pkg/image/common/operator.go): an imported image's
//    storage class is `lh-<uid>` (or a legacy `longhorn-<name>`), with backingImage vmi-<uid>.
#include <algorithm>

#include "backends/memory/harvester_model.h"
#include "base/dns_names.h"

namespace ha {
namespace {

constexpr const char* kImageId = "harvesterhci.io/imageId";
constexpr const char* kRemovedClaims = "harvesterhci.io/removedPersistentVolumeClaims";

template <typename Map, typename Key>
auto lookup(const Map& map, const Key& key, const std::string& what, const std::string& name)
    -> Result<typename Map::mapped_type> {
  auto it = map.find(key);
  if (it == map.end())
    return make_error(what + " \"" + name + "\" not found", ErrorKind::kNotFound);
  return it->second;
}

template <typename Map>
auto values_in(const Map& map, const std::string& ns) {
  std::vector<typename Map::mapped_type> out;
  for (const auto& [key, value] : map) {
    if (ns.empty() || key.first == ns) out.push_back(value);
  }
  return out;
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

void HarvesterModel::stamp(ObjectMeta& meta) {
  meta.uid = new_uid();
  meta.resource_version = std::to_string(++resource_version_);
  meta.creation_time = loop_.now();
}

void HarvesterModel::add_namespace(const std::string& name) {
  if (namespaces_.count(name)) return;
  Namespace ns;
  ns.meta.name = name;
  ns.meta.labels["kubernetes.io/metadata.name"] = name;
  stamp(ns.meta);
  namespaces_[name] = ns;
}

VmImage HarvesterModel::add_image(VmImage image) {
  add_namespace(image.meta.namespace_);
  stamp(image.meta);
  if (image.display_name.empty()) image.display_name = image.meta.name;
  if (image.imported) image.progress = 100;
  if (image.imported && image.storage_class.empty()) image.storage_class = "lh-" + image.meta.uid;
  if (!image.storage_class.empty() && !storage_classes_.count(image.storage_class)) {
    StorageClass sc;
    sc.meta.name = image.storage_class;
    sc.parameters = {{"backingImage", "vmi-" + image.meta.uid},
                     {"migratable", "true"},
                     {"numberOfReplicas", "3"},
                     {"staleReplicaTimeout", "30"}};
    add_storage_class(sc);
  }
  images_[{image.meta.namespace_, image.meta.name}] = image;
  return image;
}

void HarvesterModel::add_storage_class(StorageClass sc) {
  stamp(sc.meta);
  if (sc.is_default) sc.meta.annotations["storageclass.kubernetes.io/is-default-class"] = "true";
  storage_classes_[sc.meta.name] = sc;
}

void HarvesterModel::add_network(NetworkAttachment network) {
  add_namespace(network.meta.namespace_);
  stamp(network.meta);
  networks_[{network.meta.namespace_, network.meta.name}] = network;
}

Result<Namespace> HarvesterModel::get_namespace(const std::string& name) const {
  return lookup(namespaces_, name, "namespaces", name);
}
Result<VmImage> HarvesterModel::get_image(const std::string& ns, const std::string& name) const {
  return lookup(images_, Key{ns, name}, "virtualmachineimages.harvesterhci.io", name);
}
Result<StorageClass> HarvesterModel::get_storage_class(const std::string& name) const {
  return lookup(storage_classes_, name, "storageclasses.storage.k8s.io", name);
}
Result<NetworkAttachment> HarvesterModel::get_network(const std::string& ns,
                                                      const std::string& name) const {
  return lookup(networks_, Key{ns, name}, "network-attachment-definitions.k8s.cni.cncf.io", name);
}
Result<Secret> HarvesterModel::get_secret(const std::string& ns, const std::string& name) const {
  return lookup(secrets_, Key{ns, name}, "secrets", name);
}
Result<PersistentVolumeClaim> HarvesterModel::get_claim(const std::string& ns,
                                                        const std::string& name) const {
  return lookup(claims_, Key{ns, name}, "persistentvolumeclaims", name);
}

std::vector<Namespace> HarvesterModel::namespaces() const {
  std::vector<Namespace> out;
  for (const auto& [name, ns] : namespaces_) out.push_back(ns);
  return out;
}
std::vector<VmImage> HarvesterModel::images(const std::string& ns) const {
  return values_in(images_, ns);
}
std::vector<StorageClass> HarvesterModel::storage_classes() const {
  std::vector<StorageClass> out;
  for (const auto& [name, sc] : storage_classes_) out.push_back(sc);
  return out;
}
std::vector<NetworkAttachment> HarvesterModel::networks(const std::string& ns) const {
  return values_in(networks_, ns);
}
std::vector<Secret> HarvesterModel::secrets(const std::string& ns) const {
  return values_in(secrets_, ns);
}
std::vector<PersistentVolumeClaim> HarvesterModel::claims(const std::string& ns) const {
  return values_in(claims_, ns);
}

Result<Secret> HarvesterModel::create_secret(Secret secret) {
  const std::string& ns = secret.meta.namespace_;
  const std::string& name = secret.meta.name;
  if (!namespaces_.count(ns)) {
    return make_error("namespaces \"" + ns + "\" not found", ErrorKind::kNotFound);
  }
  if (!is_dns1123_subdomain(name)) {
    return make_error("Secret \"" + name + "\" is invalid: metadata.name: Invalid value: \"" +
                          name +
                          "\": a lowercase RFC 1123 subdomain must consist of lower case "
                          "alphanumeric characters, '-' or '.'",
                      ErrorKind::kInvalid);
  }
  if (secrets_.count({ns, name})) {
    return make_error("secrets \"" + name + "\" already exists", ErrorKind::kConflict);
  }
  stamp(secret.meta);
  secrets_[{ns, name}] = secret;
  // A VM held Starting for want of it: the kubelet mounts it and the VMI starts.
  std::vector<Key> waiting;
  for (const auto& [key, vm] : vms_) {
    if (vm.waiting_secret && key.first == ns && vm.vm->spec.user_data_secret == name) {
      waiting.push_back(key);
    }
  }
  for (const Key& key : waiting) run(key);
  return secret;
}

Result<Unit> HarvesterModel::delete_secret(const std::string& ns, const std::string& name) {
  if (secrets_.erase({ns, name}) == 0) {
    return make_error("secrets \"" + name + "\" not found", ErrorKind::kNotFound);
  }
  ++resource_version_;
  return Unit{};
}

Result<Unit> HarvesterModel::delete_claim(const std::string& ns, const std::string& name) {
  if (claims_.erase({ns, name}) == 0) {
    return make_error("persistentvolumeclaims \"" + name + "\" not found", ErrorKind::kNotFound);
  }
  ++resource_version_;
  return Unit{};
}

std::vector<PersistentVolumeClaim> HarvesterModel::orphaned_claims(const std::string& label,
                                                                   const std::string& value) const {
  std::vector<PersistentVolumeClaim> out;
  for (const auto& [key, claim] : claims_) {
    auto l = claim.meta.labels.find(label);
    if (l == claim.meta.labels.end() || l->second != value) continue;
    const Key& id = key;  // clang 14 cannot capture a structured binding
    bool used = std::any_of(vms_.begin(), vms_.end(), [&](const auto& vm) {
      const auto& disk = vm.second.vm->spec.root_disk;
      return vm.first.first == id.first && disk && disk->claim_name == id.second;
    });
    if (!used) out.push_back(claim);
  }
  return out;
}

void HarvesterModel::create_claims(const VirtualMachine& vm) {
  if (!vm.spec.root_disk) return;
  const VolumeClaimTemplate& t = *vm.spec.root_disk;
  if (!t.image_id.empty()) {
    bool found = std::any_of(images_.begin(), images_.end(),
                             [&](const auto& i) { return i.second.id() == t.image_id; });
    if (!found) return;  // "The corresponding VMImage is not created yet": skipped
  }
  Key key{vm.spec.namespace_, t.claim_name};
  if (auto existing = claims_.find(key); existing != claims_.end()) {
    existing->second.storage_bytes = std::max(existing->second.storage_bytes, t.storage_bytes);
    return;
  }
  PersistentVolumeClaim claim;
  claim.meta.name = t.claim_name;
  claim.meta.namespace_ = vm.spec.namespace_;
  claim.meta.labels = t.labels;
  if (!t.image_id.empty()) claim.meta.annotations[kImageId] = t.image_id;
  claim.access_modes = {"ReadWriteMany"};
  claim.volume_mode = "Block";
  claim.storage_class = t.storage_class;
  if (claim.storage_class.empty()) {
    for (const auto& [name, sc] : storage_classes_) {
      if (sc.is_default) claim.storage_class = name;
    }
  }
  claim.storage_bytes = t.storage_bytes;
  stamp(claim.meta);
  claims_[key] = claim;
}

bool HarvesterModel::claims_bound(const VirtualMachine& vm, bool& missing) {
  missing = false;
  if (!vm.spec.root_disk) return true;
  auto claim = claims_.find({vm.spec.namespace_, vm.spec.root_disk->claim_name});
  if (claim == claims_.end()) {
    missing = true;
    return false;
  }
  auto sc = storage_classes_.find(claim->second.storage_class);
  if (sc == storage_classes_.end()) return false;  // no provisioner: Pending for ever
  if (auto backing = sc->second.parameters.find("backingImage");
      backing != sc->second.parameters.end()) {
    bool ready = std::any_of(images_.begin(), images_.end(), [&](const auto& i) {
      return "vmi-" + i.second.meta.uid == backing->second && i.second.imported;
    });
    if (!ready) return false;  // Longhorn waits for the backing image
  }
  claim->second.phase = "Bound";
  return true;
}

void HarvesterModel::removed(const VirtualMachine& vm) {
  if (auto names = vm.spec.annotations.find(kRemovedClaims); names != vm.spec.annotations.end()) {
    for (const std::string& name : split_names(names->second)) {
      claims_.erase({vm.spec.namespace_, name});
    }
  }
  std::erase_if(secrets_, [&vm](const auto& entry) {
    const auto& owners = entry.second.meta.owner_references;
    return std::any_of(owners.begin(), owners.end(),
                       [&vm](const OwnerReference& o) { return o.uid == vm.uid; });
  });
  ++resource_version_;
}

}  // namespace ha
