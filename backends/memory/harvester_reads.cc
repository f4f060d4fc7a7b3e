// HarvesterModel: what the API answers about stored VMs (get, list with label selectors,
// counts), and its 404 and precondition errors.
#include "backends/memory/harvester_model.h"

#include "backends/memory/label_selector.h"

namespace ha {

Error vm_not_found(const std::string& name) {
  return make_error("virtualmachines.kubevirt.io \"" + name + "\" not found", ErrorKind::kNotFound);
}

Result<VirtualMachine> HarvesterModel::get(const std::string& ns, const std::string& name) const {
  auto it = vms_.find({ns, name});
  if (it == vms_.end()) return vm_not_found(name);
  return *it->second.vm;
}

std::int64_t HarvesterModel::count_active(const std::string& ns, const std::string& key,
                                          const std::string& value) const {
  std::int64_t n = 0;
  for (const auto& [k, vm] : vms_) {
    if (k.first != ns || vm.vm->printable_status == "Terminating") continue;
    auto it = vm.vm->spec.labels.find(key);
    n += it != vm.vm->spec.labels.end() && it->second == value ? 1 : 0;
  }
  return n;
}

Result<VmList> HarvesterModel::list(const std::string& ns,
                                    const std::string& label_selector) const {
  auto cached = list_cache_.find({ns, label_selector});
  if (cached != list_cache_.end() && cached->second.generation == generation_) {
    return cached->second.vms;
  }
  auto selector = LabelSelector::parse(label_selector);
  if (!selector) return make_error(selector.error().message, ErrorKind::kInvalid);
  VmList out;
  // Keys sort by namespace first: visit only this namespace's VMs.
  for (auto it = vms_.lower_bound({ns, ""}); it != vms_.end() && it->first.first == ns; ++it) {
    if (selector->matches(it->second.vm->spec.labels)) out.push_back(it->second.vm);
  }
  if (list_cache_.size() >= kListCacheSize) list_cache_.clear();
  list_cache_[{ns, label_selector}] = {generation_, out};
  return out;
}

std::optional<Error> failed_precondition(const VirtualMachine& vm, const std::string& uid,
                                         const std::string& resource_version) {
  if (!uid.empty() && uid != vm.uid) {
    return make_error(
        "Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + vm.uid,
        ErrorKind::kConflict);
  }
  if (!resource_version.empty() && resource_version != vm.resource_version) {
    return make_error("Precondition failed: ResourceVersion in precondition: " + resource_version +
                          ", ResourceVersion in object meta: " + vm.resource_version,
                      ErrorKind::kConflict);
  }
  return std::nullopt;
}

}  // namespace ha
