#include "engine/cache/vm_view.h"

namespace ha {

VmView::VmView(VmList vms) : vms_(std::move(vms)) {
  by_name_.build(
      vms_.size(), [this](std::size_t i) { return std::string_view(vms_[i]->spec.name); },
      [](std::size_t, std::size_t) { return false; });
}

const VirtualMachine* VmView::named(std::string_view name) const {
  auto at = by_name_.find(name);
  return at ? vms_[*at].get() : nullptr;
}

}  // namespace ha
